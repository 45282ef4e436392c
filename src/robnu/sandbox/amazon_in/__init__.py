"""Amazon India Selling Partner API sandbox (reference: shared/reference/amazon-sp-api.md)."""

from robnu.sandbox.amazon_in.sandbox import AmazonSandbox, build_sandbox

__all__ = ["AmazonSandbox", "build_sandbox"]

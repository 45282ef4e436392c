"""Amazon India Selling Partner API sandbox: LWA token exchange, Orders (2026-01-01 and v0), Finances (v0 and
2024-06-19), Listings Items and Reports, shaped by Amazon's published models. What is real and what is modelled:
docs/sandbox/amazon_in.md."""

from robnu.sandbox.amazon_in.sandbox import AmazonSandbox, build_sandbox

__all__ = ["AmazonSandbox", "build_sandbox"]

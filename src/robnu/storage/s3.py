"""The S3-compatible backend (AWS S3, MinIO, Ceph, moto…) through boto3.

Configured by URL: ``s3://bucket[/prefix]?endpoint=http://host:9000&region=ap-south-1&sse=aws:kms&kms_key_id=…``.
Credentials never appear in the URL: boto3 reads them from the environment (``AWS_ACCESS_KEY_ID`` /
``AWS_SECRET_ACCESS_KEY``, a profile, an instance role)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from robnu.storage.port import CHUNK, ObjectNotFound, StorageError, check_key

_OPTIONS = ("endpoint", "region", "sse", "kms_key_id")
_SSE = ("AES256", "aws:kms", "aws:kms:dsse")


class S3ObjectStore:
    def __init__(
        self,
        bucket: str,
        *,
        prefix: str = "",
        endpoint: str | None = None,
        region: str | None = None,
        sse: str | None = None,
        kms_key_id: str | None = None,
        client: Any = None,
    ) -> None:
        if sse is not None and sse not in _SSE:
            raise StorageError(f"storage_url: sse must be one of {', '.join(_SSE)} (got {sse!r})")
        if kms_key_id and not (sse or "").startswith("aws:kms"):
            raise StorageError("storage_url: kms_key_id needs sse=aws:kms")
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.endpoint = endpoint
        self.sse = sse
        self.kms_key_id = kms_key_id
        self.region = region
        self.client = client or boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name=region,
            config=Config(retries={"max_attempts": 5, "mode": "standard"}, s3={"addressing_style": "path"}),
        )

    @classmethod
    def from_url(cls, url: str) -> S3ObjectStore:
        parts = urlsplit(url)
        if parts.username or parts.password:
            raise StorageError("storage_url: credentials do not belong in the URL; set AWS_ACCESS_KEY_ID/… instead")
        if not parts.hostname:
            raise StorageError("storage_url: s3:// needs a bucket name (s3://bucket)")
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        unknown = sorted(set(query) - set(_OPTIONS))
        if unknown:
            raise StorageError(f"storage_url: unknown option(s) {', '.join(unknown)} (known: {', '.join(_OPTIONS)})")
        return cls(
            parts.hostname,
            prefix=parts.path,
            endpoint=query.get("endpoint"),
            region=query.get("region"),
            sse=query.get("sse"),
            kms_key_id=query.get("kms_key_id"),
        )

    @property
    def ident(self) -> str:
        return f"s3://{self.bucket}" + (f"/{self.prefix}" if self.prefix else "")

    def __repr__(self) -> str:
        return f"S3ObjectStore({self.ident}, endpoint={self.endpoint or 'AWS'})"

    def _key(self, key: str) -> str:
        check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def _fail(self, action: str, key: str, exc: Exception) -> StorageError:
        if isinstance(exc, ClientError) and exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
            return ObjectNotFound(f"{key} is not in {self.ident}")
        return StorageError(f"{self.ident}: could not {action} {key}: {type(exc).__name__}: {exc}")

    def put(self, key: str, content: bytes, *, content_type: str) -> None:
        extra: dict[str, str] = {}
        if self.sse:
            extra["ServerSideEncryption"] = self.sse
        if self.kms_key_id:
            extra["SSEKMSKeyId"] = self.kms_key_id
        try:
            self.client.put_object(
                Bucket=self.bucket, Key=self._key(key), Body=content, ContentType=content_type, **extra
            )
        except (BotoCoreError, ClientError) as exc:
            raise self._fail("store", key, exc) from None

    def get(self, key: str) -> bytes:
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"]
            data: bytes = body.read()
            return data
        except (BotoCoreError, ClientError) as exc:
            raise self._fail("read", key, exc) from None

    def open(self, key: str) -> Iterator[bytes]:
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"]
        except (BotoCoreError, ClientError) as exc:
            raise self._fail("read", key, exc) from None
        return self._chunks(body, key)

    def _chunks(self, body: Any, key: str) -> Iterator[bytes]:
        try:
            yield from body.iter_chunks(CHUNK)
        except (BotoCoreError, ClientError) as exc:
            raise self._fail("read", key, exc) from None
        finally:
            body.close()

    def exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
            return True
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise self._fail("check", key, exc) from None
        except BotoCoreError as exc:
            raise self._fail("check", key, exc) from None

    def delete(self, key: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self._key(key))
        except (BotoCoreError, ClientError) as exc:
            raise self._fail("delete", key, exc) from None

    def keys(self, prefix: str) -> Iterator[str]:
        full = self._key(prefix.rstrip("/")) + "/" if prefix else (f"{self.prefix}/" if self.prefix else "")
        cut = len(self.prefix) + 1 if self.prefix else 0
        found: list[str] = []
        try:
            for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=full):
                found.extend(item["Key"][cut:] for item in page.get("Contents", ()))
        except (BotoCoreError, ClientError) as exc:
            raise self._fail("list", prefix or "/", exc) from None
        return iter(sorted(found))

    def ensure_bucket(self) -> None:
        """Create the bucket when it does not exist (local servers, first runs); an existing one is left as is."""
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except ClientError:
            where = {}
            if self.region and self.region != "us-east-1":
                where = {"CreateBucketConfiguration": {"LocationConstraint": self.region}}
            try:
                self.client.create_bucket(Bucket=self.bucket, **where)
            except (BotoCoreError, ClientError) as exc:
                raise self._fail("create bucket", self.bucket, exc) from None

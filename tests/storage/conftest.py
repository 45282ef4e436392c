"""The storage suite runs on both backends: ``backend`` is "local" or "s3", ``storage_url`` the matching
``ROBNU_STORAGE_URL`` (None for local; a fresh bucket on the session's moto server for S3)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from robnu.storage.s3 import S3ObjectStore
from tests.s3_server import bucket_url, s3_server


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    with s3_server() as endpoint:
        yield endpoint


@pytest.fixture
def s3_url(s3_endpoint: str) -> str:
    url = bucket_url(s3_endpoint)
    S3ObjectStore.from_url(url).ensure_bucket()
    return url


@pytest.fixture(params=["local", "s3"])
def storage_url(request: pytest.FixtureRequest) -> str | None:
    if request.param == "local":
        return None
    return str(request.getfixturevalue("s3_url"))

"""The dashboard's tests: one in-process client of the app on the test runtime."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from robnu.services.runtime import Runtime
from robnu.web.serve import build_app


@pytest.fixture
def client(rt: Runtime) -> Iterator[TestClient]:
    with TestClient(build_app(rt), base_url="http://testserver") as c:
        yield c

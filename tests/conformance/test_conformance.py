"""The adapter conformance suite (``robnu.testing``, the kit plug-ins use) for each built-in marketplace, on
this test process's shared database."""

from __future__ import annotations

import pytest

from robnu.testing import ConformanceSuite
from tests.conformance.profiles import ajio, amazon_in, flipkart, meesho


class _OnTheSharedDatabase(ConformanceSuite):
    @pytest.fixture(scope="class")
    @classmethod
    def robnu_database_url(cls, migrated_url: str) -> str:
        return migrated_url  # the harness empties it before each scenario


class TestAjio(_OnTheSharedDatabase):
    profile = ajio.PROFILE


class TestMeesho(_OnTheSharedDatabase):
    profile = meesho.PROFILE


class TestAmazonIn(_OnTheSharedDatabase):
    profile = amazon_in.PROFILE


class TestFlipkart(_OnTheSharedDatabase):
    profile = flipkart.PROFILE

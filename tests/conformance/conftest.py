"""Robnu's own conformance profiles (one per built-in marketplace), run through the installed kit."""

from __future__ import annotations

from robnu.testing import ConformanceProfile
from tests.conformance.profiles import ajio, amazon_in, flipkart, meesho

PROFILES: list[ConformanceProfile] = [ajio.PROFILE, meesho.PROFILE, amazon_in.PROFILE, flipkart.PROFILE]

"""What the read routes share: the problem responses they declare, the id, cursor and limit parameters, and the
datetime filters (an ISO-8601 time with its offset; a naive one is refused naming the parameter)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import Enum
from typing import Annotated, Any

from fastapi import Path, Query
from pydantic import AfterValidator, Field

from robnu.api.params import TEXT_PATTERN
from robnu.api.problems import problem_responses
from robnu.services.queries.common import CONTROL_CHARACTERS, MAX_LIMIT


def _printable(value: str) -> str:
    if CONTROL_CHARACTERS.search(value):
        raise ValueError("must not contain control characters")
    return value


# The pattern is for the schema (clients see the rule); the validator gives the error its plain words.
Printable = Annotated[str, AfterValidator(_printable), Field(json_schema_extra={"pattern": TEXT_PATTERN})]
"""A request body's text field: control characters (a NUL the database would refuse) are a 422 naming it."""

SEARCH_PATTERN = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"  # and not blank

NonBlankPrintable = Annotated[str, AfterValidator(_printable), Field(json_schema_extra={"pattern": SEARCH_PATTERN})]
"""A request body's text field that must hold a visible character: a blank one (spaces, a no-break space) is a
422 naming it, from the service that reads it; the schema says so too."""
ERRORS = problem_responses(401, 403, 404, 422, 429)
MAX_ID = 2**63 - 1

IdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="the row's id")]
CursorQuery = Annotated[str | None, Query(max_length=400, description="next_cursor of the previous page")]
LimitQuery = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="rows per page")]
AccountQuery = Annotated[int | None, Query(ge=1, le=MAX_ID, description="only this account's rows")]
MarketplaceQuery = Annotated[str | None, Query(max_length=32, description="only rows of accounts on this marketplace")]
StatusQuery = Annotated[str | None, Query(max_length=32, pattern=TEXT_PATTERN)]
SearchQuery = Annotated[str | None, Query(max_length=100, pattern=TEXT_PATTERN, description="an exact id or AWB")]


def values_pattern(values: Iterable[str]) -> str:
    """A schema pattern matching exactly these values, upper or lower case (the read models take either)."""
    spelled = [spelling for v in values for spelling in (v, v.lower())]
    return "^(" + "|".join(re.escape(v) for v in dict.fromkeys(spelled)) + ")$"


def one_of(allowed: Iterable[Enum]) -> Any:
    """A filter taking one value of an enum: the schema lists them, so a client (and schemathesis) knows which
    values are accepted; the read models also take them in any case."""
    values = [str(m.value) for m in allowed]
    return Query(
        max_length=64,
        pattern=values_pattern(values),
        description="one of " + ", ".join(values),
    )

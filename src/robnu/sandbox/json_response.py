"""The sandboxes' JSON responses, rendered by orjson.

Starlette's ``JSONResponse`` renders with the standard library's encoder, which took about a third of the
Amazon sandbox's CPU per page of 100 orders (~2.8 KB of JSON each); orjson writes the same compact UTF-8
bytes several times faster. The bodies the sandboxes serve hold only str, int, float, bool, None, lists and
dicts with str keys, for which both encoders give the same bytes (``tests/sandbox/test_json_response.py``
checks this on real pages). A datetime or a dataclass is refused, as the standard encoder refuses it,
rather than written in an orjson-only form. (A NaN would be written as null, not refused: the sandboxes'
amounts come from integer paise, never from arithmetic that could make one.)
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi.responses import JSONResponse


class FastJSONResponse(JSONResponse):
    def render(self, content: Any) -> bytes:
        return orjson.dumps(
            content, default=_refuse, option=orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
        )


def _refuse(value: Any) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")

"""How the API writes JSON: the renderer that names the data, and answers written without a
second validation.

Django Ninja validates what a view returns against the declared response schema and then
renders it. For a large page of rows whose values come straight from the read model (plain
Python values, already in the schema's shape) that second pass costs more than the query
(6 of 15 ms for 100 clusters, docs/benchmarks.md "Portal latency"): such a view builds the
schema's fields itself and returns :func:`unchecked`; the declared schema still documents the
response, and the tests compare the answer with the schema's own validation of it.
"""

from __future__ import annotations

from typing import Any

import orjson
from django.http import HttpRequest, HttpResponse
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder

from clusterobs.portal.editions import current_dataset, selected_edition


class NamedRenderer(JSONRenderer):
    """Every JSON object the API answers names the data it comes from: ``dataset`` and
    ``edition`` (an edition's name, or ``live`` for the latest build), as the
    ``X-Observatory-Dataset`` / ``X-Observatory-Edition`` headers do for every response
    (lists, whose shape is a JSON array, carry the headers only)."""

    def render(self, request: HttpRequest, data: Any, *, response_status: int) -> Any:
        if isinstance(data, dict) and response_status < 400:
            data = {"dataset": current_dataset(), "edition": selected_edition.get() or "live", **data}
        return super().render(request, data, response_status=response_status)


RENDERER = NamedRenderer()


#: dates, decimals and other types orjson leaves out are written as Ninja writes them
_FALLBACK = NinjaJSONEncoder()


def unchecked(request: HttpRequest, payload: dict[str, Any]) -> HttpResponse:
    """*payload* (already in its response schema's shape, plain values) as a 200 JSON answer
    naming its data as every other answer does, but not validated again, and written by
    orjson: the standard library's encoder took 1.0 of the clusters API's 7.4 ms for 100
    rows, orjson 0.1 (a missing number, NaN, is written as null either way: the read
    models hold None)."""
    data = {"dataset": current_dataset(), "edition": selected_edition.get() or "live", **payload}
    body = orjson.dumps(data, default=_FALLBACK.default,
                        option=orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_PASSTHROUGH_DATETIME)
    return HttpResponse(body, content_type=RENDERER.media_type)

"""The scoreboard resource: ranking by dimension, one region's profile (with chosen peers),
coverage; the same page builders as the /scoreboard/ pages."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from clusterobs.portal import store
from clusterobs.portal.api.schemas import Message
from clusterobs.portal.insights import data
from clusterobs.store import scoreboard_queries as sq

router = Router(tags=["scoreboard"])


class RankingQuery(Schema):
    dimension: str | None = Field(None, max_length=60, description="default: overall")


class PeersQuery(Schema):
    peers: str | None = Field(None, max_length=100, description="up to 5 region codes, comma-separated")


@router.get("/scoreboard", response={200: dict, 400: Message})
def ranking(request: HttpRequest, q: Query[RankingQuery]) -> dict[str, Any]:
    """Regions ranked on one dimension, with score, rank range and status against the EU."""
    with store.cursor() as con:
        page = data.scoreboard_page(con, q.dimension)
    return {"dimension": page.context["dimension"], "year": page.context["year"], "items": page.tables["ranking"]}


@router.get("/scoreboard/coverage", response={200: dict})
def coverage(request: HttpRequest) -> dict[str, Any]:
    """Per dimension: indicators and years, regions scored, values imputed, lacking data."""
    with store.cursor() as con:
        return store.memo(con, sq.coverage)


@router.get("/scoreboard/{code}", response={200: dict, 400: Message, 404: Message})
def region(request: HttpRequest, code: str, q: Query[PeersQuery]) -> dict[str, Any]:
    """One region: dimension scores vs EU and peers, indicators with years and imputation
    flags, strengths and weaknesses in words, rank ranges."""
    with store.cursor() as con:
        page = data.scoreboard_region_page(con, code, q.peers)
    ctx = page.context
    return {"region": ctx["region"], "year": ctx["year"], "peers": ctx["peers"], "chosen_peers": ctx["chosen"],
            "sentences": ctx["sentences"], "lacking_data": ctx["lacking"], "dimensions": page.tables["dimensions"],
            "indicators": page.tables["indicators"]}

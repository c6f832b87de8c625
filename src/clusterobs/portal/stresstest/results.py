"""The results of one submitted response as plain data: used by the page and the PDF."""

from __future__ import annotations

from dataclasses import asdict
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from clusterobs.core import stresstest as st
from clusterobs.portal import store
from clusterobs.portal.stresstest import facts
from clusterobs.portal.stresstest.models import Response
from clusterobs.sources import questionnaire


def shown(value: float | None) -> float | None:
    """A score as both the page and the PDF show it: one decimal, halves rounded up.

    The one rounding of every displayed score, applied here so that the page's template
    (``floatformat``) and the PDF (``f"{v:.1f}"``, which rounds halves to even in binary)
    print the same digits: 6.25 is 6.3 on both.

    >>> shown(6.25), shown(6.249999), shown(None)
    (6.3, 6.2, None)
    """
    if value is None:
        return None
    return float(Decimal(repr(float(value))).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _shown_score(item: dict[str, Any]) -> dict[str, Any]:
    return {**item, "score": shown(item["score"])}


def stored_scores(resp: Response) -> list[dict[str, float | None]]:
    """Section scores of the other submitted responses of the same questionnaire version."""
    rows = (Response.objects.filter(status=Response.Status.SUBMITTED, questionnaire=resp.questionnaire,
                                    version=resp.version)
            .exclude(pk=resp.pk).values_list("scores", flat=True))  # fmt: skip
    return [r for r in rows if isinstance(r, dict)]


def region_facts(resp: Response) -> st.RegionFacts:
    """The region's data, or empty facts when the store cannot be read."""
    try:
        with store.cursor() as con:
            return facts.region_facts(con, resp.region, resp.region_name)
    except Exception:  # the store is optional for the results page
        return st.RegionFacts(resp.region, resp.region_name or resp.region)


def build(resp: Response) -> dict[str, Any]:
    """Scores, benchmark, strengths and priorities, recommendations and the evidence check."""
    q = questionnaire.load()
    answers = st.validate_answers(q, resp.answers)
    scores = st.section_scores(q, answers)
    bench = st.benchmark(stored_scores(resp), [s.id for s in q.sections])
    strengths, priorities = st.strengths_priorities(scores)
    region = region_facts(resp)
    mismatches, notes = st.evidence_check(q, answers, scores, region)
    titles = {s.id: s.title for s in q.sections}
    rows = [{**_shown_score(asdict(s)),
             "benchmark": None if bench[s.id] is None else {**asdict(bench[s.id]), "mean": shown(bench[s.id].mean)}}  # type: ignore[union-attr]
            for s in scores]  # fmt: skip
    return {
        "questionnaire": {"title": q.title, "version": q.version},
        "response": {"policy_name": resp.policy_name, "region": resp.region,
                     "region_name": resp.region_name or resp.region,
                     "submitted": resp.submitted},  # fmt: skip
        "scores": rows,
        "has_benchmark": any(b is not None for b in bench.values()),
        "benchmark_min_n": st.BENCHMARK_MIN_N,
        "strengths": [_shown_score(asdict(s)) for s in strengths],
        "priorities": [_shown_score(asdict(s)) for s in priorities],
        "recommendations": [asdict(r) for r in st.recommendations(q, answers, scores)],
        "mismatches": [{**asdict(m), "section_title": titles.get(m.section_id, "")} for m in mismatches],
        "notes": notes,
        "facts": {"cluster_year": region.cluster_year, "clusters_rated": region.clusters_rated,
                  "strong_clusters": list(region.strong_clusters[:5]),
                  "n_strong_clusters": len(region.strong_clusters),
                  "emerging_year": region.emerging_year, "emerging_rated": region.emerging_rated,
                  "n_strong_emerging": len(region.strong_emerging),
                  "scoreboard_region": region.scoreboard_region,
                  "scoreboard_year": region.scoreboard_year},  # fmt: skip
        "radar": {"labels": [s.title for s in scores],
                  "values": [shown(s.score) for s in scores],
                  "benchmark": [None if bench[s.id] is None else shown(bench[s.id].mean)  # type: ignore[union-attr]
                                for s in scores]},  # fmt: skip
    }

"""Stress test for cluster policy: scoring, profile, recommendations, benchmark, evidence check.

Pure functions on a :class:`Questionnaire` (loaded and validated by
:mod:`clusterobs.sources.questionnaire`) and a mapping ``item id -> answer value``.
Methodology §9 (our default): items are Likert 1-5 or yes/no with a weight and a reverse
flag; "don't know" (``dk``) is left out of the score. An answer is normalised to [0, 1]:
``(a - 1) / 4`` for Likert, 1 for yes and 0 for no, then ``1 - x`` when the item is reversed.
A section scores ``10 * weighted mean`` of its normalised answers (equal weights give the
published-style ``10 * mean((a - 1) / 4)``). Recommendations are the guidance of items
below 0.5, weakest section first. The benchmark needs at least 5 stored responses per
section. Evidence checks compare answers with the region's data (ratings, §8 scoreboard).
See ``docs/stresstest.md``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from clusterobs.errors import ClusterObsError

__all__ = [
    "BENCHMARK_MIN_N", "DONT_KNOW", "AnswerError", "Benchmark", "DimensionFact", "Item", "Link",
    "Mismatch", "Questionnaire", "Recommendation", "RegionFacts", "Section", "SectionScore",
    "benchmark", "evidence_check", "normalise", "progress", "recommendations", "section_scores",
    "strengths_priorities", "validate_answers",
]  # fmt: skip

Scale = Literal["likert", "yesno"]
DONT_KNOW = "dk"
LIKERT = ("1", "2", "3", "4", "5")
YESNO = ("yes", "no")
WEAK = 0.5  # an item below this normalised value yields its guidance (§9)
CLAIM = 0.75  # an item at or above this value (Likert 4-5, yes) is a claim to check against data
LOW = 0.25  # an item at or below this value (Likert 1-2, no) says the policy does not do it
STRENGTH = 7.0  # section score from which a section is listed as a strength (ours)
PRIORITY = 5.0  # section score below which a section is a priority (ours)
FLAG = 8.0  # §9: sections scored >= 8 whose §8 dimension is a weakness are flagged
BENCHMARK_MIN_N = 5  # §9: benchmark only against at least 5 stored responses
STRONG_STARS = 2  # a cluster "rated" for the evidence check: >= 2 stars (eco-classic)
OPPORTUNITY_MIN = 3  # strong clusters from which a low "builds on strengths" is an opportunity


class AnswerError(ClusterObsError):
    """Answers that do not fit the questionnaire (unknown section or item, value not allowed)."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True)
class Item:
    """One question. ``claim`` names the regional data the answer can be checked against."""

    id: str
    text: str
    scale: Scale
    guidance: str
    weight: float = 1.0
    reverse: bool = False
    links: tuple[Link, ...] = ()
    claim: str | None = None

    @property
    def allowed(self) -> tuple[str, ...]:
        """The answer values accepted for this item, "don't know" included."""
        return (*(LIKERT if self.scale == "likert" else YESNO), DONT_KNOW)


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    principle: str
    items: tuple[Item, ...]
    sources: tuple[str, ...] = ()
    dimension: str | None = None  # the §8 scoreboard dimension this section acts on


@dataclass(frozen=True)
class Questionnaire:
    id: str
    version: int
    title: str
    intro: str
    sections: tuple[Section, ...]
    labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def section(self, section_id: str) -> Section:
        for s in self.sections:
            if s.id == section_id:
                return s
        raise AnswerError(f"unknown section {section_id!r}")

    @property
    def items(self) -> dict[str, tuple[Section, Item]]:
        return {i.id: (s, i) for s in self.sections for i in s.items}


def normalise(item: Item, value: str) -> float | None:
    """An answer on [0, 1] (reverse applied), or None for "don't know".

    >>> normalise(Item("a", "?", "likert", "g"), "4")
    0.75
    >>> normalise(Item("b", "?", "likert", "g", reverse=True), "4")
    0.25
    >>> normalise(Item("c", "?", "yesno", "g"), "dk") is None
    True
    """
    if value == DONT_KNOW:
        return None
    if value not in item.allowed:
        raise AnswerError(f"{item.id}: {value!r} is not an allowed answer ({', '.join(item.allowed)})")
    x = (int(value) - 1) / 4 if item.scale == "likert" else (1.0 if value == "yes" else 0.0)
    return 1.0 - x if item.reverse else x


def validate_answers(q: Questionnaire, answers: Mapping[str, Any],
                     section: str | None = None) -> dict[str, str]:  # fmt: skip
    """Clean answers (``item -> value``) or :class:`AnswerError` naming every bad key.

    With ``section`` every item must belong to that section. Empty values are dropped
    (unanswered). Nothing is partially accepted: one bad key refuses the whole set.
    """
    scope = q.section(section).items if section is not None else None
    index = q.items
    problems, clean = [], {}
    for key, raw in answers.items():
        value = raw if isinstance(raw, str) else None
        if key not in index:
            problems.append(f"unknown question {str(key)[:40]!r}")
        elif scope is not None and index[key][1] not in scope:
            problems.append(f"question {key!r} is not in section {section!r}")
        elif value is None:
            problems.append(f"{key}: the answer must be text, got {type(raw).__name__}")
        elif value == "":
            continue
        elif value not in index[key][1].allowed:
            allowed = ", ".join(index[key][1].allowed)
            problems.append(f"{key}: {value[:20]!r} is not an allowed answer ({allowed})")
        else:
            clean[key] = value
    if problems:
        raise AnswerError("; ".join(problems))
    return clean


@dataclass(frozen=True)
class SectionScore:
    id: str
    title: str
    score: float | None  # 0-10, None when no item was scored
    answered: int  # items with any answer, "don't know" included
    dont_know: int
    total: int


def section_scores(q: Questionnaire, answers: Mapping[str, str]) -> list[SectionScore]:
    """``10 * sum(w * x) / sum(w)`` over the scored items of each section (§9).

    >>> q = Questionnaire("t", 1, "T", "", (Section("S1", "One", "p", (
    ...     Item("a", "?", "likert", "g"), Item("b", "?", "yesno", "g", weight=3.0))),))
    >>> section_scores(q, {"a": "3", "b": "yes"})[0].score  # 10 * (0.5 + 3 * 1) / 4
    8.75
    """
    out = []
    for s in q.sections:
        num = den = 0.0
        answered = dk = 0
        for item in s.items:
            value = answers.get(item.id)
            if value is None:
                continue
            answered += 1
            x = normalise(item, value)
            if x is None:
                dk += 1
                continue
            num += item.weight * x
            den += item.weight
        score = round(10 * num / den, 2) if den > 0 else None
        out.append(SectionScore(s.id, s.title, score, answered, dk, len(s.items)))
    return out


def progress(q: Questionnaire, answers: Mapping[str, str]) -> tuple[int, int]:
    """(answered items, all items); "don't know" counts as answered."""
    items = q.items
    return sum(1 for k in answers if k in items), len(items)


@dataclass(frozen=True)
class Recommendation:
    section_id: str
    section_title: str
    item_id: str
    text: str
    guidance: str
    value: float
    links: tuple[Link, ...]


def recommendations(q: Questionnaire, answers: Mapping[str, str],
                    scores: Sequence[SectionScore]) -> list[Recommendation]:  # fmt: skip
    """Guidance of the items scored below 0.5, weakest section first, then question order."""
    rank = {s.id: (s.score if s.score is not None else 10.0, n) for n, s in enumerate(scores)}
    out = []
    for s in sorted(q.sections, key=lambda sec: rank.get(sec.id, (10.0, 0))):
        for item in s.items:
            value = answers.get(item.id)
            x = None if value is None else normalise(item, value)
            if x is not None and x < WEAK:
                out.append(Recommendation(s.id, s.title, item.id, item.text, item.guidance, x,
                                          item.links))  # fmt: skip
    return out


def strengths_priorities(scores: Sequence[SectionScore]) -> tuple[list[SectionScore], list[SectionScore]]:
    """Sections scored >= 7 (best first) and sections scored < 5 (weakest first)."""
    scored = [s for s in scores if s.score is not None]
    strengths = sorted((s for s in scored if (s.score or 0) >= STRENGTH), key=lambda s: -(s.score or 0))
    priorities = sorted((s for s in scored if (s.score or 0) < PRIORITY), key=lambda s: s.score or 0)
    return strengths, priorities


@dataclass(frozen=True)
class Benchmark:
    mean: float
    n: int


def benchmark(stored: Sequence[Mapping[str, float | None]], section_ids: Sequence[str],
              min_n: int = BENCHMARK_MIN_N) -> dict[str, Benchmark | None]:  # fmt: skip
    """Mean section score of stored responses; None for a section with fewer than ``min_n``.

    Only aggregates leave this function, and only over at least ``min_n`` responses, so no
    single response can be read from it.

    >>> benchmark([{"S1": 5.0}, {"S1": 7.0}], ["S1"], min_n=2)
    {'S1': Benchmark(mean=6.0, n=2)}
    """
    out: dict[str, Benchmark | None] = {}
    for sid in section_ids:
        values = [float(v) for r in stored if (v := r.get(sid)) is not None]
        out[sid] = (Benchmark(round(sum(values) / len(values), 1), len(values))
                    if len(values) >= min_n else None)  # fmt: skip
    return out


@dataclass(frozen=True)
class DimensionFact:
    """One §8 scoreboard dimension of the region: score [0,1], % of EU average, status."""

    dimension: str
    title: str
    score: float | None
    rel_eu: float | None
    status: str | None  # "strength", "weakness", "neutral"


@dataclass(frozen=True)
class RegionFacts:
    """What the store says about a region, gathered by the portal (the core opens no store)."""

    region: str
    name: str
    cluster_year: int | None = None
    clusters_rated: int = 0  # eu-clusters categories with a rating in cluster_year
    strong_clusters: tuple[tuple[str, int], ...] = ()  # (category name, stars) with >= 2 stars
    emerging_year: int | None = None
    emerging_rated: int = 0
    strong_emerging: tuple[tuple[str, int], ...] = ()
    scoreboard_region: str | None = None  # the region (or parent) whose scoreboard is used
    scoreboard_year: int | None = None
    dimensions: Mapping[str, DimensionFact] | None = None  # None: no scoreboard built


@dataclass(frozen=True)
class Mismatch:
    kind: Literal["contradiction", "flag", "opportunity"]
    section_id: str
    item_id: str | None
    claim: str
    evidence: str


def _cluster_rule(item: Item, x: float, f: RegionFacts, emerging: bool) -> Mismatch | None:
    year = f.emerging_year if emerging else f.cluster_year
    rated = f.emerging_rated if emerging else f.clusters_rated
    strong = f.strong_emerging if emerging else f.strong_clusters
    if year is None:
        return None
    scheme = "emerging industries" if emerging else "cluster categories"
    top = ", ".join(f"{n} ({s}★)" for n, s in strong[:3])
    if x >= CLAIM and not strong:
        return Mismatch("contradiction", "", item.id, item.text,
                        f"{f.name}: 0 of {rated} {scheme} rated ≥ {STRONG_STARS} stars "
                        f"(eco-classic, {year}).")  # fmt: skip
    if not emerging and x <= LOW and len(strong) >= OPPORTUNITY_MIN:
        return Mismatch("opportunity", "", item.id, item.text,
                        f"{f.name}: {len(strong)} of {rated} {scheme} rated ≥ {STRONG_STARS} "
                        f"stars (eco-classic, {year}), e.g. {top}.")  # fmt: skip
    return None


def _dimension_text(f: RegionFacts, d: DimensionFact) -> str:
    score = "n/a" if d.score is None else f"{d.score:.2f}"
    rel = "n/a" if d.rel_eu is None else f"{d.rel_eu:.0f}%"
    where = f.scoreboard_region if f.scoreboard_region not in (None, f.region) else f.name
    return (f"{where}: {d.title} is a weakness in the scoreboard ({f.scoreboard_year}): "
            f"score {score}, {rel} of the EU average (weakness ≤ 90%).")  # fmt: skip


def evidence_check(q: Questionnaire, answers: Mapping[str, str], scores: Sequence[SectionScore],
                   facts: RegionFacts) -> tuple[list[Mismatch], list[str]]:  # fmt: skip
    """Answers that the region's data contradict, and notes on data that was missing.

    Rules: (1) a claim to build on strong clusters (Likert >= 4 or yes) where no
    eu-clusters category has >= 2 stars; (2) the same for emerging industries; (3) a low
    answer there although >= 3 clusters are rated (an untapped strength); (4) a claim on a
    framework condition (skills, finance, governance, ...) whose §8 dimension is a weakness;
    (5) a section scored >= 8 whose §8 dimension is a weakness (§9).
    """
    found: list[Mismatch] = []
    notes: list[str] = []
    by_id = {s.id: s for s in scores}
    dims = facts.dimensions
    for s in q.sections:
        for item in s.items:
            value = answers.get(item.id)
            x = None if value is None or item.claim is None else normalise(item, value)
            if x is None:
                continue
            m: Mismatch | None = None
            if item.claim in ("strong_clusters", "emerging_industries"):
                m = _cluster_rule(item, x, facts, item.claim == "emerging_industries")
            elif dims is not None and x >= CLAIM:
                d = dims.get(item.claim or "")
                if d is not None and d.status == "weakness":
                    m = Mismatch("contradiction", "", item.id, item.text, _dimension_text(facts, d))
            if m is not None:
                found.append(Mismatch(m.kind, s.id, m.item_id, m.claim, m.evidence))
        sec = by_id.get(s.id)
        d = None if dims is None or s.dimension is None else dims.get(s.dimension)
        if sec is not None and sec.score is not None and sec.score >= FLAG and d is not None \
                and d.status == "weakness":
            found.append(Mismatch("flag", s.id, None, f"Section “{s.title}” scored {sec.score:.1f}/10",
                                  _dimension_text(facts, d)))  # fmt: skip
    if facts.cluster_year is None:
        notes.append(f"No cluster ratings for {facts.name} in the store: cluster claims not checked.")
    if facts.emerging_year is None:
        notes.append(f"No emerging-industry ratings for {facts.name}: emerging claims not checked.")
    if dims is None:
        notes.append("No scoreboard for this region (or none built yet): claims on framework "
                     "conditions not checked.")  # fmt: skip
    return found, notes

"""The ONE filter definition of the case library, used by the page, its downloads and the API.

``CaseFilter.parse(params)`` reads a query mapping (``request.GET`` or the API's query
schema as a dict) into checked values; ``.apply(queryset)`` filters and, with a search
text, ranks the cases. Like netbox's FilterSet, page and API therefore cannot drift apart.

Search is portable (SQLite and PostgreSQL): every word (or "quoted phrase") must occur in
the case (accent- and case-insensitive, British and American spellings alike); cases are
ranked by a weighted count of matches: title x8, policy type x4, summary x3, anywhere x1.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case as CaseWhen
from django.db.models import IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Lower

from clusterobs.portal.showcases import taxonomy
from clusterobs.portal.showcases.models import Case
from clusterobs.portal.showcases.services import region_q

PARAMS = ("q", "country", "level", "policy_type", "instrument", "category", "region")
MAX_QUERY = 200
MAX_TERMS = 8
CODE = re.compile(r"^[A-Za-z0-9-]{1,40}$")
WEIGHTS = (("_title", 8), ("_type", 4), ("_summary", 3))


# phrases searched as one term, with the abbreviations the cases use for them
SYNONYMS = {"smart specialisation": ("ris3",), "smart specialization": ("ris3",)}


def _terms(text: str) -> list[str]:
    """Words and quoted phrases of *text*, folded (lower case, no accents)."""
    folded = taxonomy.fold(text)
    for phrase in SYNONYMS:
        folded = re.sub(rf'(?<!")\b{phrase}\b(?!")', f'"{phrase}"', folded)
    try:
        parts = shlex.split(folded)
    except ValueError:  # an unbalanced quote: fall back to plain words
        parts = folded.replace('"', " ").split()
    terms = [" ".join(p.split()) for p in parts]
    return [t for t in dict.fromkeys(terms) if t][:MAX_TERMS]


def _variants(term: str) -> list[str]:
    """The term with British and American spellings (-isation/-ization, -ise/-ize)."""
    out = {term}
    for a, b in (("isation", "ization"), ("ise", "ize"), ("ising", "izing"), ("centre", "center")):
        out |= {term.replace(a, b), term.replace(b, a)}
    for variant in list(out):
        out.update(SYNONYMS.get(variant, ()))
    return sorted(out)


@dataclass(frozen=True)
class CaseFilter:
    """Checked filter values; ``errors`` lists the values that were refused (and ignored)."""

    q: str = ""
    country: str = ""
    level: str = ""
    policy_type: str = ""
    instrument: str = ""
    category: str = ""
    region: str = ""
    errors: tuple[str, ...] = field(default=())

    @classmethod
    def parse(cls, params: Mapping[str, Any]) -> CaseFilter:
        """Read and check the filter parameters; bad values are dropped and named in ``errors``."""
        raw = {k: str(params.get(k) or "").strip() for k in PARAMS}
        errors: list[str] = []
        values: dict[str, str] = {"q": raw["q"][:MAX_QUERY]}

        def keep(name: str, value: str, ok: bool, expected: str) -> None:
            if not value:
                return
            if ok:
                values[name] = value
            else:
                errors.append(f"{name}={value[:40]!r} is not allowed: expected {expected}")

        country = raw["country"].upper()
        keep("country", country, bool(re.fullmatch(r"[A-Z]{2}", country)), "a two-letter country code")
        level = next((k for k in taxonomy.LEVELS if k.lower() == raw["level"].lower()), raw["level"])
        keep("level", level, level in taxonomy.LEVELS, "one of " + ", ".join(taxonomy.LEVELS))
        keep("policy_type", raw["policy_type"], raw["policy_type"] in taxonomy.POLICY_TYPES,
             "one of " + ", ".join(taxonomy.POLICY_TYPES))
        keep("instrument", raw["instrument"], raw["instrument"] in taxonomy.INSTRUMENTS,
             "one of " + ", ".join(taxonomy.INSTRUMENTS))
        keep("category", raw["category"], bool(CODE.match(raw["category"])),
             "a cluster category or emerging industry code")
        region = raw["region"].upper()
        keep("region", region, bool(re.fullmatch(r"[A-Z]{2}[0-9A-Z]{0,3}", region)), "a NUTS code")
        return cls(**values, errors=tuple(errors))

    @property
    def active(self) -> dict[str, str]:
        """The filters in use, as query-string items."""
        return {k: getattr(self, k) for k in PARAMS if getattr(self, k)}

    def terms(self) -> list[str]:
        return _terms(self.q)

    def apply(self, qs: QuerySet[Case]) -> QuerySet[Case]:
        """*qs* filtered; with a search text, annotated with ``rank`` and ordered by it."""
        if self.country:
            qs = qs.filter(country=self.country)
        if self.level:
            qs = qs.filter(level=self.level)
        if self.policy_type:
            qs = qs.filter(policy_type_code=self.policy_type)
        if self.instrument:
            qs = qs.filter(facets__contains=f"|i:{self.instrument}|")
        if self.category:
            qs = qs.filter(facets__contains=f"|k:{self.category}|")
        if self.region:
            qs = qs.filter(region_q(self.region))
        terms = self.terms()
        if not terms:
            return qs.order_by("title")
        qs = qs.annotate(_title=Lower("title"), _type=Lower("policy_type"), _summary=Lower("summary"))
        rank: Any = Value(0)
        for term in terms:
            variants = _variants(term)
            anywhere = Q()
            for v in variants:
                anywhere |= Q(search_text__contains=v)
            qs = qs.filter(anywhere)
            rank = rank + Value(1)
            for column, weight in WEIGHTS:
                hit = Q()
                for v in variants:
                    hit |= Q(**{f"{column}__contains": v})
                rank = rank + CaseWhen(When(hit, then=Value(weight)), default=Value(0),
                                    output_field=IntegerField())
        return qs.annotate(rank=rank).order_by("-rank", "title")

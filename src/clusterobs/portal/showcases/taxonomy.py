"""Controlled vocabularies of the case library and how free-text case fields map onto them.

A case keeps its own wording (``policy_type``, ``instruments``, ``sectors_or_themes``); the
filters use short codes derived from that wording by the keyword rules below, so a filter
has a handful of meaningful choices instead of one per sentence. Moderators can correct the
derived codes in the form; the seed file may give them explicitly too.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from clusterobs.sources import declarations

LEVELS = {"regional": "Regional", "national": "National", "EU": "EU level", "other": "Other"}

POLICY_TYPES = {
    "programme": "Cluster programme",
    "competition": "Competition",
    "labelling": "Labelling and excellence",
    "platform": "Platform and networking",
    "policy-learning": "Interregional policy learning",
    "funding": "Funding programme",
}
# first matching rule wins; matched against the policy_type text
_POLICY_RULES: list[tuple[str, str]] = [
    ("policy-learning", r"policy learning"),
    ("platform", r"platform"),
    ("competition", r"competition"),
    ("labelling", r"label"),
    ("funding", r"funding programme|cascade"),
    ("programme", r"programme|strategy|technology clusters|cluster"),
]

INSTRUMENTS = {
    "funding": "Grants and co-funding",
    "competition": "Competitive calls and awards",
    "labelling": "Labels and excellence assessment",
    "cluster-management": "Support to cluster organisations",
    "internationalisation": "Internationalisation",
    "collaboration": "Networking and collaboration projects",
    "strategy": "Mapping, strategies and action plans",
    "skills": "Training and coaching",
    "evaluation": "Monitoring and evaluation",
    "sme-support": "Vouchers and cascade funding for SMEs",
    "research": "R&D and innovation projects",
}
_INSTRUMENT_RULES: dict[str, str] = {
    "funding": r"grant|fund|co-financ|financ|subsid|budget",
    "competition": r"competition|competitive|call|selection|selected",
    "labelling": r"label|excellence|benchmark|gold|silver|bronze|status",
    "cluster-management": r"cluster (management|organi[sz]ation|association)|management organi|facilitat|cluster manager",
    "internationalisation": r"internationali[sz]|international|export|global|partnership",
    "collaboration": r"network|collaborat|cooperat|matchmak|inter-cluster|cross-cluster|platform|community",
    "strategy": r"mapping|strateg|action plan|roadmap|diagnos",
    "skills": r"training|coach|skill|academy|professionali[sz]|learning|workshop",
    "evaluation": r"evaluat|monitor|assessment|indicator|review",
    "sme-support": r"voucher|cascade|sme",
    "research": r"r&d|research|innovation project|technolog",
}

# cluster categories (scheme eu-clusters) and emerging industries (scheme emerging) of the store
CATEGORY_SCHEME = declarations.default_scheme()
EMERGING_SCHEME = "emerging"
_THEME_RULES: list[tuple[str, list[str], list[str]]] = [
    (r"aero|aviation|aircraft|space|defen[cs]e", ["1"], []),
    (r"automotive|mobility|vehicle|e-mobility", ["4"], ["mobility-technologies"]),
    (r"biotech|life science|pharma|bioscience|biorefin", ["5"], ["biopharmaceuticals"]),
    (r"medical|health", ["30"], ["medical-devices"]),
    (r"food|agri|drink", ["18"], []),
    (r"plastic", ["38"], []),
    (r"chemi", ["46", "11"], []),
    (r"\bict\b|\bit\b|digital|software|smart cit|smart living|smart communit|fintech|connected industry",
     ["23"], ["digital"]),
    (r"electronic|semiconductor|photonic|nano|micro", ["23", "8"], []),
    (r"energy|photovoltaic|smart grid|fuel cell|renewable|zero-emission|cleantech|power|offshore", ["14"], []),
    (r"environment|cleantech|circular|water tech|resource efficiency|green", ["15"], ["environmental"]),
    (r"maritime|marine|blue (growth|economy)|water transport", ["50"], ["blue-growth"]),
    (r"logistic|transport|rail", ["45"], ["logistical-services"]),
    (r"wood|furniture|forest|paper", ["51", "21"], []),
    (r"textile", ["42"], []),
    (r"material|metal", ["47"], []),
    (r"machin|mechatronic|robot|manufactur|smart factory|production tech", ["40"], []),
    (r"building|construction|housing", ["9"], []),
    (r"creativ|design|cultural|made in italy|sport", ["29"], ["creative"]),
    (r"tourism|experience", ["22"], ["experience"]),
    (r"packag", ["36"], ["advanced-packaging"]),
    (r"financ", ["16"], []),
]


def fold(text: str) -> str:
    """Lower-case *text* without accents, for accent-insensitive search."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def policy_type_code(text: str) -> str:
    """The policy type code of a free-text policy type (``programme`` when nothing else fits)."""
    low = fold(text)
    for code, pattern in _POLICY_RULES:
        if re.search(pattern, low):
            return code
    return "programme"


def instrument_codes(instruments: Iterable[str], policy_type: str = "") -> list[str]:
    """The instrument codes found in the instrument texts (and the policy type), in vocabulary order."""
    text = fold(" | ".join([*instruments, policy_type]))
    return [code for code, pattern in _INSTRUMENT_RULES.items() if re.search(pattern, text)]


def category_codes(themes: Iterable[str]) -> tuple[list[str], list[str]]:
    """Cluster categories and emerging industries named by the themes (sorted, unique)."""
    text = fold(" | ".join(themes))
    cats: set[str] = set()
    emerging: set[str] = set()
    for pattern, c, e in _THEME_RULES:
        if re.search(pattern, text):
            cats.update(c)
            emerging.update(e)
    return sorted(cats, key=lambda c: (len(c), c)), sorted(emerging)


def nuts_country(country: str) -> str:
    """The NUTS country code of an ISO 3166-1 alpha-2 code (GB -> UK, GR -> EL)."""
    return {"GB": "UK", "GR": "EL"}.get(country, country)


def iso_country(nuts: str) -> str:
    """The ISO 3166-1 alpha-2 code of a NUTS country code (UK -> GB, EL -> GR)."""
    return {"UK": "GB", "EL": "GR"}.get(nuts, nuts)


COUNTRIES = {
    "AT": "Austria", "BE": "Belgium", "BG": "Bulgaria", "CH": "Switzerland", "CY": "Cyprus", "CZ": "Czechia",
    "DE": "Germany", "DK": "Denmark", "EE": "Estonia", "ES": "Spain", "EU": "European Union", "FI": "Finland",
    "FR": "France", "GB": "United Kingdom", "GR": "Greece", "HR": "Croatia", "HU": "Hungary", "IE": "Ireland",
    "IS": "Iceland", "IT": "Italy", "JP": "Japan", "KR": "South Korea", "LI": "Liechtenstein", "LT": "Lithuania",
    "LU": "Luxembourg", "LV": "Latvia", "MT": "Malta", "NL": "Netherlands", "NO": "Norway", "PL": "Poland",
    "PT": "Portugal", "RO": "Romania", "SE": "Sweden", "SI": "Slovenia", "SK": "Slovakia", "TR": "Türkiye",
    "US": "United States",
}


def country_name(code: str) -> str:
    """The English name of an ISO country code (the code itself when unknown)."""
    return COUNTRIES.get(code, code)

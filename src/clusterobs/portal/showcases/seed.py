"""Read and validate the seed cases (``policy_cases/cases.yaml`` of the data mirror).

Every problem is reported with the case id and the field, e.g.
``policy_cases/cases.yaml: case 'basque-country-cluster-policy', field 'level': 'county' is not
one of regional, national, EU, other``. Nothing is written unless the whole file is valid.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from clusterobs import config
from clusterobs.errors import ClusterObsError
from clusterobs.portal.showcases import taxonomy

SEED_FILE = Path("policy_cases") / "cases.yaml"
REQUIRED = ("id", "title", "country", "level", "policy_type", "summary", "sources")
LISTS = ("regions", "instruments", "target_groups", "sectors_or_themes", "outcomes", "lessons")
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,119}$")
COUNTRY = re.compile(r"^[A-Z]{2}$")
NUTS = re.compile(r"^[A-Z]{2}[0-9A-Z]{0,3}$")
URL = re.compile(r"^https?://[^\s<>\"']+$")


class SeedError(ClusterObsError):
    """The seed file is missing or a record is invalid; the message names the case and field."""


def seed_path() -> Path:
    """``$CLUSTEROBS_MIRROR/policy_cases/cases.yaml`` (the shared data folder by default)."""
    mirror = config.mirror_dir()
    base = mirror if mirror is not None else Path(__file__).resolve().parents[5] / "shared" / "data"
    return base / SEED_FILE


def _text(value: Any, where: str, *, required: bool = False, limit: int = 20_000) -> str:
    if value is None:
        if required:
            raise SeedError(f"{where}: is required")
        return ""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise SeedError(f"{where}: expected text, got {type(value).__name__}")
    text = str(value).strip()
    if required and not text:
        raise SeedError(f"{where}: is required")
    if len(text) > limit:
        raise SeedError(f"{where}: longer than {limit} characters")
    return text


def _list(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise SeedError(f"{where}: expected a list, got {type(value).__name__}")
    return [_text(v, f"{where}[{i}]", required=True, limit=2_000) for i, v in enumerate(value)]


def _year(value: Any, where: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1900 <= value <= 2100:
        raise SeedError(f"{where}: {value!r} is not a year between 1900 and 2100")
    return value


def _sources(value: Any, where: str) -> list[dict[str, str]]:
    if not isinstance(value, list) or not value:
        raise SeedError(f"{where}: expected a non-empty list of {{url, title}}")
    out = []
    for i, item in enumerate(value):
        here = f"{where}[{i}]"
        if not isinstance(item, dict):
            raise SeedError(f"{here}: expected a mapping with url and title")
        url = _text(item.get("url"), f"{here}.url", required=True, limit=2_000)
        if not URL.match(url):
            raise SeedError(f"{here}.url: {url!r} is not an http(s) address")
        out.append({"url": url, "title": _text(item.get("title"), f"{here}.title", required=True, limit=500)})
    return out


def validate(record: Any, index: int) -> dict[str, Any]:
    """One seed record as the field values of a Case; SeedError naming case and field otherwise."""
    if not isinstance(record, dict):
        raise SeedError(f"item {index}: expected a mapping, got {type(record).__name__}")
    case_id = record.get("id")
    label = f"case {case_id!r}" if case_id else f"item {index}"

    def where(field: str) -> str:
        return f"{label}, field {field!r}"

    for field in REQUIRED:
        if record.get(field) in (None, "", []):
            raise SeedError(f"{where(field)}: is required")
    slug = _text(case_id, where("id"), required=True)
    if not SLUG.match(slug):
        raise SeedError(f"{where('id')}: {slug!r} is not a slug (lower-case letters, digits, hyphens)")
    country = _text(record["country"], where("country"), required=True)
    if not COUNTRY.match(country):
        raise SeedError(f"{where('country')}: {country!r} is not an ISO 3166-1 alpha-2 code")
    level = _text(record["level"], where("level"), required=True)
    if level not in taxonomy.LEVELS:
        raise SeedError(f"{where('level')}: {level!r} is not one of {', '.join(taxonomy.LEVELS)}")
    lists = {f: _list(record.get(f), where(f)) for f in LISTS}
    for code in lists["regions"]:
        if not NUTS.match(code):
            raise SeedError(f"{where('regions')}: {code!r} is not a NUTS code")
    start, end = _year(record.get("start_year"), where("start_year")), _year(record.get("end_year"), where("end_year"))
    if start is not None and end is not None and end < start:
        raise SeedError(f"{where('end_year')}: {end} is before start_year {start}")
    policy_type = _text(record["policy_type"], where("policy_type"), required=True, limit=300)
    cats, emerging = taxonomy.category_codes(lists["sectors_or_themes"])
    return {
        "seed_id": slug, "slug": slug,
        "title": _text(record["title"], where("title"), required=True, limit=200),
        "summary": _text(record["summary"], where("summary"), required=True),
        "country": country, "regions": lists["regions"], "level": level,
        "policy_type": policy_type, "policy_type_code": taxonomy.policy_type_code(policy_type),
        "instruments": lists["instruments"],
        "instrument_codes": taxonomy.instrument_codes(lists["instruments"], policy_type),
        "target_groups": lists["target_groups"], "themes": lists["sectors_or_themes"],
        "categories": _list(record.get("categories"), where("categories")) or cats,
        "emerging_industries": _list(record.get("emerging_industries"), where("emerging_industries")) or emerging,
        "start_year": start, "end_year": end,
        "budget": _text(record.get("budget"), where("budget")),
        "outcomes": lists["outcomes"], "lessons": lists["lessons"],
        "sources": _sources(record["sources"], where("sources")),
    }


def read(path: Path | None = None) -> list[dict[str, Any]]:
    """All seed records of *path* (default :func:`seed_path`), validated; ids must be unique."""
    path = path or seed_path()
    if not path.is_file():
        raise SeedError(f"{path}: seed file not found (set CLUSTEROBS_MIRROR to the data folder)")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise SeedError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(raw, list):
        raise SeedError(f"{path}: expected a YAML list of cases")
    records, seen = [], set()
    for i, item in enumerate(raw):
        try:
            rec = validate(item, i)
        except SeedError as exc:
            raise SeedError(f"{path.name}: {exc}") from None
        if rec["slug"] in seen:
            raise SeedError(f"{path.name}: case {rec['slug']!r}, field 'id': duplicate id")
        seen.add(rec["slug"])
        records.append(rec)
    return records

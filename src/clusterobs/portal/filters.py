"""One definition of the portal's filters (scheme, method, year, level, ...) for pages and API.

Values are checked against the edition being served, and a bad value raises
:class:`BadInput` with a message naming the parameter, the value and what is allowed; the
middleware (pages) and the API's exception handlers turn it into a 400 response.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from clusterobs.portal import store
from clusterobs.store import editions, queries
from clusterobs.store.engine import Connection

DEFAULT_METHOD = "eco-classic"
DEFAULT_INDICATOR = "lq"
FORMATS = ("csv", "xlsx", "parquet")


class BadInput(ValueError):
    """A query value is malformed or not allowed; the message says which and why."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


class NotFound(LookupError):
    """A region or category does not exist; *suggestions* are the closest ones."""

    def __init__(self, message: str, suggestions: list[dict[str, Any]] | None = None) -> None:
        self.message = message
        self.suggestions = suggestions or []
        super().__init__(message)


@dataclass(frozen=True)
class Filters:
    """The checked filter values of one request."""

    scheme: str
    method: str
    year: int
    level: int
    category: str | None = None
    indicator: str = DEFAULT_INDICATOR
    min_stars: int | None = None

    def query(self, **override: Any) -> dict[str, Any]:
        """The filters as query-string items (None values dropped), with *override* applied."""
        items = {**asdict(self), **override}
        return {k: v for k, v in items.items() if v is not None}


def _one_of(name: str, value: str, allowed: list[str]) -> str:
    if value not in allowed:
        shown = ", ".join(allowed[:12]) + (", ..." if len(allowed) > 12 else "")
        raise BadInput(f"{name}={value!r} is not allowed: expected one of {shown}")
    return value


def integer(name: str, raw: str | None, low: int, high: int) -> int | None:
    """*raw* as an int in [low, high], None when empty; BadInput otherwise."""
    if raw is None or raw == "":
        return None
    try:
        value = int(raw)
    except ValueError:
        raise BadInput(f"{name}={raw!r} is not a whole number") from None
    if not low <= value <= high:
        raise BadInput(f"{name}={value} is out of range: expected {low} to {high}")
    return value


def check_scheme(con: Connection, scheme: str) -> str:
    """*scheme* if the edition has it."""
    return _one_of("scheme", scheme, [s["scheme"] for s in store.memo(con, queries.schemes)])


def check_method(con: Connection, scheme: str, method: str) -> str:
    """*method* if the edition rated *scheme* with it."""
    return _one_of("method", method, [m["method"] for m in store.memo(con, queries.methods, scheme)])


def check_year(con: Connection, scheme: str, year: int | None) -> int:
    """*year* if the edition has results for it; the default year when None."""
    years = store.memo(con, queries.years, scheme)
    if year is None:
        level = store.memo(con, editions.main_view)[1]
        default = store.memo(con, queries.default_year, scheme, level)
        if default is None:
            raise BadInput(f"the edition has no results for scheme {scheme!r}")
        return default
    if year not in years:
        raise BadInput(f"year={year} has no results: expected {years[0]} to {years[-1]}")
    return year


def check_category(con: Connection, scheme: str, code: str | None) -> str:
    """*code* if it is a category of *scheme*; the first category when None."""
    cats = [c["category"] for c in store.memo(con, queries.categories, scheme)]
    if code is None:
        return cats[0]
    if code not in cats:
        raise BadInput(
            f"category={code!r} is not a category of scheme {scheme!r} (see /api/v1/categories?scheme={scheme})"
        )
    return code


def default_scheme(con: Connection) -> str:
    """The default scheme of the dataset being served (its declaration)."""
    return str(store.memo(con, editions.main_view)[0])


def parse(
    params: Mapping[str, str], con: Connection, *, with_category: bool = False
) -> Filters:
    """Check the filters of a page request; defaults for the missing ones."""
    default_scheme, default_level = store.memo(con, editions.main_view)
    scheme = check_scheme(con, params.get("scheme") or default_scheme)
    method = check_method(con, scheme, params.get("method") or DEFAULT_METHOD)
    year = check_year(con, scheme, integer("year", params.get("year"), 1900, 2100))
    level = integer("level", params.get("level"), 0, 3)
    indicator = _one_of("indicator", params.get("indicator") or DEFAULT_INDICATOR, list(queries.INDICATORS))
    category = check_category(con, scheme, params.get("category") or None) if with_category else None
    return Filters(
        scheme=scheme,
        method=method,
        year=year,
        level=default_level if level is None else level,
        category=category,
        indicator=indicator,
        min_stars=integer("min_stars", params.get("min_stars"), 0, 4),
    )


def download_format(params: Mapping[str, str]) -> str | None:
    """The requested download format (``?format=csv|xlsx|parquet``), or None for HTML."""
    fmt = params.get("format")
    if fmt in (None, "", "html"):
        return None
    return _one_of("format", fmt, list(FORMATS))

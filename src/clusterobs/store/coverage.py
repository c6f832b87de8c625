"""What each year of the served results covers, and why a growth value is missing.

:func:`year_coverage` counts, per year, the regions and countries with results at the finest
level of the default scheme and names the countries a thin year lacks against the best year
(the year with the most regions). A year is *thin* when it has fewer than ``THIN_SHARE`` of
the best year's regions: the same rule that picks the default year, so the default year is
the latest year that is not thin. Countries come from the ``regions`` table's ``country``
column, never from code prefixes.

:func:`growth_notes` says why ``growth_1y`` / ``growth_5y`` is empty for given clusters: a
series break between the two years (``build_info.dataset_meta.breaks``), a change of the
industries covered (the build leaves growth NULL when the cluster's coverage differs), or
no data in one of the years.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from clusterobs.store import editions
from clusterobs.store.engine import Connection

#: a year with fewer than this share of the best year's regions is thin (as queries.default_year)
THIN_SHARE = 0.9
#: growth columns and the years they span
SPANS = {"growth_1y": 1, "growth_5y": 5}
#: English names of NUTS country codes (the regions table names countries in their own languages)
COUNTRY_NAMES = {
    "AL": "Albania", "AT": "Austria", "BE": "Belgium", "BG": "Bulgaria", "CH": "Switzerland",
    "CY": "Cyprus", "CZ": "Czechia", "DE": "Germany", "DK": "Denmark", "EE": "Estonia",
    "EL": "Greece", "ES": "Spain", "FI": "Finland", "FR": "France", "HR": "Croatia",
    "HU": "Hungary", "IE": "Ireland", "IS": "Iceland", "IT": "Italy", "LI": "Liechtenstein",
    "LT": "Lithuania", "LU": "Luxembourg", "LV": "Latvia", "ME": "Montenegro",
    "MK": "North Macedonia", "MT": "Malta", "NL": "Netherlands", "NO": "Norway", "PL": "Poland",
    "PT": "Portugal", "RO": "Romania", "RS": "Serbia", "SE": "Sweden", "SI": "Slovenia",
    "SK": "Slovakia", "TR": "Türkiye", "UK": "United Kingdom",
}
_NUTS_VERSION = ("(SELECT coalesce(max(CAST(json_extract_string(methodology, '$.nuts_version')"
                 " AS INTEGER)), 2016) FROM build_info)")


def year_coverage(con: Connection, scheme: str | None = None,
                  level: int | None = None) -> list[dict[str, Any]]:
    """Per year (ascending): regions and countries with results, and what a thin year lacks.

    *scheme* and *level* default to the dataset's default scheme and finest level. Each item:
    ``year, regions, countries, best_year, best_regions, best_countries, thin`` (fewer than
    ``THIN_SHARE`` of the best year's regions), ``missing`` (English names of the best year's
    countries without results this year, sorted), ``missing_codes`` and ``label`` (e.g.
    ``"2015 (partial: 17 of 29 countries)"`` for a thin year, else the year).
    """
    default_scheme, default_level = editions.main_view(con)
    scheme = scheme or default_scheme
    level = default_level if level is None else level
    rows = con.execute(
        f"""SELECT c.year::INTEGER AS year, c.region, g.country, n.name AS country_name
            FROM (SELECT DISTINCT year, region FROM clusters
                  WHERE scheme = ? AND level = ? AND employment IS NOT NULL) c
            LEFT JOIN regions g ON g.region = c.region AND g.nuts_version = {_NUTS_VERSION}
            LEFT JOIN regions n ON n.region = g.country AND n.nuts_version = g.nuts_version
                                   AND n.level = 0
            ORDER BY 1, 2""", [scheme, level]).fetchall()
    regions: dict[int, set[str]] = {}
    countries: dict[int, set[str]] = {}
    names: dict[str, str] = {}
    for year, region, country, country_name in rows:
        regions.setdefault(year, set()).add(region)
        if country is not None:
            countries.setdefault(year, set()).add(country)
            names[country] = COUNTRY_NAMES.get(country) or country_name or country
    if not regions:
        return []
    best = max(regions, key=lambda y: (len(regions[y]), y))
    best_regions, best_countries = len(regions[best]), countries.get(best, set())
    out = []
    for year in sorted(regions):
        have = countries.get(year, set())
        missing = sorted(best_countries - have, key=lambda c: names[c])
        thin = len(regions[year]) < THIN_SHARE * best_regions
        label = str(year)
        if thin:
            label += (f" (partial: {len(have)} of {len(best_countries)} countries)" if best_countries
                      else f" (partial: {len(regions[year])} of {best_regions} regions)")
        out.append({"year": year, "regions": len(regions[year]), "countries": len(have),
                    "best_year": best, "best_regions": best_regions,
                    "best_countries": len(best_countries), "thin": thin,
                    "missing": [names[c] for c in missing], "missing_codes": missing,
                    "label": label})
    return out


def thin_years(con: Connection, scheme: str | None = None, level: int | None = None) -> list[int]:
    """The thin years of :func:`year_coverage`."""
    return [c["year"] for c in year_coverage(con, scheme, level) if c["thin"]]


def notice(item: Mapping[str, Any] | None) -> str | None:
    """The warning a page showing a thin year carries (None for an adequate year)."""
    if not item or not item["thin"]:
        return None
    missing = item["missing"]
    if missing:
        listed = ", ".join(missing)
        return (f"{item['year']} covers only {item['countries']} of {item['best_countries']} countries "
                f"({item['regions']} of {item['best_regions']} regions): {listed} "
                f"{'is' if len(missing) == 1 else 'are'} missing; comparisons across regions are limited.")
    return (f"{item['year']} covers only {item['regions']} of {item['best_regions']} regions; "
            "comparisons across regions are limited.")


def breaks(con: Connection) -> list[int]:
    """First years of a new series (``build_info.dataset_meta.breaks``)."""
    return sorted(int(b) for b in editions.dataset_meta(con).get("breaks") or [])


def reason(year: int, span: int, series_breaks: Iterable[int], employment: float | None,
           past_employment: float | None, coverage: float | None = None,
           past_coverage: float | None = None) -> str:
    """Why the growth of *year* over *span* years is missing.

    >>> reason(2021, 1, [2021], 10.0, 12.0)
    'series break (new source from 2021)'
    >>> reason(2011, 1, [], 10.0, 12.0, 1.0, 0.8)
    'industries covered differ between the years'
    >>> reason(2015, 5, [], 10.0, None)
    'no data in 2010'
    >>> reason(2015, 1, [], 10.0, 0.0)
    'no employment in 2014'
    """
    start = year - span
    crossed = [b for b in series_breaks if start < b <= year]
    if crossed:
        return f"series break (new source from {max(crossed)})"
    if employment is None:
        return f"no data in {year}"
    if past_employment is None:
        return f"no data in {start}"
    if coverage is not None and past_coverage is not None and abs(coverage - past_coverage) >= 1e-9:
        return "industries covered differ between the years"
    if past_employment <= 0:
        return f"no employment in {start}"
    # both years have employment and growth is NULL: the build found the coverage changed
    return "industries covered differ between the years"


def reason_sql(year: str, span: int, series_breaks: Iterable[int], employment: str, past: str,
               cover: str, past_cover: str) -> str:
    """:func:`reason` as a SQL expression over the named columns (the build computes every
    note in one query: 5M generated rows have ~4M empty growth values, which one Python call
    each made the read model step's longest part). *span* and the breaks are constants."""
    start = f"({year} - {int(span)})"
    cases = [f"WHEN {start} < {int(b)} AND {int(b)} <= {year} THEN 'series break (new source from {int(b)})'"
             for b in sorted(set(series_breaks), reverse=True)]  # the latest break crossed
    differ = "'industries covered differ between the years'"
    cases += [
        f"WHEN {employment} IS NULL THEN 'no data in ' || {year}::VARCHAR",
        f"WHEN {past} IS NULL THEN 'no data in ' || {start}::VARCHAR",
        f"WHEN {cover} IS NOT NULL AND {past_cover} IS NOT NULL AND NOT isnan({cover} - {past_cover}) "
        f"AND abs({cover} - {past_cover}) >= 1e-9 THEN {differ}",
        f"WHEN {past} <= 0 THEN 'no employment in ' || {start}::VARCHAR",
    ]
    return f"(CASE {' '.join(cases)} ELSE {differ} END)"


def _has_coverage(con: Connection) -> bool:
    row = con.execute("""SELECT count(*) FROM information_schema.columns
                         WHERE table_name = 'clusters' AND column_name = 'coverage'""").fetchone()
    return bool(row and row[0])


def growth_notes(con: Connection, scheme: str,
                 rows: Iterable[Mapping[str, Any]]) -> dict[tuple[str, int, str, int], dict[str, str]]:
    """Why growth is missing, for the cluster rows (``reader.clusters`` records) lacking it.

    Returns ``(region, level, category, year) -> {"growth_1y": reason, ...}`` for the rows
    whose growth columns are empty; rows with both growth values are left out.
    """
    keys: list[tuple[str, int, str, int, int, str]] = []
    for r in rows:
        for column, span in SPANS.items():
            value = r.get(column)
            if column in r and (value is None or value != value):
                level = r.get("nuts_level", r.get("level"))
                keys.append((str(r["region"]), int(level), str(r["category"]), int(r["year"]),
                             span, column))
    if not keys:
        return {}
    cover = "c.coverage, p.coverage" if _has_coverage(con) else "NULL, NULL"
    found = con.execute(
        f"""WITH k AS (SELECT unnest(?::VARCHAR[]) AS region, unnest(?::INTEGER[]) AS level,
                              unnest(?::VARCHAR[]) AS category, unnest(?::INTEGER[]) AS year,
                              unnest(?::INTEGER[]) AS span, unnest(?::INTEGER[]) AS i)
            SELECT k.i, c.employment, p.employment, {cover}
            FROM k
            LEFT JOIN clusters c ON c.scheme = ? AND c.region = k.region AND c.level = k.level
                                 AND c.category = k.category AND c.year = k.year
            LEFT JOIN clusters p ON p.scheme = ? AND p.region = k.region AND p.level = k.level
                                 AND p.category = k.category AND p.year = k.year - k.span""",
        [[k[0] for k in keys], [k[1] for k in keys], [k[2] for k in keys], [k[3] for k in keys],
         [k[4] for k in keys], list(range(len(keys))), scheme, scheme]).fetchall()
    series_breaks = breaks(con)
    out: dict[tuple[str, int, str, int], dict[str, str]] = {}
    for i, employment, past, coverage, past_coverage in found:
        region, level, category, year, span, column = keys[i]
        out.setdefault((region, level, category, year), {})[column] = reason(
            year, span, series_breaks, employment, past, coverage, past_coverage)
    return out


def note_text(notes: Mapping[str, str]) -> str | None:
    """One line for the API: ``"1-year growth: ...; 5-year growth: ..."`` (None when empty)."""
    parts = [f"{SPANS[c]}-year growth: {notes[c]}" for c in SPANS if c in notes]
    return "; ".join(parts) or None


def value_years(con: Connection, scheme: str, column: str, level: int) -> list[int]:
    """The years in which at least one cluster of *scheme* at *level* has a value in
    ``clusters.<column>`` (e.g. ``growth_5y`` starts five years after the data)."""
    if column not in {"employment", "lq", "wage_per_employee", *SPANS}:
        raise ValueError(f"unknown clusters column {column!r}")
    rows = con.execute(f"SELECT DISTINCT year FROM clusters WHERE scheme = ? AND level = ? "
                       f"AND {column} IS NOT NULL ORDER BY 1", [scheme, level]).fetchall()
    return [int(r[0]) for r in rows]


def empty_map_notice(con: Connection, scheme: str, column: str, label: str, year: int,
                     level: int) -> str:
    """Why no region has a value of *column* in *year*, and the years that have one."""
    years = value_years(con, scheme, column, level)
    span = SPANS.get(column)
    if span is not None:
        first = min(data_years(con, scheme, level), default=year)
        why = (f"{label.split(',')[0].lower()} over {span} year{'s' if span > 1 else ''} compares "
               f"with {year - span}, " + (f"before the first year of data ({first})" if year - span < first
                                          else "across a series break or a change of the industries covered"))
    else:
        why = f"the data hold no {label.lower()} for {year}"
    have = (f"Years with values: {_spans(years)}." if years else "No year has values.")
    return f"No region has a value for {year}: {why}. {have}"


def data_years(con: Connection, scheme: str, level: int) -> list[int]:
    """The years with clusters of *scheme* at *level*."""
    return value_years(con, scheme, "employment", level)


def _spans(years: list[int]) -> str:
    """Years as ranges: ``[2013, 2014, 2015, 2021]`` -> ``'2013–2015, 2021'``.

    >>> _spans([2013, 2014, 2015, 2021])
    '2013–2015, 2021'
    """
    out: list[str] = []
    start = prev = years[0]
    for y in [*years[1:], None]:
        if y is not None and y == prev + 1:
            prev = y
            continue
        out.append(str(start) if start == prev else f"{start}–{prev}")
        if y is not None:
            start = prev = y
    return ", ".join(out)

"""Scoreboard stage: indicator files + the store's SBS tables -> scoreboard tables (methodology §8).

Order: read and harmonise every catalogue indicator to NUTS 2016 (sources.indicators, §5.3)
-> SBS indicators from ``region_industry`` -> peer features (GDP per inhabitant PPS, population
density from the JRC flows, eu-clusters portfolio) -> :func:`clusterobs.core.scoreboard.compute`
-> tables ``scoreboard_indicators``, ``scoreboard_scores``, ``scoreboard_peers``,
``scoreboard_meta``. Nothing is written until everything has been computed.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from clusterobs.core import scoreboard as sb
from clusterobs.errors import StoreError
from clusterobs.sources import declarations
from clusterobs.sources import indicators as src
from clusterobs.store.engine import Connection, write_table

#: EU-28 member states (the REC scope, methodology §8); codes as in NUTS (EL, UK).
EU28 = ("AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "EL", "ES", "FI", "FR", "HR", "HU",
        "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK", "UK")  # fmt: skip
_SCOREBOARD = next(d for d in declarations.builtin().values() if d.scoreboard)
#: the business economy as the scoreboard's dataset declares it (SBS: B-N excluding K, plus S95)
TOTAL_INDUSTRIES = _SCOREBOARD.total_industries
#: High-tech and medium-high-tech manufacturing (C20, C21, C26-C30) and the knowledge-intensive
#: services inside the SBS scope (H50, H51, J58-J63, M69-M75, N78, N80): Eurostat's
#: "high-tech aggregation by NACE Rev.2" (htec_esms, Annex 3).
KNOWLEDGE_DIVISIONS = ("C20", "C21", "C26", "C27", "C28", "C29", "C30", "H50", "H51", "J58",
                       "J59", "J60", "J61", "J62", "J63", "M69", "M70", "M71", "M72", "M73",
                       "M74", "M75", "N78", "N80")  # fmt: skip
GROWTH_YEARS = 3
COVERAGE_SHARE = 0.9  # scoreboard year: latest SBS year with >= 90% of the best NUTS-2 coverage
SBS_SOURCE = f"store: region_industry ({', '.join(_SCOREBOARD.source_ids)})"
_POPULATION = {"source": "eurostat_regional_indicators_2007_2018/nuts2_indicators_long.csv.gz",
               "reader": "tgs_long", "args": {"variable": "region_population"},
               "nuts_version": "2016"}  # fmt: skip


def scoreboard_year(con: Connection) -> int:
    """Latest year whose NUTS-2 business-economy employment covers >= 90% of the best year."""
    n = con.execute(
        """SELECT year, count(employment_total) AS n FROM region_totals
           WHERE level = 2 GROUP BY year ORDER BY year"""
    ).df()
    if n.empty:
        raise StoreError("region_totals is empty: run `clusterobs build` first")
    return int(n.loc[n["n"] >= COVERAGE_SHARE * n["n"].max(), "year"].max())


def sbs_indicators(con: Connection, population: pd.DataFrame) -> pd.DataFrame:
    """Employment and local-unit growth, local-unit density, knowledge share, wage level.

    Totals only where every business-economy section has a value (no partial sums).
    Growth: compound annual % over :data:`GROWTH_YEARS` years.
    """
    con.register("_pop", population[["region", "year", "value"]])
    try:
        t = con.execute(f"""
            WITH tot AS (
              SELECT region, year,
                     CASE WHEN count(employment) = {len(TOTAL_INDUSTRIES)} THEN sum(employment) END AS e,
                     CASE WHEN count(wages) = {len(TOTAL_INDUSTRIES)} THEN sum(wages) END AS w,
                     CASE WHEN count(establishments) = {len(TOTAL_INDUSTRIES)} THEN sum(establishments) END AS n
              FROM region_industry WHERE industry IN (SELECT unnest(?::VARCHAR[])) GROUP BY ALL),
            ki AS (
              SELECT region, year, CASE WHEN count(employment) = {len(KNOWLEDGE_DIVISIONS)}
                                   THEN sum(employment) END AS k
              FROM region_industry WHERE industry IN (SELECT unnest(?::VARCHAR[])) GROUP BY ALL)
            SELECT tot.region, tot.year, e, w, n, k, p.value AS pop,
                   lag(e, {GROWTH_YEARS}) OVER win AS e0, lag(n, {GROWTH_YEARS}) OVER win AS n0,
                   lag(tot.year, {GROWTH_YEARS}) OVER win AS y0
            FROM tot LEFT JOIN ki USING (region, year)
                     LEFT JOIN _pop AS p ON p.region = tot.region AND p.year = tot.year
            WINDOW win AS (PARTITION BY tot.region ORDER BY tot.year)""",
            [list(TOTAL_INDUSTRIES), list(KNOWLEDGE_DIVISIONS)]).df()  # fmt: skip
    finally:
        con.unregister("_pop")
    ok = t["y0"] == t["year"] - GROWTH_YEARS
    with np.errstate(invalid="ignore", divide="ignore"):
        cols = {
            "sbs_knowledge_share": 100 * t["k"] / t["e"],
            # wages in EUR (the build applies the declared scale): thousand EUR per person
            "wage_level": t["w"] / t["e"] / 1000,
            "establishment_density": 1000 * t["n"] / t["pop"],
            "employment_growth": (100 * ((t["e"] / t["e0"]) ** (1 / GROWTH_YEARS) - 1)).where(ok),
            "establishment_growth": (100 * ((t["n"] / t["n0"]) ** (1 / GROWTH_YEARS) - 1)).where(ok),
        }
    long = pd.DataFrame(cols).assign(region=t["region"], year=t["year"])
    long = long.melt(["region", "year"], var_name="indicator", value_name="value")
    return long.replace([np.inf, -np.inf], np.nan).dropna(subset=["value"])


def read_values(con: Connection, mirror: Path,
                catalogue: src.Catalogue) -> tuple[pd.DataFrame, list[str]]:  # fmt: skip
    """All catalogue indicators as ``region, indicator, year, value, source`` (NUTS 2016).

    Unknown region codes are reported as warnings (re-emitted and returned), not errors.
    """
    crosswalk = con.execute("SELECT * FROM nuts_crosswalk WHERE to_version = 2016 AND level <= 2").df()
    codes = set(con.execute("SELECT region FROM regions WHERE nuts_version = 2016").df()["region"])
    parts, messages = [], []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", src.UnknownRegionWarning)
        population = src.read_file_indicator(_POPULATION, mirror, crosswalk, codes)
        for spec in catalogue.indicators.to_dict("records"):
            if spec["reader"] == "sbs":
                continue
            t = src.read_file_indicator(spec, mirror, crosswalk, codes)  # type: ignore[arg-type]
            parts.append(t.assign(indicator=spec["indicator"], source=spec["source"]))
    for w in caught:
        if issubclass(w.category, src.UnknownRegionWarning) and str(w.message) not in messages:
            messages.append(str(w.message))
            warnings.warn(str(w.message), src.UnknownRegionWarning, stacklevel=2)
    parts.append(sbs_indicators(con, population).assign(source=SBS_SOURCE))
    values = pd.concat(parts, ignore_index=True)
    return values[["region", "indicator", "year", "value", "source"]], messages


def scored_regions(con: Connection) -> pd.DataFrame:
    """NUTS 2016 level-2 regions of the EU-28 (no extra-regio codes): ``region, level, eu``."""
    r = con.execute(
        """SELECT region, level, country FROM regions WHERE nuts_version = 2016 AND level = 2
           AND country IN (SELECT unnest(?::VARCHAR[])) AND NOT region LIKE '%ZZ'
           ORDER BY region""", [list(EU28)]).df()  # fmt: skip
    return r.assign(eu=True)[["region", "level", "eu"]]


def peer_inputs(con: Connection, values: pd.DataFrame, regions: pd.DataFrame,
                year: int) -> tuple[pd.DataFrame, pd.DataFrame]:  # fmt: skip
    """Peer features and cluster portfolio shares (methodology §8, peers).

    Features: GDP per inhabitant PPS, log density (pop21/areaKm) and log population (pop21):
    size enters so that a region of ten million people is not matched with one of one million
    because their income and density agree (issue 18). Portfolio: the default scheme's
    employment shares."""
    ids = list(regions["region"])
    gdp = sb.impute(values[values["indicator"] == "gdp_per_capita_pps"], ids,
                    {"gdp_per_capita_pps": year}, sb.ScoreboardMethod())  # fmt: skip
    dens = con.execute(
        """SELECT from_code AS region, ln(sum(pop21) / nullif(sum(areaKm), 0)) AS log_density,
                  ln(nullif(sum(pop21), 0)) AS log_population
           FROM nuts_crosswalk WHERE from_version = 2016 AND to_version = 2021 AND level = 2
           GROUP BY ALL""").df().set_index("region")  # fmt: skip
    features = gdp.set_index("region")[["value"]].rename(columns={"value": "gdp_pps"})
    features = features.join(dens, how="left")
    shares = con.execute(
        """SELECT region, category, employment / sum(employment) OVER (PARTITION BY region) AS s
           FROM clusters WHERE scheme = ? AND level = 2 AND year = ?
             AND employment IS NOT NULL""", [declarations.default_scheme(), year]).df()  # fmt: skip
    portfolio = shares.pivot_table(index="region", columns="category", values="s", aggfunc="sum")
    return features, portfolio


def _coverage(result: sb.ScoreboardResult, catalogue: src.Catalogue,
              values: pd.DataFrame) -> dict[str, Any]:  # fmt: skip
    """Per dimension: indicators and years used, regions scored, sub-dimensions lacking data."""
    ind, s = catalogue.indicators, result.scores
    out: dict[str, Any] = {}
    for dim, sub in catalogue.structure.groupby("dimension", sort=False):
        used = ind[(ind["dimension"] == dim) & ind["indicator"].isin(set(result.years))]
        cells = result.indicators[result.indicators["indicator"].isin(set(used["indicator"]))]
        out[str(dim)] = {
            "title": str(sub["dimension_title"].iloc[0]),
            "indicators": {i: result.years[i] for i in used["indicator"]},
            "regions_scored": int(s.loc[s["dimension"] == dim, "score"].notna().sum()),
            "values_observed": int((cells["value"].notna() & ~cells["imputed"]).sum()),
            "values_imputed": int(cells["imputed"].sum()),
            "lacking_data": [str(x) for x in sub["sub_dimension"]
                             if x not in set(used["sub_dimension"])],  # fmt: skip
            "proxy": [str(x) for x in used.loc[used["is_proxy"].astype(bool), "indicator"]],
        }
    out["overall"] = {"regions_scored": int(s.loc[s["dimension"] == "overall", "score"].notna().sum()),
                      "regions": int(s["region"].nunique())}  # fmt: skip
    return out


def _write(con: Connection, name: str, df: pd.DataFrame) -> int:
    """Create or replace scoreboard table *name* (its declared schema, sorted by its key)."""
    return write_table(con, name, df)


def build_scoreboard(con: Connection, mirror: Path,
                     year: int | None = None,
                     method: sb.ScoreboardMethod | None = None) -> dict[str, int]:  # fmt: skip
    """Compute the Regional Ecosystem Scoreboard into the store (methodology §8).

    Parameters
    ----------
    con:
        A writable connection to a built store (``region_industry``, ``region_totals``,
        ``clusters``, ``regions``, ``nuts_crosswalk``).
    mirror:
        The folder of source files (``CLUSTEROBS_MIRROR``).
    year:
        Scoreboard year; default :func:`scoreboard_year` (latest year with good SBS coverage).
    method:
        The method; default :class:`~clusterobs.core.scoreboard.ScoreboardMethod`.

    Returns
    -------
    dict
        Rows written per table.
    """
    method = method or sb.ScoreboardMethod()
    catalogue = src.load_catalogue()
    year = year or scoreboard_year(con)
    values, messages = read_values(con, Path(mirror), catalogue)
    regions = scored_regions(con)
    features, portfolio = peer_inputs(con, values, regions, year)
    dims = list(dict.fromkeys(catalogue.structure["dimension"]))
    result = sb.compute(values, regions, catalogue.indicators, dims, year, method,
                        features=features, portfolio=portfolio)  # fmt: skip
    source = values.drop_duplicates("indicator").set_index("indicator")["source"]
    ind = result.indicators.rename(columns={"year": "reference_year"})
    ind["year"] = ind["value_year"].astype("Int64")
    ind["source"] = ind["indicator"].map(source)
    ind["imputation"] = ind["imputation"].astype("string")
    scores = result.scores.assign(robust=result.scores["robust"].astype("boolean"))
    meta = pd.DataFrame({"key": ["method", "year", "catalogue", "coverage", "warnings"], "value": [
        method.to_json(), json.dumps(year),
        catalogue.indicators.drop(columns=["args"]).to_json(orient="records"),
        json.dumps(_coverage(result, catalogue, values)), json.dumps(messages)]})  # fmt: skip
    cols = ["region", "indicator", "year", "value", "imputed", "imputation", "source",
            "reference_year", "score"]  # fmt: skip
    score_cols = ["region", "level", "dimension", "score", "rank", "rel_eu", "rel_peers",
                  "status_eu", "status_peers", "robust", "rank_p05", "rank_median", "rank_p95"]
    return {
        "scoreboard_indicators": _write(con, "scoreboard_indicators", ind[cols]),
        "scoreboard_scores": _write(con, "scoreboard_scores", scores[score_cols]),
        "scoreboard_peers": _write(con, "scoreboard_peers", result.peers),
        "scoreboard_meta": _write(con, "scoreboard_meta", meta),
    }

"""Build stage: region x industry base table, then indicators and ratings for every scheme.

Order (methodology §5 then §3-§4): SBS observations -> ECO splitting of confidential cells
(§5.2) -> NUTS harmonisation to the target version (§5.3) -> region totals -> per scheme:
aggregation, indicators, eco-classic, panorama and (schemes with traded categories)
uscmp-strong ratings with their confidence. Everything is written into a new copy of the
store that replaces the old one only when the whole build succeeded.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import ibis
import numpy as np
import pandas as pd
import pyarrow as pa

from clusterobs import __version__, config
from clusterobs.core import confidence, imputation, indicators, nuts, stars
from clusterobs.core.methodology import Methodology
from clusterobs.core.schemes import Scheme, aggregate
from clusterobs.errors import StoreError
from clusterobs.pipeline.loader import Progress
from clusterobs.pipeline.trends import build_trends
from clusterobs.sources.schemes import builtin_schemes
from clusterobs.store.writer import StoreWriter

SBS = "sbs_r_nuts06_r2"
#: SBS business-economy total: sections B-N excluding K, plus division S95 (methodology §3).
TOTAL_INDUSTRIES = ("B", "C", "D", "E", "F", "G", "H", "I", "J", "L", "M", "N", "S95")
UNCERTAIN_FLAGS = "epsub"
#: every criterion column of the ratings table, in method order (methodology §4)
RATING_COLUMNS = tuple(dict.fromkeys(c for crits in stars.CRITERIA.values() for c in crits))


@dataclass
class BuildReport:
    """What a build made: rows per table and timings per step."""

    rows: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    fingerprint: str = ""


def build(
    *,
    store: Path | None = None,
    methodology: Methodology | None = None,
    schemes: dict[str, Scheme] | None = None,
    progress: Progress | None = None,
    max_year: int | None = None,
) -> BuildReport:
    """Compute indicators and ratings for every NACE scheme into the store.

    ``max_year`` limits the data to years up to it (a Panorama edition "with data up to
    2013" is built from the same store as one with data up to 2015).
    """
    m = methodology or Methodology()
    schemes = schemes or {k: s for k, s in builtin_schemes().items() if s.classification == "NACE_R2"}
    report = BuildReport(fingerprint=m.fingerprint)
    clock = _Clock(report, progress)
    with StoreWriter(store or config.store_path()) as writer:
        con = writer.con
        _require_loaded(con)
        clock.step("base table")
        base = region_industry(con, m, max_year)
        _write(con, "region_industry", base)
        totals = region_totals(base)
        _write(con, "region_totals", totals)
        engine = ibis.duckdb.from_connection(con)
        for table in ("clusters", "ratings"):
            con.execute(f"DROP TABLE IF EXISTS {table}")
        clock.step("indicators")
        _build_indicators(con, engine, schemes, m)
        clock.step("ratings")
        traded_schemes = [s.id for s in schemes.values() if s.traded_categories]
        _rate(con, engine.table("clusters"), m, traded_schemes)
        clock.step("metadata")
        _write_schemes(con, schemes)
        if "eu-clusters" in schemes:
            clock.step("trends")
            report.rows.update(build_trends(con, scheme="eu-clusters", level=2))
        _write_build_info(con, m, report)
        for name in ("region_industry", "clusters", "ratings"):
            report.rows[name] = int(con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0])
        clock.step("commit")
        writer.commit()
    clock.done()
    return report


class _Clock:
    def __init__(self, report: BuildReport, progress: Progress | None) -> None:
        self.report, self.progress = report, progress
        self.name, self.t0, self.start = "", time.perf_counter(), time.perf_counter()

    def step(self, name: str) -> None:
        self.done()
        self.name, self.t0 = name, time.perf_counter()
        if self.progress:
            self.progress(f"build: {name}")

    def done(self) -> None:
        if self.name:
            self.report.seconds[self.name] = time.perf_counter() - self.t0
        self.report.seconds["total"] = time.perf_counter() - self.start


def _require_loaded(con: duckdb.DuckDBPyConnection) -> None:
    row = con.execute("SELECT count(*) FROM observations WHERE dataset = ?", [SBS]).fetchone()
    if not row or not row[0]:
        raise StoreError(f"the store holds no {SBS} observations: run `clusterobs data load` first")


def region_industry(con: duckdb.DuckDBPyConnection, m: Methodology,
                    max_year: int | None = None) -> pd.DataFrame:
    """SBS employment, establishments and wages per region (target NUTS version) x industry x year."""
    obs = con.execute(
        """SELECT region, industry, year::INTEGER AS year, measure, value, flag FROM observations
           WHERE dataset = ? AND measure IN ('employment', 'establishments', 'wages')
             AND NOT regexp_full_match(region, '[A-Z]{2}[0-9A-Z]*Z') AND year <= ?""",
        [SBS, max_year or 9999],
    ).df()
    obs["imputed"] = False
    if m.impute_missing:
        hierarchy = imputation.sbs_industry_hierarchy(obs["industry"].unique())
        obs = imputation.split_missing(obs, hierarchy)
    obs = obs[obs["value"].notna()]
    crosswalk = con.execute("SELECT * FROM nuts_crosswalk").df()
    obs["flag"] = obs["flag"].where(~obs["imputed"], (obs["flag"].fillna("") + "i"))
    # only real regions of the target version (the JRC table has artefacts such as 'UKN1')
    targets = {r[0] for r in con.execute(
        "SELECT region FROM regions WHERE nuts_version = ?", [m.nuts_version]).fetchall()}
    result = nuts.harmonise(obs[["region", "industry", "year", "measure", "value", "flag"]],
                            crosswalk, m.nuts_version, weight=m.nuts_weight,
                            keys=["industry", "year", "measure"], versions=(2006, 2010, 2013),
                            valid_targets=targets or None)
    con.register("_long", result.table)
    try:
        return con.execute(
            f"""SELECT region, {int(m.nuts_version)}::SMALLINT AS nuts_version,
                       (length(region) - 2)::INTEGER AS level, industry, year::INTEGER AS year,
                       max(value) FILTER (measure = 'employment') AS employment,
                       max(value) FILTER (measure = 'establishments') AS establishments,
                       max(value) FILTER (measure = 'wages') AS wages,
                       bool_or(nuts_converted OR regexp_matches(coalesce(flag, ''),
                                                                '[{UNCERTAIN_FLAGS}i]')) AS uncertain
                FROM _long GROUP BY ALL ORDER BY region, industry, year""").df()
    finally:
        con.unregister("_long")


def region_totals(base: pd.DataFrame) -> pd.DataFrame:
    """Business-economy totals per region and year: Σ over :data:`TOTAL_INDUSTRIES`."""
    sub = base[base["industry"].isin(TOTAL_INDUSTRIES)]
    measures = ["employment", "wages", "establishments"]
    out = sub.groupby(["region", "level", "year"])[measures].sum(min_count=1).reset_index()
    return out.rename(columns={m: f"{m}_total" for m in measures})


def stacked_mapping(schemes: dict[str, Scheme]) -> pd.DataFrame:
    """All schemes' ``industry -> category`` weights in one table, with ``scheme`` and ``traded``."""
    parts = []
    for scheme in schemes.values():
        traded = scheme.categories.set_index("category")["traded"].eq(True)
        parts.append(scheme.mapping.assign(scheme=scheme.id,
                                           traded=scheme.mapping["category"].map(traded).fillna(False)))
    return pd.concat(parts, ignore_index=True)[["scheme", "industry", "category", "weight", "traded"]]


def _build_indicators(con: duckdb.DuckDBPyConnection, engine: ibis.BaseBackend,
                      schemes: dict[str, Scheme], m: Methodology) -> None:
    """One pass over every scheme: aggregation and indicators into table ``clusters``."""
    _write(con, "_mapping", stacked_mapping(schemes), temp=True)
    clusters = aggregate(engine.table("region_industry"), engine.table("_mapping"))
    totals = engine.table("region_totals")
    ind = indicators.cluster_indicators(clusters, totals, m)
    traded = indicators.cluster_indicators(clusters, totals, m.with_(lq_base="traded"))
    key = ["scheme", "region", "level", "year", "category"]
    ind = ind.left_join(traded.select(*key, lq_traded=traded.lq), key).select(ind, "lq_traded")
    with_traded = [s.id for s in schemes.values() if s.traded_categories]
    ind = ind.mutate(lq_traded=ibis.ifelse(ind.scheme.isin(with_traded), ind.lq_traded, ibis.null()))
    con.execute(f"CREATE OR REPLACE TABLE clusters AS "
                f"{ibis.to_sql(ind.drop('employment_total', 'wages_total'), dialect='duckdb')}")


def _exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    row = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?",
                      [name]).fetchone()
    return bool(row and row[0])


#: per method: the column of the rated table holding its stars, and its criteria
METHOD_COLUMNS = {
    method: (stars_col, stars.CRITERIA[method])
    for method, stars_col in (("eco-classic", "eco_stars"), ("panorama", "panorama_stars"),
                              ("uscmp-strong", "stars"))
}
_NUMERIC = ["level", "year", "employment", "establishments", "lq", "share_region",
            "wage_per_employee", "uncertain_share", "traded"]


def _rate(con: duckdb.DuckDBPyConnection, t: ibis.Table, m: Methodology,
          traded_schemes: list[str]) -> None:
    """Rate every scheme's clusters by every method, with confidence, into ``ratings``.

    ECO and Panorama come from one pass over the clusters (their criteria share the
    windows); the US rule from a second pass over the schemes with traded categories.
    """
    con.execute("DROP TABLE IF EXISTS ratings")
    _rate_pass(con, stars.eco_and_panorama(t, m), ["eco-classic", "panorama"], m)
    scoped = t.filter(t.scheme.isin(traded_schemes))
    _rate_pass(con, stars.uscmp_strong(scoped.mutate(lq=scoped.lq_traded), m, []), ["uscmp-strong"], m)


def _rate_pass(con: duckdb.DuckDBPyConnection, rated: ibis.Table, methods: list[str],
               m: Methodology) -> None:
    """Fetch one rated table as Arrow, add each method's confidence, insert its rows."""
    wanted = {c for method in methods for c in (METHOD_COLUMNS[method][0], *METHOD_COLUMNS[method][1])}
    extra = ["rating_level"] if "panorama" in methods else []
    columns = ["scheme", "region", "category", *_NUMERIC, *sorted(wanted), *extra]
    sql = ibis.to_sql(rated.select(*columns), dialect="duckdb")
    table = con.sql(f"SELECT hash(scheme, level, year, category) AS _g, * FROM ({sql})").to_arrow_table()
    numeric = pd.DataFrame({c: table[c].to_numpy(zero_copy_only=False)
                            for c in columns if c not in ("scheme", "region", "category", "rating_level")})
    numeric["group"] = np.unique(table["_g"].to_numpy(), return_inverse=True)[1]
    for method in methods:
        stars_col, crits = METHOD_COLUMNS[method]
        frame = numeric.assign(stars=numeric[stars_col])
        conf = confidence.star_confidence(frame, method, m)
        flags = ", ".join(f"{c}::BOOLEAN AS {c}" if c in crits else f"NULL::BOOLEAN AS {c}"
                          for c in RATING_COLUMNS)
        level = "rating_level" if method == "panorama" else "NULL::VARCHAR AS rating_level"
        select = f"""SELECT scheme, '{method}' AS method, region, level, year, category,
                            {stars_col}::TINYINT AS stars, confidence, {level}, {flags} FROM _arrow"""
        con.register("_arrow", table.append_column("confidence", pa.array(conf)))
        try:
            con.execute(f"INSERT INTO ratings BY NAME {select}" if _exists(con, "ratings")
                        else f"CREATE TABLE ratings AS {select}")
        finally:
            con.unregister("_arrow")


def _write(con: duckdb.DuckDBPyConnection, name: str, df: pd.DataFrame, temp: bool = False) -> None:
    con.register("_frame", df)
    try:
        con.execute(f"CREATE OR REPLACE {'TEMP ' if temp else ''}TABLE {name} AS SELECT * FROM _frame")
    finally:
        con.unregister("_frame")


def _write_schemes(con: duckdb.DuckDBPyConnection, schemes: dict[str, Scheme]) -> None:
    meta = pd.DataFrame([{"scheme": s.id, "version": s.version, "title": s.title,
                          "classification": s.classification, "partitioning": s.partitioning}
                         for s in schemes.values()])
    cats = pd.concat([s.categories.assign(scheme=s.id) for s in schemes.values()], ignore_index=True)
    cats["traded"] = cats["traded"].astype("boolean")
    weights = pd.concat([s.mapping.assign(scheme=s.id) for s in schemes.values()], ignore_index=True)
    _write(con, "schemes", meta)
    _write(con, "categories", cats[["scheme", "category", "category_name", "traded"]])
    _write(con, "scheme_weights", weights[["scheme", "industry", "category", "weight"]])


def _write_build_info(con: duckdb.DuckDBPyConnection, m: Methodology, report: BuildReport) -> None:
    info = pd.DataFrame([{
        "fingerprint": m.fingerprint, "methodology": json.dumps(m.to_dict()),
        "max_year": int(con.execute("SELECT max(year) FROM region_industry").fetchall()[0][0]),
        "code_version": __version__, "built_at": datetime.now(UTC).replace(tzinfo=None),
    }])
    _write(con, "build_info", info)

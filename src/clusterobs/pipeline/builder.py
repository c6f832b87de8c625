"""Build stage of one dataset: base table, then indicators and ratings for every scheme.

Order (methodology §5 then §3-§4), each step driven by the dataset's declaration
(:mod:`clusterobs.sources.declarations`): its sources' observations (values scaled to the
declared units) -> estimation of confidential cells where declared (§5.2) -> NUTS
harmonisation to the geography's version where the geography has a crosswalk (§5.3) ->
parent industry levels derived from finer ones -> region business totals as declared ->
per scheme: aggregation, indicators, eco-classic, panorama and (schemes with traded
categories) uscmp-strong ratings with their confidence -> trends of the declared scheme.

The results of dataset ``D`` go to their own file (``$CLUSTEROBS_VAR/store/datasets/D.duckdb``),
seeded with the dataset's geography and reference tables from the loaded store (its
observations are read there, attached read-only, unless the build keeps a copy), and
written through :class:`~clusterobs.store.writer.StoreWriter`: the file is replaced only
when the whole build succeeded.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import ibis
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as pads

from clusterobs import __version__, config
from clusterobs.core import (
    confidence,
    estimation,
    imputation,
    indicators,
    industries,
    nuts,
    star_arrays,
    stars,
)
from clusterobs.core.methodology import Methodology
from clusterobs.core.schemes import Scheme, aggregate, minor_weights
from clusterobs.core.tables import key_ranges
from clusterobs.errors import ConfigError, StoreError
from clusterobs.pipeline.loader import Progress, geography_key
from clusterobs.pipeline.purity import write_purity
from clusterobs.pipeline.trends import build_trends
from clusterobs.sources import declarations, gisco
from clusterobs.sources.declarations import UNCERTAIN_MEANINGS, Dataset
from clusterobs.sources.schemes import dataset_schemes
from clusterobs.store import reader, readmodels
from clusterobs.store import spark as spark_store
from clusterobs.store.engine import (
    Connection,
    check_table,
    drop_relation,
    ibis_backend,
    literal,
    write_query,
    write_table,
)
from clusterobs.store.schema import SCHEMAS
from clusterobs.store.writer import StoreWriter

MEASURES = ("employment", "establishments", "wages")
#: the feasible range of employment (estimates, methodology §5.2b), carried like a measure
BOUNDS = ("employment_lower", "employment_upper")


@dataclass
class BuildReport:
    """What a build made: rows per table and timings per step."""

    rows: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    fingerprint: str = ""


def build(
    *,
    dataset: str | None = None,
    store: Path | None = None,
    out: Path | None = None,
    methodology: Methodology | None = None,
    schemes: dict[str, Scheme] | None = None,
    progress: Progress | None = None,
    max_year: int | None = None,
    engine: str = "duckdb",
    master: str = "local[2]",
    keep_inputs: bool = False,
) -> BuildReport:
    """Compute indicators and ratings of *dataset* (default: the default dataset).

    ``store`` is the loaded store (default ``CLUSTEROBS_STORE``); ``out`` the results file
    (default :func:`clusterobs.config.results_path`); with ``out == store`` the results are
    written into the loaded store itself. ``max_year`` limits the data to years up to it
    (a Panorama edition "with data up to 2013" is built from the same store as one with data
    up to 2015). ``engine`` is where the table stages (aggregation, indicators, rating
    criteria) run: ``duckdb`` (in the results file) or ``spark`` (a session on ``master``,
    e.g. ``local[2]``, ``yarn``, ``spark://host:7077``); the results land in the same file.
    ``keep_inputs`` copies the dataset's observations into the results file (an edition keeps
    the record of what it was built from); otherwise they are read from the loaded store,
    attached read-only for the build (20M generated rows: 60M observation rows, 18 s to copy).
    """
    if engine not in ENGINES:
        raise ConfigError(f"--engine {engine!r}: expected one of {', '.join(ENGINES)}")
    if engine == "spark":
        spark_store.check_master(master)  # before any work: a typo is not a half-run build
    ds = declarations.get(dataset or declarations.default_id())
    m = methodology_for(ds, methodology or Methodology())
    schemes = schemes or dataset_schemes(ds)
    source = (store or config.store_path()).resolve()
    target = (out or config.results_path(ds.id)).resolve()
    if not source.exists():
        raise StoreError(f"no store at {source}: run `clusterobs data load` first")
    report = BuildReport(fingerprint=m.fingerprint)
    clock = _Clock(report, progress)
    with StoreWriter(target, fresh=target != source) as writer, \
            _compute(writer.con, engine, master, target) as compute:
        con = writer.con
        clock.step("inputs")
        attach_inputs(con, source if target != source else None, ds, copy=keep_inputs)
        _require_loaded(con, ds)
        clock.step("base table")
        if in_database(ds, m) and compute.at_once:
            region_industry_sql(con, m, max_year, ds)
        elif in_database(ds, m):
            region_industry_engine(compute, m, max_year, ds)
        else:
            base = region_industry(con, m, max_year, ds, compute)
            _write(con, "region_industry", base)
            _write(con, "region_totals", region_totals(base, ds, industry_parents(con, ds)))
            del base
        if ds.geography.clip:
            con.execute("DELETE FROM geometries WHERE region NOT IN (SELECT region FROM region_industry)")
        # the web geometries at coarser detail for small zooms (/api/v1/geometries?detail=)
        _write(con, "geometry_detail", gisco.detail_levels(
            con.execute("SELECT region, level, geojson FROM geometries ORDER BY level, region").df()))
        for table in ("clusters", "ratings"):
            drop_relation(con, table)
        clock.step("indicators")
        _build_indicators(compute, schemes, m)
        _cluster_flags(con)
        breaks = break_years(con, ds)
        _cut_growth_at_breaks(con, breaks)
        clock.step("ratings")
        traded_schemes = [s.id for s in schemes.values() if s.traded_categories]
        _rate(compute, m, traded_schemes)
        clock.step("metadata")
        _write_schemes(con, schemes)
        write_purity(con)  # purity of every category at the data's industry detail (§2b)
        clock.step("read model")
        # what the portal reads: one row per cluster with every method's rating, names,
        # purity and growth notes joined in, sorted by (scheme, region, year, category)
        # (store.readmodels); `ratings` is a view of it
        report.rows[readmodels.VIEW] = readmodels.write_cluster_view(con, RATED, m.nuts_version)
        for table, _ in RATED:
            con.execute(f"DROP TABLE {table}")
        check_table(con, "ratings")
        report.rows[readmodels.SIMILAR] = readmodels.write_similar_regions(con, m.nuts_version)
        levels = [int(r[0]) for r in con.execute("SELECT DISTINCT level FROM region_industry ORDER BY 1").fetchall()]
        if ds.trends_scheme and ds.trends_scheme in schemes and levels:
            clock.step("trends")
            years = [int(r[0]) for r in con.execute("SELECT DISTINCT year FROM region_industry ORDER BY 1").fetchall()]
            start, end = trend_period(years, breaks)
            report.rows.update(build_trends(con, scheme=ds.trends_scheme, level=max(levels),
                                            start_year=start, end_year=end))
        _write_build_info(con, m, report, ds, levels, breaks)
        for name in ("region_industry", "clusters"):
            report.rows[name] = int(con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0])
        report.rows["ratings"] = _count(con, "ratings")
        detach_inputs(con)
        clock.step("commit")
        writer.commit()
    clock.done()
    return report


def break_years(con: Connection, ds: Dataset) -> list[int]:
    """First data year of every source declared as starting a new series (``break_before``),
    when an earlier source has data before it (methodology §5.2c)."""
    out = []
    for i, src in enumerate(ds.sources):
        if not src.break_before or i == 0:
            continue
        row = con.execute(f"SELECT min(year) FROM {INPUTS} WHERE dataset = ?", [src.id]).fetchall()[0]
        earlier = [s.id for s in ds.sources[:i]]
        before = con.execute(f"SELECT min(year) FROM {INPUTS} WHERE dataset IN (SELECT unnest(?))",
                             [earlier]).fetchall()[0]
        if row and row[0] is not None and before and before[0] is not None and before[0] < row[0]:
            out.append(int(row[0]))
    return sorted(set(out))


def _cluster_flags(con: Connection) -> None:
    """``cluster_flags``: per cluster, the source's flag letters on the employment of its
    industries (plus ``i`` for cells the observatory estimated), so every value says what it
    rests on (issue: flags end to end)."""
    frame = con.execute(
        """SELECT m.scheme, r.region, r.level, r.year, m.category,
                  array_to_string(list_sort(list_distinct(flatten(list(string_split(r.flags, ''))))), '') AS flags
           FROM region_industry r JOIN _mapping m USING (industry)
           WHERE r.flags <> '' AND m.weight > 0 GROUP BY ALL""").df()
    write_table(con, "cluster_flags", frame)


def _cut_growth_at_breaks(con: Connection, breaks: list[int]) -> None:
    """No growth rate compares two years on either side of a series break."""
    for b in breaks:
        con.execute("""UPDATE clusters SET growth_1y = NULL, establishment_growth_1y = NULL
                       WHERE year >= ? AND year - 1 < ?""", [b, b])
        con.execute("UPDATE clusters SET growth_5y = NULL WHERE year >= ? AND year - 5 < ?", [b, b])


def trend_period(years: list[int], breaks: list[int]) -> tuple[int | None, int | None]:
    """(start, end) of the trends analysis: within the latest series segment that has at least
    two years, else None (the default period of the data).

    >>> trend_period([2008, 2009, 2015, 2021, 2022], [2021])
    (2021, 2022)
    >>> trend_period([2008, 2009, 2015, 2021], [2021])
    (None, 2015)
    """
    if not breaks:
        return None, None
    last = max(breaks)
    after = [y for y in years if y >= last]
    if len(after) >= 2:
        return last, max(after)
    return None, max((y for y in years if y < last), default=None)


def methodology_for(ds: Dataset, m: Methodology) -> Methodology:
    """*m* as applied to *ds*: its geography's version; no estimation where none is declared."""
    m = m.with_(nuts_version=ds.geography.version)
    return m if ds.impute_confidential else m.with_(impute_missing=False)


#: reference tables a results file carries, so that it can be read (and frozen) on its own
_REFERENCE = ("industries", "nuts_crosswalk", "provenance")


#: the relation every step reads the dataset's observations from (:func:`attach_inputs`)
INPUTS = "_inputs"


def attach_inputs(con: Connection, source: Path | None, ds: Dataset, *, copy: bool) -> None:
    """Make *ds*'s observations readable as :data:`INPUTS`, and copy its geography and the
    classifications from the loaded store *source* (``None``: the results are written into
    the loaded store itself, which holds them already).

    With *copy* the observations are copied into the results file's ``observations``;
    without, :data:`INPUTS` reads them from *source*, attached read-only as ``src`` until
    :func:`detach_inputs`.
    """
    ids = ", ".join(literal(i) for i in ds.source_ids)
    if source is None:
        con.execute(f"CREATE OR REPLACE TEMP VIEW {INPUTS} AS SELECT * FROM observations WHERE dataset IN ({ids})")
        return
    con.execute(f"ATTACH '{source}' AS src (READ_ONLY)")
    if copy:
        _copy_observations(con, ds)
    origin = "observations" if copy else "src.observations"
    con.execute(f"CREATE OR REPLACE TEMP VIEW {INPUTS} AS SELECT * FROM {origin} WHERE dataset IN ({ids})")
    key = geography_key(ds)
    for table in ("regions", "geometries"):
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM src.{table} WHERE geography = ?", [key])
    for table in _REFERENCE:
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM src.{table}")
    con.execute(f"INSERT INTO load_issues SELECT * FROM src.load_issues WHERE dataset IN ({ids})")


def _copy_observations(con: Connection, ds: Dataset) -> None:
    """Copy *ds*'s observations from the attached loaded store ``src`` into ``observations``."""
    ids = ", ".join(literal(i) for i in ds.source_ids)
    con.execute(f"INSERT INTO observations SELECT * FROM src.observations WHERE dataset IN ({ids})")


def keep_inputs(con: Connection, source: Path, ds: Dataset) -> None:
    """Copy *ds*'s observations from the loaded store *source* into the results file of *con*
    when it holds none (an edition keeps what it was built from)."""
    if con.execute("SELECT count(*) FROM observations").fetchall()[0][0]:
        return
    con.execute(f"ATTACH '{source}' AS src (READ_ONLY)")
    try:
        _copy_observations(con, ds)
    finally:
        con.execute("DETACH src")


def detach_inputs(con: Connection) -> None:
    """Undo :func:`attach_inputs` (before the results file is committed)."""
    con.execute(f"DROP VIEW IF EXISTS {INPUTS}")
    if con.execute("SELECT count(*) FROM duckdb_databases() WHERE database_name = 'src'").fetchall()[0][0]:
        con.execute("DETACH src")


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


def _require_loaded(con: Connection, ds: Dataset) -> None:
    if not con.execute(f"SELECT 1 FROM {INPUTS} LIMIT 1").fetchall():
        raise StoreError(f"the store holds no observations of dataset {ds.id} "
                         f"({', '.join(ds.source_ids)}): run `clusterobs data load {ds.id}` first")


def _scaled(obs: pd.DataFrame, ds: Dataset) -> pd.DataFrame:
    """The observations of *ds* (``source, region, industry, year, measure, value, flag``)
    outside its geography's excluded regions, values scaled to their declared units."""
    if ds.geography.exclude:
        obs = obs[~obs["region"].str.fullmatch(ds.geography.exclude)]
    for src in ds.sources:
        for measure in MEASURES:
            scale = src.scale_of(measure)
            if scale != 1.0:
                hit = (obs["source"] == src.id) & (obs["measure"] == measure)
                obs.loc[hit, "value"] = obs.loc[hit, "value"] * scale
    return obs


@dataclass(frozen=True)
class BaseContext:
    """What the base table of some countries needs besides their observations: the
    dataset's declaration and reference tables, read once from the results file and shipped
    with :func:`base_rows` to wherever it runs."""

    ds: Dataset
    m: Methodology
    #: the industry hierarchy of the estimation (§5.2b), from every industry of the inputs
    hierarchy: pd.DataFrame | None
    #: the NUTS crosswalk and the real regions of the target version (§5.3)
    crosswalk: pd.DataFrame | None
    targets: frozenset[str]
    parents: dict[str, str | None]
    #: region -> level in the geography's version
    regions: pd.DataFrame
    #: what the estimates of some countries take from all of them, when the engine's groups
    #: hold some countries each (:func:`pooled`); None when one group holds them all
    pooled: estimation.Pooled | None = None


def base_context(con: Connection, m: Methodology, max_year: int | None, ds: Dataset) -> BaseContext:
    """The :class:`BaseContext` of *ds* from the results file (and its :data:`INPUTS`)."""
    hierarchy = None
    if m.impute_missing:
        exclude = f"AND NOT regexp_full_match(region, {literal(ds.geography.exclude)})" if ds.geography.exclude else ""
        codes = [r[0] for r in con.execute(
            f"""SELECT DISTINCT industry FROM {INPUTS} WHERE measure IN (SELECT unnest(?)) AND year <= ? {exclude}
                ORDER BY 1""", [list(MEASURES), max_year or 9999]).fetchall()]
        hierarchy = imputation.sbs_industry_hierarchy(pd.Series(codes, dtype=object).to_numpy())
    crosswalk, targets = None, frozenset[str]()
    if ds.geography.has_crosswalk:
        crosswalk = con.execute("SELECT * FROM nuts_crosswalk").df()
        # only real regions of the target version (the JRC table has artefacts such as 'UKN1')
        targets = frozenset(r[0] for r in con.execute(
            "SELECT region FROM regions WHERE nuts_version = ? AND geography = 'nuts'", [m.nuts_version]).fetchall())
    regions = con.execute("SELECT region, level FROM regions WHERE nuts_version = ? AND geography = ?",
                          [m.nuts_version, geography_key(ds)]).df()
    return BaseContext(ds, m, hierarchy, crosswalk, targets, industry_parents(con, ds), regions)


def _uncertain_class(ds: Dataset) -> str:
    """The flag letters that make a value uncertain in any of the dataset's sources, plus
    ``i`` (imputed by the build), as a regular-expression character class (``[eip]``), the
    same in pandas', DuckDB's and Spark's (Java's) dialects."""
    letters = {c for s in ds.sources for c in s.flag_letters(*UNCERTAIN_MEANINGS)} | {"i"}
    return "[" + "".join(sorted(letters)).replace("]", "").replace("\\", "") + "]"


def _harmonise(obs: pd.DataFrame, context: BaseContext) -> pd.DataFrame:
    """Each source's NUTS codes converted to the geography's version (§5.3)."""
    ds, m = context.ds, context.m
    cols = ["region", "industry", "year", "measure", "value", "flag"]
    if context.crosswalk is None:
        return obs.assign(nuts_converted=False)[[*cols, "nuts_converted"]]
    parts = []
    for src in ds.sources:
        part = obs[obs["source"] == src.id]
        if part.empty:
            continue
        versions = tuple(v for v in nuts.NUTS_VERSIONS if v <= (src.nuts_version or m.nuts_version)) \
            or (m.nuts_version,)
        result = nuts.harmonise(part[cols], context.crosswalk, m.nuts_version, weight=m.nuts_weight,
                                keys=["industry", "year", "measure"], versions=versions,
                                valid_targets=set(context.targets) or None)
        parts.append(result.table)
    if not parts:
        return obs.assign(nuts_converted=False)[[*cols, "nuts_converted"]].iloc[:0]
    return pd.concat(parts, ignore_index=True)


#: the columns of ``region_industry`` as :func:`base_rows` returns them
BASE_SCHEMA = pa.schema([("region", pa.string()), ("nuts_version", pa.int16()), ("level", pa.int32()),
                         ("industry", pa.string()), ("year", pa.int32()),
                         *((c, pa.float64()) for c in (*MEASURES, *BOUNDS)),
                         ("uncertain", pa.bool_()), ("flags", pa.string())])


def region_industry(con: Connection, m: Methodology, max_year: int | None = None,
                    ds: Dataset | None = None, compute: Compute | None = None) -> pd.DataFrame:
    """Employment, establishments and wages per region (geography version) x industry x year:
    :func:`base_rows` per country (where :func:`per_country`) on the engine of *compute*
    (default: in process), over the dataset's observations (:data:`INPUTS`)."""
    ds = ds or declarations.get(declarations.default_id())
    compute = compute or Compute(con)
    context = base_context(con, m, max_year, ds)
    t = compute.table(INPUTS)
    obs = t.filter(t.measure.isin(list(MEASURES)), t.year <= (max_year or 9999)).select(
        source=t.dataset, region=t.region, industry=t.industry, year=t.year.cast("int32"),
        measure=t.measure, value=t.value, flag=t.flag,
        country=t.region.substr(0, 2) if per_country(ds, m) else ibis.literal(""))
    if per_country(ds, m) and m.impute_missing and m.estimation != "equal" and not compute.at_once:
        context = pooled(compute, obs, context)
    rows = compute.map_groups(obs, ["country"], functools.partial(base_rows, context=context), BASE_SCHEMA,
                              categorical=False)
    frame: pd.DataFrame = rows.to_table().to_pandas()
    return frame.sort_values(["region", "industry", "year"]).reset_index(drop=True)


def per_country(ds: Dataset, m: Methodology) -> bool:
    """Whether :func:`base_rows` runs per country (a NUTS code's first two letters): a NUTS
    dataset's countries are apart in the NUTS conversion, the region tree and the balancing
    of estimates (§5.3, §5.2b). What the estimates take from all countries (the pooled ratios
    a country without its own falls back to, the range of wage per person) comes first, from
    two passes over the countries (:func:`pooled`): estimated alone with them, a country
    gets its estimates among all (without them, 349 of 22,624 cells of Austria, Portugal
    and Slovenia differ)."""
    return ds.geography.kind == "nuts"


#: the columns of :func:`pooled_part` and :func:`wage_part`
POOLED_SCHEMA = pa.schema([("year", pa.int64()), ("industry", pa.string()), ("pair", pa.string()),
                           ("num", pa.float64()), ("den", pa.float64())])
WAGE_SCHEMA = pa.schema([("industry", pa.string()), ("wage_per_person", pa.float64())])


def pooled(compute: Compute, obs: ibis.Table, context: BaseContext) -> BaseContext:
    """*context* with what the estimates of each country take from all of them (§5.2b,
    :class:`clusterobs.core.estimation.Pooled`), in two passes over the countries on the
    engine: the sums of the pooled ratios (:func:`pooled_part`), added up; then, estimating
    employment with them, the wage per person of every cell with published wages
    (:func:`wage_part`), whose percentiles bound the wage estimates."""
    sums = compute.map_groups(obs, ["country"], functools.partial(pooled_part, context=context),
                              POOLED_SCHEMA, categorical=False).to_table().to_pandas()
    ratios = estimation.pooled_ratios(sums)
    first = replace(context, pooled=estimation.Pooled(ratios))
    wages = compute.map_groups(obs, ["country"], functools.partial(wage_part, context=first),
                               WAGE_SCHEMA, categorical=False).to_table().to_pandas()
    return replace(context, pooled=estimation.Pooled(ratios, estimation.wage_range(wages)))


def _estimation_input(obs: pd.DataFrame, context: BaseContext) -> pd.DataFrame:
    """The observations of whole countries as the estimation reads them: scaled values."""
    return _scaled(obs.drop(columns=["country"], errors="ignore"), context.ds)


def _estimated_part(obs: pd.DataFrame, context: BaseContext, schema: pa.Schema,
                    run: Callable[[pd.DataFrame, pd.DataFrame], pd.DataFrame]) -> pd.DataFrame:
    """*run* (observations, industry hierarchy) on the estimation's input of the countries
    of *obs*; no rows of *schema* when there is none."""
    obs = _estimation_input(obs, context)
    if obs.empty:
        none: pd.DataFrame = schema.empty_table().to_pandas()
        return none
    assert context.hierarchy is not None  # base_context reads it when estimating
    return run(obs[ESTIMATED_COLUMNS], context.hierarchy)


def pooled_part(obs: pd.DataFrame, context: BaseContext) -> pd.DataFrame:
    """The sums of the pooled ratios over the countries of *obs*
    (:func:`clusterobs.core.estimation.pooled_sums`)."""
    return _estimated_part(obs, context, POOLED_SCHEMA, estimation.pooled_sums)


def wage_part(obs: pd.DataFrame, context: BaseContext) -> pd.DataFrame:
    """The wage per person of the cells of the countries of *obs*
    (:func:`clusterobs.core.estimation.wage_per_person`, with the pooled ratios)."""
    assert context.pooled is not None
    return _estimated_part(obs, context, WAGE_SCHEMA, functools.partial(
        estimation.wage_per_person, pooled=context.pooled))


#: the columns of the observations the estimation reads
ESTIMATED_COLUMNS = ["region", "industry", "year", "measure", "value", "flag"]


def base_rows(obs: pd.DataFrame, context: BaseContext) -> pd.DataFrame:
    """The ``region_industry`` rows (:data:`BASE_SCHEMA`) of the observations *obs* of whole
    countries: scaled values, estimates of withheld cells (§5.2b), NUTS conversion (§5.3),
    one row per region x industry x year with flags and uncertainty, derived parent levels and
    region levels. A country's rows do not depend on the other countries in *obs* when they
    are estimated with the pooled part of ``context`` (:func:`per_country`, :func:`pooled`)."""
    ds, m = context.ds, context.m
    obs = _estimation_input(obs, context)
    obs["imputed"] = False
    if m.impute_missing and len(obs):
        method: Literal["constrained", "equal"] = "equal" if m.estimation == "equal" else "constrained"
        assert context.hierarchy is not None  # base_context reads it when estimating
        est = estimation.estimate_missing(obs[ESTIMATED_COLUMNS], context.hierarchy, method=method,
                                          pooled=context.pooled)
        # only what the source withheld is estimated: a cell it does not publish at all (a
        # country missing a whole year) stays missing, never an extrapolation shown as data
        letters = "".join({c for src in ds.sources for c in src.flag_letters("confidential")})
        withheld = obs["flag"].fillna("").str.contains(f"[{letters}]", regex=True).to_numpy() \
            if letters else np.zeros(len(obs), dtype=bool)
        # nor is a region-year that the source publishes nothing for (France 2008: every cell
        # 'u' or 'cu'): an estimate needs published values around it
        published = obs["value"].notna().groupby([obs["region"], obs["year"], obs["measure"]]).transform("any")
        filled = est["imputed"].to_numpy(dtype=bool) & withheld & published.to_numpy(dtype=bool)
        value = np.where(filled | ~est["imputed"].to_numpy(dtype=bool), est["value"].to_numpy(), np.nan)
        # the range always holds the estimate (published totals that do not add up can leave
        # a balanced value just outside the bounds derived from them)
        lower = np.fmin(est["lower"].to_numpy(dtype=float), value)
        raw_upper = est["upper"].to_numpy(dtype=float)
        # no finite bound (no published parent above the cell): the range is unknown
        upper = np.where(np.isfinite(raw_upper), np.fmax(raw_upper, value), np.nan)
        obs = obs.assign(value=value, imputed=filled, lower=np.where(filled, lower, value),
                         upper=np.where(filled, upper, value))
    obs = obs[obs["value"].notna()]
    obs = _with_bounds(obs)
    obs["flag"] = obs["flag"].where(~obs["imputed"], (obs["flag"].fillna("") + "i"))
    long = _harmonise(obs, context)
    long["uncertain"] = long["nuts_converted"].astype(bool) | long["flag"].fillna("").str.contains(
        _uncertain_class(ds), regex=True)
    keys = ["region", "industry", "year"]
    wide = long.groupby([*keys, "measure"])["value"].max().unstack("measure").reset_index()
    wide = wide.merge(long.groupby(keys)["uncertain"].any().reset_index(), on=keys, how="left")
    wide = wide.merge(_flag_letters(long[long["measure"] == "employment"], keys), on=keys, how="left")
    wide.columns.name = None
    for measure in (*MEASURES, *BOUNDS):
        if measure not in wide:
            wide[measure] = np.nan
    wide = wide.dropna(subset=list(MEASURES), how="all")
    wide = _with_parents(wide, ds, context.parents)
    regions = context.regions
    known = set(regions["region"])
    if known:
        wide = wide[wide["region"].isin(known)]
    wide = wide.merge(regions, on="region", how="left")
    wide["level"] = wide["level"].fillna(max(ds.geography.levels)).astype("int32")
    wide["nuts_version"] = np.int16(m.nuts_version)
    wide["year"] = wide["year"].astype("int32")
    wide["uncertain"] = wide["uncertain"].fillna(False).astype(bool)
    wide["flags"] = wide["flags"].fillna("")
    return wide[list(BASE_SCHEMA.names)]


def _flag_letters(emp: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Per key, the sorted distinct flag letters of its rows (column ``flags``), vectorised
    over the few distinct letters (a Python function per group took 50 s for 1M rows)."""
    flagged = emp[emp["flag"].fillna("") != ""]
    letters = sorted(set("".join(flagged["flag"].unique())))
    if flagged.empty:
        return pd.DataFrame(columns=[*keys, "flags"])
    has = pd.DataFrame({c: flagged["flag"].str.contains(c, regex=False).to_numpy() for c in letters})
    for k in keys:
        has[k] = flagged[k].to_numpy()
    anyof = has.groupby(keys, sort=False)[letters].any()
    flags = np.full(len(anyof), "", dtype=object)
    for c in letters:
        flags = flags + np.where(anyof[c].to_numpy(), c, "")
    return anyof.index.to_frame(index=False).assign(flags=flags)


def in_database(ds: Dataset, m: Methodology) -> bool:
    """The base table is computed by :func:`region_industry_sql` (no estimation of
    confidential cells and no NUTS conversion: sums, filters and flags only)."""
    return not m.impute_missing and not ds.geography.has_crosswalk


@dataclass(frozen=True)
class _BaseInputs:
    """What :func:`_base_inputs` prepared: observation rows per region and published codes,
    the classification's parents, whether parent levels are derived, whether the regions'
    levels are known."""

    counted: list[tuple[str | None, str | None, int]]
    parents: dict[str, str | None]
    derive: bool
    known: bool
    depth: int  # the deepest code's number of ancestors (0 when none are derived)


def _base_inputs(con: Connection, m: Methodology, max_year: int | None, ds: Dataset) -> _BaseInputs:
    """The inputs of the base table of a dataset without estimation or NUTS conversion, in
    the results file: view ``_obs`` (the sources' values scaled to their units, one row per
    value), temporary tables ``_parents`` and ``_published`` (when parent levels are derived)
    and ``_levels`` (the regions' levels)."""
    scale = " ".join(f"WHEN source = {literal(src.id)} AND measure = {literal(meas)} THEN {src.scale_of(meas)!r}"
                     for src in ds.sources for meas in MEASURES if src.scale_of(meas) != 1.0)
    value = f"value * CASE {scale} ELSE 1.0 END" if scale else "value"
    exclude = f"AND NOT regexp_full_match(region, {literal(ds.geography.exclude)})" if ds.geography.exclude else ""
    con.execute(f"""CREATE OR REPLACE TEMP VIEW _obs AS
        SELECT region, industry, year::INTEGER AS year, measure, {value} AS v, coalesce(flag, '') AS flag
        FROM (SELECT dataset AS source, * FROM {INPUTS})
        WHERE measure IN ('employment', 'establishments', 'wages')
          AND year <= {int(max_year or 9999)} AND value IS NOT NULL {exclude}""")
    # one scan for the observation rows per region (the slices) and the published codes
    counted = [(r, i, int(n)) for r, i, n in con.execute(
        "SELECT region, industry, count(*) FROM _obs GROUP BY GROUPING SETS ((region), (industry))").fetchall()]
    parents = industry_parents(con, ds)
    derive = bool(parents and ds.derive_levels)
    depth: dict[str, int] = {}
    if derive:
        depth = {c: _depth(c, parents) for c in parents}
        write_table(con, "_parents", pd.DataFrame({"code": list(depth), "parent": [parents[c] for c in depth],
                                                   "depth": list(depth.values())}), temp=True)
        # a parent code the source publishes anywhere is never derived
        write_table(con, "_published", pd.DataFrame(
            {"industry": pd.Series(sorted(str(i) for r, i, _ in counted if r is None), dtype=object)}), temp=True)
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _levels AS SELECT region, level FROM regions
                    WHERE nuts_version = {int(m.nuts_version)} AND geography = {literal(geography_key(ds))}""")
    return _BaseInputs(counted, parents, derive, bool(_count(con, "_levels")), max(depth.values(), default=0))


def _drop_base_inputs(con: Connection) -> None:
    for name in ("_ri", "_parents", "_published", "_levels"):
        con.execute(f"DROP TABLE IF EXISTS {name}")
    con.execute("DROP VIEW IF EXISTS _obs")


def region_industry_sql(con: Connection, m: Methodology, max_year: int | None, ds: Dataset) -> None:
    """Tables ``region_industry`` and ``region_totals`` of a dataset without estimation or
    NUTS conversion, computed in the database: the same rows as :func:`region_industry` and
    :func:`region_totals` (methodology §1, §3), in time linear in the rows and memory
    independent of them (20M rows: seconds, not the pandas path's minutes and gigabytes).

    Steps: the sources' values scaled to their units, one row per region x industry x year
    (``uncertain`` when a value's flag means so; ``flags``: the employment's flag letters);
    the feasible range of a published value is the value; parent industry levels summed from
    their children, deepest first, where the source does not publish them
    (:func:`clusterobs.core.industries.derive_ancestors`); the regions' levels; the business
    totals (:func:`clusterobs.core.industries.business_total`). All but the totals run a slice
    of whole regions at a time (:data:`BASE_SLICE_ROWS` observation rows), the slices written
    in key order, so the table comes out sorted while each pivot and sort stays a slice's size.
    A Spark build computes the same rows on its executors (:func:`region_industry_engine`).
    """
    base = _base_inputs(con, m, max_year, ds)
    pick = ", ".join(f"max(v) FILTER (WHERE measure = '{x}') AS {x}" for x in MEASURES)
    slices = key_ranges(sorted((r, n) for r, _, n in base.counted if r is not None), BASE_SLICE_ROWS)
    known = "AND r.region IN (SELECT region FROM _levels)" if base.known else ""
    drop_relation(con, "region_industry")
    for i, (first, last) in enumerate(slices or [("", "")]):
        # one slice of whole regions at a time (parents and uncertainty stay within a region):
        # hash tables and sorts of a slice's size, the slices written in key order
        con.execute(f"""CREATE OR REPLACE TEMP TABLE _ri AS
            SELECT region, industry, year, employment, establishments, wages, coalesce(uncertain, false) AS uncertain,
                   CASE WHEN flags IS NOT NULL
                        THEN array_to_string(list_sort(list_distinct(string_split(flags, ''))), '') END AS flags
            FROM (
                -- the flag work on flagged values only (5M generated rows: 3.2 -> 2.7 s)
                SELECT region, industry, year, {pick},
                       bool_or(regexp_matches(flag, '{_uncertain_class(ds)}')) FILTER (WHERE flag <> '') AS uncertain,
                       string_agg(flag, '') FILTER (WHERE measure = 'employment' AND flag <> '') AS flags
                FROM _obs WHERE region BETWEEN {literal(first)} AND {literal(last)}
                GROUP BY region, industry, year
                HAVING count(v) > 0)""")
        if base.derive:
            _derive_parents_sql(con)
        write_query(con, "region_industry", f"""
            SELECT r.region, {int(m.nuts_version)} AS nuts_version,
                   coalesce(l.level, {max(ds.geography.levels)}) AS level, r.industry, r.year,
                   r.employment, r.establishments, r.wages,
                   r.employment AS employment_lower, r.employment AS employment_upper,
                   coalesce(r.uncertain, false) AS uncertain, coalesce(r.flags, '') AS flags
            FROM _ri r LEFT JOIN _levels l USING (region) WHERE true {known}""", append=i > 0)
    _totals_sql(con, ds, base.parents)
    _drop_base_inputs(con)


def region_industry_engine(compute: Compute, m: Methodology, max_year: int | None, ds: Dataset) -> None:
    """:func:`region_industry_sql` on the engine's executors (the Spark build): the same rows
    from Ibis expressions over the observation rows handed over as Parquet; the rows come
    back into ``region_industry``, written in key order, and the totals are summed from it in
    the results file (:func:`_totals_sql`). Tested equal to the SQL on
    flagged generated data (``tests/pipeline/test_base_in_database.py``)."""
    con = compute.con
    base = _base_inputs(con, m, max_year, ds)
    obs = compute.table("_obs")
    key = ["region", "industry", "year"]
    flagged = obs.flag != ""
    ri = (obs.group_by(key)
          .aggregate(**{x: obs.v.max(where=obs.measure == x) for x in MEASURES},
                     uncertain=obs.flag.re_search(_uncertain_class(ds)).any(where=flagged).fill_null(False),
                     values=obs.v.count())
          .filter(ibis._["values"] > 0).drop("values"))
    # the flag letters from the flagged employment values only: a concatenation is an object
    # aggregate, which Spark sorts instead of hashing (5M generated rows: the pivot 26.6 -> 17.8 s)
    marked = obs.filter((obs.measure == "employment") & flagged)
    marked = marked.group_by(key).aggregate(letters=marked.flag.group_concat(""))
    j = ri.left_join(marked, [ri[k] == marked[k] for k in key])
    ri = compute.materialise("_ri", j.select(*[ri[c] for c in ri.columns],
                                             flags=marked.letters.split("").unique().sort().join("")))
    if base.derive:
        # parents deepest first, each level from the rows of the level below: the published
        # rows and the level derived before (each derived level is small; the rows are read,
        # not copied, at every level)
        p, published = compute.table("_parents"), compute.table("_published")
        levels_up: list[ibis.Table] = []
        for d in range(base.depth, 0, -1):
            below = ri if not levels_up else ri.union(levels_up[-1])
            step = p.filter((p.depth == d) & p.parent.notnull() & ~p.parent.isin(published.industry))
            j = below.join(step, below.industry == step.code)
            derived = (j.group_by(region=j.region, industry=j.parent, year=j.year)
                       .aggregate(**{x: j[x].sum() for x in MEASURES}, uncertain=j.uncertain.any())
                       .mutate(flags=ibis.literal("")))
            levels_up.append(compute.materialise(f"_ri_up{d}", derived))
        ri = _uncertain_up(compute, ri.union(*levels_up) if levels_up else ri, base.parents)
    levels = compute.table("_levels")
    j = ri.join(levels, ri.region == levels.region, how="inner" if base.known else "left")
    out = j.select(region=ri.region, nuts_version=ibis.literal(int(m.nuts_version), "int16"),
                   level=levels.level.fill_null(max(ds.geography.levels)), industry=ri.industry, year=ri.year,
                   employment=ri.employment, establishments=ri.establishments, wages=ri.wages,
                   employment_lower=ri.employment, employment_upper=ri.employment,
                   uncertain=ri.uncertain.fill_null(False), flags=ri.flags.fill_null(""))
    drop_relation(con, "region_industry")
    compute.create("region_industry", out)
    _totals_sql(con, ds, base.parents)
    _drop_base_inputs(con)


def _uncertain_up(compute: Compute, ri: ibis.Table, parents: dict[str, str | None]) -> ibis.Table:
    """*ri* with every row uncertain whose industry is an ancestor (up to 6 levels) of an
    uncertain row of the same region and year, as :func:`_derive_parents_sql` marks them."""
    if not ri.uncertain.any().execute():
        return ri
    pairs = [(code, up) for code in parents for up in _ancestors(code, parents, limit=6)]
    write_table(compute.con, "_ancestors", pd.DataFrame(pairs, columns=["code", "ancestor"], dtype=object), temp=True)
    up = compute.table("_ancestors")
    marked = ri.filter(ri.uncertain).join(up, ri.industry == up.code)
    marked = marked.select(region=marked.region, year=marked.year, industry=marked.ancestor).distinct()
    marked = marked.mutate(climbed=ibis.literal(True))
    j = ri.left_join(marked, [ri.region == marked.region, ri.year == marked.year, ri.industry == marked.industry])
    out = j.select(*[ri[c] for c in ri.columns if c != "uncertain"],
                   uncertain=ri.uncertain | marked.climbed.fill_null(False))
    compute.con.execute("DROP TABLE IF EXISTS _ancestors")
    return compute.materialise("_ri", out.select(*ri.columns))


#: rows of the base table of the regions whose clusters are aggregated, and then (a scheme
#: at a time) given their indicators and written, at once by :func:`_build_indicators` on DuckDB
CLUSTER_SLICE_ROWS = 16_000_000

#: observation rows of the regions whose base table is computed and written at once by
#: :func:`region_industry_sql` (20M generated rows: 8 slices of 2.7M cells)
BASE_SLICE_ROWS = 8_000_000


def _derive_parents_sql(con: Connection) -> None:
    """Rows of ``_ri`` for the parent codes not published (``_published``), summed from their
    children deepest first (``_parents``: code, parent, depth); a code is uncertain when any
    of its parts is."""
    sums = ", ".join(f"sum({x}) AS {x}" for x in MEASURES)
    depth = con.execute("SELECT max(depth) FROM _parents").fetchone()
    for d in range(int(depth[0] or 0) if depth else 0, 0, -1):
        con.execute(f"""INSERT INTO _ri
            SELECT r.region, p.parent AS industry, r.year, {sums}, bool_or(r.uncertain), ''
            FROM _ri r JOIN _parents p ON r.industry = p.code
            WHERE p.depth = {d} AND p.parent IS NOT NULL
              AND p.parent NOT IN (SELECT industry FROM _published)
            GROUP BY ALL""")
    # published parents included (nothing to carry up when no value is uncertain: 20M
    # generated rows, 2.4 s)
    uncertain = con.execute("SELECT bool_or(uncertain) FROM _ri").fetchone()
    if uncertain and uncertain[0]:
        con.execute("""UPDATE _ri SET uncertain = true FROM (
            WITH RECURSIVE up(region, year, industry, n) AS (
                SELECT region, year, industry, 0 FROM _ri WHERE uncertain
                UNION SELECT u.region, u.year, p.parent, u.n + 1 FROM up u JOIN _parents p ON u.industry = p.code
                WHERE p.parent IS NOT NULL AND u.n < 6)
            SELECT DISTINCT region, year, industry FROM up) c
            WHERE _ri.region = c.region AND _ri.year = c.year AND _ri.industry = c.industry
              AND NOT coalesce(_ri.uncertain, false)""")


def _count(con: Connection, table: str) -> int:
    return int(con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])


def _ancestors(code: str, parents: dict[str, str | None], limit: int = 10) -> Iterator[str]:
    """The parent of *code*, its parent and so on up to the top (at most *limit* of them)."""
    seen = parents.get(code)
    for _ in range(limit):
        if seen is None:
            return
        yield seen
        seen = parents.get(seen)


def _depth(code: str, parents: dict[str, str | None]) -> int:
    return sum(1 for _ in _ancestors(code, parents))


def _totals_sql(con: Connection, ds: Dataset, parents: dict[str, str | None]) -> None:
    """``region_totals`` in the database, as :func:`clusterobs.core.industries.business_total`:
    the declared total industries where every one has a row, else the top-level rows."""
    sums = ", ".join(f"sum({x}) AS {x}_total" for x in MEASURES)
    if ds.total_industries:
        codes = ", ".join(literal(c) for c in ds.total_industries)
        # complete coverage per measure: every total industry has a value of it
        complete = ", ".join(f"CASE WHEN count({x}) = {len(set(ds.total_industries))} "
                             f"THEN sum({x}) END AS {x}_total" for x in MEASURES)
        query = f"""SELECT region, any_value(level) AS level, year, {complete} FROM region_industry
                    WHERE industry IN ({codes}) GROUP BY region, year"""
    else:
        write_table(con, "_parent_of", pd.DataFrame({"code": pd.Series(list(parents), dtype="string"),
                                                     "parent": pd.Series(list(parents.values()), dtype="string")}),
                    temp=True)
        query = f"""WITH codes AS (SELECT DISTINCT industry FROM region_industry),
                    top AS (SELECT c.industry FROM codes c LEFT JOIN _parent_of p ON c.industry = p.code
                            WHERE p.parent IS NULL OR p.parent NOT IN (SELECT industry FROM codes))
                    SELECT region, any_value(level) AS level, year, {sums} FROM region_industry
                    WHERE industry IN (SELECT industry FROM top) GROUP BY region, year"""
    write_query(con, "region_totals", query)
    con.execute("DROP TABLE IF EXISTS _parent_of")


def _with_bounds(obs: pd.DataFrame) -> pd.DataFrame:
    """Employment rows plus their feasible range as two more measures (``employment_lower``,
    ``employment_upper``: the estimate's range, the value itself where published), so that
    the NUTS conversion and the aggregation to categories carry the range like the value."""
    emp = obs[obs["measure"] == "employment"]
    if "lower" not in obs:
        bounds = [emp.assign(measure=b) for b in BOUNDS]
    else:
        bounds = [emp.assign(measure=b, value=emp[col].fillna(emp["value"]))
                  for b, col in zip(BOUNDS, ("lower", "upper"), strict=True)]
    return pd.concat([obs, *bounds], ignore_index=True).drop(columns=["lower", "upper"], errors="ignore")


def industry_parents(con: Connection, ds: Dataset) -> dict[str, str | None]:
    """Industry code -> parent code in the dataset's classification (plus its declared codes)."""
    rows = con.execute("SELECT code, parent FROM industries WHERE classification = ?",
                       [ds.classification]).fetchall()
    parents: dict[str, str | None] = dict(rows)
    for src in ds.sources:
        for spec in src.extra_codes.values():
            parents[spec["code"]] = spec.get("parent")
    return parents


def _with_parents(wide: pd.DataFrame, ds: Dataset, parents: dict[str, str | None]) -> pd.DataFrame:
    """Parent industry levels the sources do not publish, summed from their children."""
    if not parents or not ds.derive_levels:
        return wide
    flags = wide[["region", "industry", "year", "uncertain"]]
    out = industries.derive_ancestors(wide.drop(columns=["uncertain", "flags"]), parents, [*MEASURES, *BOUNDS])
    out = out.merge(wide[["region", "industry", "year", "flags"]], on=["region", "industry", "year"], how="left")
    # a derived code is uncertain when any of its published parts is
    climbed, up = [flags], flags[flags["uncertain"]]
    for _ in range(6):
        up = up.assign(industry=up["industry"].map(parents)).dropna(subset=["industry"])
        if up.empty:
            break
        climbed.append(up)
    derived_flags = pd.concat(climbed).groupby(["region", "industry", "year"])["uncertain"].any()
    return out.merge(derived_flags.reset_index(), on=["region", "industry", "year"], how="left")


def region_totals(base: pd.DataFrame, ds: Dataset | None = None,
                  parents: dict[str, str | None] | None = None) -> pd.DataFrame:
    """Business-economy totals per region and year: the declared total industries, or (none
    declared) the table's top-level rows (codes whose parent it does not hold)."""
    ds = ds or declarations.get(declarations.default_id())
    measures = list(MEASURES)
    summed = industries.business_total(base, ds.total_industries, measures, parents)
    levels = base[["region", "level"]].drop_duplicates("region")
    out = summed.merge(levels, on="region", how="left")[["region", "level", "year", *measures]]
    return out.rename(columns={m: f"{m}_total" for m in measures})


def stacked_mapping(schemes: dict[str, Scheme]) -> pd.DataFrame:
    """All schemes' ``industry -> category`` weights in one table, with ``scheme``, ``traded``
    and ``minor`` (:func:`clusterobs.core.schemes.minor_weights`)."""
    parts = []
    for scheme in schemes.values():
        traded = scheme.categories.set_index("category")["traded"].eq(True)
        parts.append(scheme.mapping.assign(scheme=scheme.id,
                                           traded=scheme.mapping["category"].map(traded).fillna(False)))
    stacked = pd.concat(parts, ignore_index=True)[["scheme", "industry", "category", "weight", "traded"]]
    return stacked.assign(minor=minor_weights(stacked))


#: where the table stages of a build can run
ENGINES = ("duckdb", "spark")


class Compute:
    """The engine of the table stages: Ibis expressions over the results file's tables,
    evaluated by DuckDB in that file, or by Spark on tables handed over as Parquet
    (:mod:`clusterobs.store.spark`). Results always come back into the results file."""

    def __init__(self, con: Connection, spark: ibis.BaseBackend | None = None,
                 scratch: Path | None = None) -> None:
        self.con, self.spark, self.scratch = con, spark, scratch
        self.duckdb = ibis_backend(con)

    @property
    def _scratch(self) -> Path:
        """The hand-over folder of a Spark build."""
        if self.scratch is None:
            raise StoreError("a Spark build needs its hand-over folder")
        return self.scratch

    @property
    def at_once(self) -> bool:
        """Whether :meth:`map_groups` gives its function every group at once (in process)."""
        return self.spark is None

    def table(self, name: str) -> ibis.Table:
        """Table *name* of the results file, on the engine."""
        if self.spark is None or self.scratch is None:
            return self.duckdb.table(name)
        return spark_store.share(self.con, self.spark, name, self.scratch)

    def create(self, name: str, expr: ibis.Table) -> None:
        """Table *name* of the results file from *expr* (its declared schema checked), its
        columns in the declared order, written sorted by the schema's sort key when it declares one."""
        if self.spark is None:
            self.create_sql(name, str(ibis.to_sql(expr, dialect="duckdb")))
        else:
            write_table(self.con, name, spark_store.fetch(self.spark, expr, self._scratch))

    def create_sql(self, name: str, query: str, *, append: bool = False) -> None:
        """:meth:`create` from a DuckDB SELECT *query* (an expression compiled once and run
        on several parts of the data, each part redefining the views it reads)."""
        spec = SCHEMAS.get(name)
        order = f" ORDER BY {', '.join(spec.sort_key)}" if spec is not None and spec.sort_key else ""
        columns = ", ".join(spec.names) if spec is not None else "*"
        into = f"INSERT INTO {name}" if append else f"CREATE OR REPLACE TABLE {name} AS"
        self.con.execute(f"{into} SELECT {columns} FROM ({query}){order}")
        check_table(self.con, name)

    def materialise(self, name: str, expr: ibis.Table, *, append: bool = False) -> ibis.Table:
        """*expr* computed once (a temporary table; cached on Spark), for several uses. With
        *append* (DuckDB only) its rows are added to the temporary table *name*."""
        if self.spark is None:
            into = f"INSERT INTO {name}" if append else f"CREATE OR REPLACE TEMP TABLE {name} AS"
            self.con.execute(f"{into} {ibis.to_sql(expr, dialect='duckdb')}")
            return self.duckdb.table(name)
        if append:
            raise ValueError("appending to a cached Spark table")
        return expr.cache()

    def map_groups(self, expr: ibis.Table, by: list[str], fn: Callable[[pd.DataFrame], pd.DataFrame],
                   schema: pa.Schema, *, categorical: bool = True) -> pads.Dataset:
        """*fn* (a pandas frame of whole groups of *by* -> a frame of *schema*) applied to the
        rows of *expr*: on DuckDB in process, to all rows at once; on Spark by the executors,
        to each partition of the rows partitioned by *by* (``mapInPandas``). *fn* must give a
        group the same rows whatever other groups share its frame; the rows come back as an
        Arrow dataset (in memory; on Spark, Parquet files the executors wrote, read lazily).
        In process, text columns reach *fn* as categoricals unless *categorical* is false.
        """
        if self.spark is None:
            rows = self.con.sql(str(ibis.to_sql(expr, dialect="duckdb"))).to_arrow_table()
            frame = _categorical(rows) if categorical else rows.to_pandas()
            return pads.dataset(pa.Table.from_pandas(fn(frame)[schema.names], schema=schema, preserve_index=False))
        return spark_store.map_groups(self.spark, expr, by, fn, schema, self._scratch)

    @contextmanager
    def relation(self, expr: ibis.Table) -> Iterator[str]:
        """*expr* as a relation of the results file's SQL (a subquery on DuckDB; on Spark its
        rows, fetched, under a temporary name)."""
        if self.spark is None:
            yield f"({ibis.to_sql(expr, dialect='duckdb')})"
            return
        self.con.register("_computed", spark_store.fetch(self.spark, expr, self._scratch))
        try:
            yield "_computed"
        finally:
            self.con.unregister("_computed")


def _categorical(rows: pa.Table) -> pd.DataFrame:
    """*rows* as pandas, text columns as categoricals (no Python string per row)."""
    for i, column in enumerate(rows.columns):
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            rows = rows.set_column(i, rows.field(i).name, pc.dictionary_encode(column))
    frame: pd.DataFrame = rows.to_pandas()
    return frame


@contextmanager
def _compute(con: Connection, engine: str, master: str, target: Path) -> Iterator[Compute]:
    if engine == "duckdb":
        yield Compute(con)
        return
    # the hand-over folder: next to the results file, or (a cluster) a path that the driver
    # and the executors both see; no leading dot: Spark skips hidden paths
    shared = config.get("CLUSTEROBS_SPARK_WORK")
    scratch = (Path(shared) if shared else target.parent) / f"{target.stem}-spark-work"
    shutil.rmtree(scratch, ignore_errors=True)
    try:
        scratch.mkdir(parents=True)
    except OSError as exc:
        where = f"CLUSTEROBS_SPARK_WORK={shared}" if shared else f"the results' folder {target.parent}"
        raise StoreError(f"{where}: cannot make the Spark hand-over folder {scratch.name} there "
                         f"({exc.strerror or exc})") from None
    try:
        with spark_store.session(master, scratch) as spark:
            yield Compute(con, spark, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _build_indicators(compute: Compute, schemes: dict[str, Scheme], m: Methodology) -> None:
    """Aggregation and indicators of every scheme into table ``clusters``: on DuckDB the
    aggregation a slice of regions at a time (:data:`CLUSTER_SLICE_ROWS` base rows), the
    reference sums over all regions, then the indicators a scheme and a slice at a time,
    written in key order; on Spark in one pass."""
    con = compute.con
    _write(con, "_mapping", stacked_mapping(schemes), temp=True)
    # on DuckDB a slice of regions at a time (joins and sorts of a slice's size: the base
    # table is sorted by region, so a slice's rows are found by its zone maps), on Spark at once
    slices: list[tuple[str, str] | None] = [None]
    if compute.spark is None:
        counts = [(str(r), int(n)) for r, n in con.execute(
            "SELECT region, count(*) FROM region_industry GROUP BY region ORDER BY region").fetchall()]
        slices = [*key_ranges(counts, CLUSTER_SLICE_ROWS)] or [None]
    base, mapping, totals = compute.table("region_industry"), compute.table("_mapping"), compute.table("region_totals")
    for i, part in enumerate(slices):
        rows = base if part is None else base.filter(base.region.between(*part))
        clusters = compute.materialise("_aggregated", aggregate(rows, mapping), append=i > 0)
    # the reference area's sums over all regions (lq_traded: the US rule's LQ on the traded
    # base, methodology §4c, in the same pass)
    sums = compute.materialise("_reference", indicators.reference_sums(
        indicators.with_bases(clusters, totals, m, traded_lq=True), traded_lq=True))
    with_traded = [s.id for s in schemes.values() if s.traded_categories]

    def indicators_of(own: ibis.Table, region_totals: ibis.Table) -> ibis.Table:
        ind = indicators.cluster_indicators(own, region_totals, m, traded_lq=True, sums=sums)
        ind = ind.mutate(lq_traded=ibis.ifelse(ind.scheme.isin(with_traded), ind.lq_traded, ibis.null()))
        return ind.drop("employment_total", "wages_total")

    drop_relation(con, "clusters")
    if compute.spark is not None:  # every scheme at once
        compute.create("clusters", indicators_of(clusters, totals))
        return
    # written sorted by its schema's sort key (scheme, region, year, category): a scheme and
    # a slice of regions at a time, in key order, through two views that each part redefines
    # (the query is compiled once: 0.27 s a time)
    query = ""
    ids = sorted(s.id for s in schemes.values())
    for i, (scheme, part) in enumerate((s, p) for s in ids for p in slices):
        bounds = f"region BETWEEN {literal(part[0])} AND {literal(part[1])}" if part else "true"
        con.execute(f"CREATE OR REPLACE TEMP VIEW _part_clusters AS SELECT * FROM _aggregated "
                    f"WHERE scheme = {literal(scheme)} AND {bounds}")
        con.execute(f"CREATE OR REPLACE TEMP VIEW _part_totals AS SELECT * FROM region_totals WHERE {bounds}")
        query = query or str(ibis.to_sql(indicators_of(compute.table("_part_clusters"),
                                                       compute.table("_part_totals")), dialect="duckdb"))
        compute.create_sql("clusters", query, append=i > 0)
    if not query:  # no scheme: the table's columns, no rows
        compute.create("clusters", indicators_of(clusters, totals))
    con.execute("DROP VIEW IF EXISTS _part_clusters")
    con.execute("DROP VIEW IF EXISTS _part_totals")
    # the aggregated clusters held in DuckDB's memory until the rating pass otherwise (60M
    # generated rows: 27M rows)
    for name in ("_aggregated", "_reference"):
        con.execute(f"DROP TABLE IF EXISTS {name}")


#: per method: the column of the rated table holding its stars, and its criteria
METHOD_COLUMNS = {
    method: (stars_col, stars.CRITERIA[method])
    for method, stars_col in (("eco-classic", "eco_stars"), ("panorama", "panorama_stars"),
                              ("uscmp-strong", "stars"))
}
#: the columns of a cluster a rating pass reads (the criteria's values, the confidence's noise)
RATING_INPUTS = ["level", "year", "employment", "establishments", "lq", "share_region",
                 "wage_per_employee", "relative_wage", "growth_5y", "uncertain_share", "traded",
                 "employment_lower", "employment_upper"]


#: the rating passes: the methods rated together (ECO and Panorama share the criteria's
#: sorts; the US rule rates the schemes with traded categories, on the traded LQ) and the
#: temporary table each fills with one row per cluster (every method's columns,
#: :func:`clusterobs.store.reader.method_columns`) until the read model takes them in
#: (``ratings`` is then a view of ``cluster_view``: :func:`clusterobs.store.readmodels.write_cluster_view`)
RATED: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("_rated_stars", ("eco-classic", "panorama")),
    ("_rated_us", ("uscmp-strong",)),
)


def _rating_schema(methods: tuple[str, ...]) -> pa.Schema:
    """The columns of a rating pass's rows: ``cid``, ``scheme`` and each method's columns."""
    kinds = {"stars": pa.int8(), "stars_confidence": pa.float64(), "rating_level": pa.string()}
    return pa.schema([("cid", pa.int64()), ("scheme", pa.string()), *(
        (reader.method_column(method, c), kinds.get(c, pa.bool_()))
        for method in methods for c in (*reader.RATING_FIELDS, *stars.CRITERIA[method]))])


def _rate(compute: Compute, m: Methodology, traded_schemes: list[str]) -> None:
    """Rate every scheme's clusters by every method, with confidence, into the tables of
    :data:`RATED`.

    ECO and Panorama come from one pass over the clusters (their criteria share the
    sorts); the US rule from a second pass over the schemes with traded categories. On
    DuckDB each pass runs on one scheme and a range of its years at a time, at most
    :data:`RATING_SLICE_ROWS` clusters unless a year alone has more (the criteria's groups
    are within a scheme and a year, so the same ratings; the process holds that many rated
    clusters, not a whole scheme's: about 4 GB per 12M); on Spark over all schemes at once
    (each pass is a job). Each rating row carries its cluster's ``rowid`` in ``clusters`` as
    ``cid``.
    """
    con = compute.con
    # ckey: the cluster's 63-bit key for its confidence draws (signed: Spark has no UBIGINT)
    con.execute("""CREATE OR REPLACE TEMP VIEW _clusters_keyed AS
                   SELECT rowid AS cid, (hash(scheme, region, year, category) & 9223372036854775807)::BIGINT AS ckey, *
                   FROM clusters""")
    t = compute.table("_clusters_keyed")
    for table, methods in RATED:
        write_table(con, table, _rating_schema(methods).empty_table(), temp=True)
    (stars_table, stars_methods), (us_table, us_methods) = RATED
    everything = [r[0] for r in con.execute("SELECT DISTINCT scheme FROM clusters ORDER BY 1").fetchall()]
    columns = ["cid", "ckey", "scheme", "category", *RATING_INPUTS]
    parts: list[tuple[list[str], tuple[int, int] | None]] = [(everything, None)]  # Spark: at once
    if compute.spark is None:  # a scheme and a range of its years at a time
        parts = []
        for scheme in everything:
            years = [(int(y), int(n)) for y, n in con.execute(
                "SELECT year, count(*) FROM clusters WHERE scheme = ? GROUP BY 1 ORDER BY 1", [scheme]).fetchall()]
            parts += [([scheme], span) for span in key_ranges(years, RATING_SLICE_ROWS)]
    for schemes, span in parts:
        part = t.filter(t.scheme.isin(schemes))
        if span is not None:
            part = part.filter(part.year.between(*span))
        _rate_pass(compute, part.select(*columns), stars_table, stars_methods, m)
        traded = [s for s in schemes if s in traded_schemes]
        if traded:
            # the US rule's LQ is the one on the traded base (methodology §4c)
            scoped = part.filter(part.scheme.isin(traded))
            _rate_pass(compute, scoped.mutate(lq=scoped.lq_traded).select(*columns), us_table, us_methods, m)
    con.execute("DROP VIEW _clusters_keyed")


#: clusters rated at once on DuckDB (:func:`_rate`)
RATING_SLICE_ROWS = 5_000_000

#: the groups the confidence of a rating is computed within (methodology §4, confidence)
RATING_GROUPS = ("scheme", "level", "year", "category")


def _rate_pass(compute: Compute, clusters: ibis.Table, table: str, methods: tuple[str, ...],
               m: Methodology) -> None:
    """Rate *clusters* (columns ``cid, ckey, scheme, category`` and :data:`RATING_INPUTS`) by
    *methods* with their confidence, per group of :data:`RATING_GROUPS` on the engine
    (:meth:`Compute.map_groups`), and insert the rows into *table*."""
    out = compute.map_groups(clusters, list(RATING_GROUPS),
                             functools.partial(rate_groups, methods=methods, m=m), _rating_schema(methods))
    con = compute.con
    con.register("_rated_part", out)
    try:
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _rated_part")
    finally:
        con.unregister("_rated_part")


def group_ids(frame: pd.DataFrame, by: tuple[str, ...]) -> tuple[npt.NDArray[np.int64], int]:
    """An integer id per row of *frame* for its group of *by* (ids from 0 in order of first
    appearance), and the number of groups: hash factorisations of each column and of their
    combined codes (4M clusters: 0.1 s, against 0.75 s for pandas' ``ngroup``).

    >>> ids, n = group_ids(pd.DataFrame({"a": ["x", "y", "x", None], "b": [1, 1, 1, 2]}), ("a", "b"))
    >>> ids.tolist(), n
    ([0, 1, 0, 2], 3)
    """
    key = np.zeros(len(frame), dtype=np.int64)
    for column in by:
        codes, uniques = pd.factorize(frame[column], use_na_sentinel=False)
        key = key * max(len(uniques), 1) + codes
    ids, groups = pd.factorize(key)
    return np.asarray(ids, dtype=np.int64), len(groups)


def rate_groups(frame: pd.DataFrame, methods: tuple[str, ...], m: Methodology) -> pd.DataFrame:
    """The ratings of *methods* of the clusters in *frame* (whole groups of
    :data:`RATING_GROUPS`, any number of them): their criteria and stars
    (:mod:`clusterobs.core.star_arrays`: ECO and Panorama together, or the US rule) and
    their confidence (:func:`clusterobs.core.confidence.star_confidence`). One row per
    cluster, each method's stars, confidence, rating level and criteria in its own columns
    (:func:`clusterobs.store.reader.method_column`).

    A cluster without data (no employment, or no region total to compare it with) is not
    rated: NULL stars, confidence and criteria, never "0 stars, certainly".
    """
    group, n_groups = group_ids(frame, RATING_GROUPS)
    rules = star_arrays.uscmp_strong if "uscmp-strong" in methods else star_arrays.eco_and_panorama
    sorts: star_arrays.SortCache = {}  # the criteria's sorts, which the confidence reuses
    workers = os.cpu_count() or 1
    rated_by = rules(frame, group, n_groups, m, cache=sorts, workers=workers)
    numeric = frame[RATING_INPUTS].assign(group=group, key=frame["ckey"].to_numpy())
    numeric = pd.concat([numeric, rated_by.drop(columns=["rating_level"], errors="ignore")], axis=1)
    rated = frame["employment"].notna() & frame["lq"].notna()
    out = pd.DataFrame({"cid": frame["cid"], "scheme": frame["scheme"]})
    for method in methods:
        stars_col, crits = METHOD_COLUMNS[method]
        conf = confidence.star_confidence(numeric.assign(stars=numeric[stars_col]), method, m,
                                          workers=workers, cache=sorts)
        col = functools.partial(reader.method_column, method)
        out[col("stars")] = rated_by[stars_col].astype("Int8").where(rated)
        out[col("stars_confidence")] = pd.Series(conf, index=frame.index).where(rated)
        out[col("rating_level")] = (rated_by["rating_level"].where(rated, None)
                                    if method == "panorama" else None)
        for c in crits:
            out[col(c)] = rated_by[c].astype("boolean").where(rated)
    return out


def _write(con: Connection, name: str, df: pd.DataFrame, temp: bool = False) -> None:
    """Create or replace table *name* (its declared schema, sorted by its key)."""
    write_table(con, name, df, temp=temp)


def _write_schemes(con: Connection, schemes: dict[str, Scheme]) -> None:
    meta = pd.DataFrame([{"scheme": s.id, "version": s.version, "title": s.title,
                          "classification": s.classification, "partitioning": s.partitioning}
                         for s in schemes.values()])
    cats = pd.concat([s.categories.assign(scheme=s.id) for s in schemes.values()], ignore_index=True)
    cats["traded"] = cats["traded"].astype("boolean")
    weights = pd.concat([s.mapping.assign(scheme=s.id) for s in schemes.values()], ignore_index=True)
    _write(con, "schemes", meta)
    _write(con, "categories", cats[["scheme", "category", "category_name", "traded"]])
    _write(con, "scheme_weights", weights[["scheme", "industry", "category", "weight"]])


def _write_build_info(con: Connection, m: Methodology, report: BuildReport,
                      ds: Dataset, levels: list[int], breaks: list[int]) -> None:
    meta = ds.summary()
    meta["levels"] = levels  # the levels that hold data (the portal's default is the finest)
    meta["breaks"] = breaks  # first years of a new series: no growth is computed across them
    info = pd.DataFrame([{
        "dataset": ds.id, "dataset_meta": json.dumps(meta),
        "fingerprint": m.fingerprint, "methodology": json.dumps(m.to_dict()),
        "max_year": int(con.execute("SELECT max(year) FROM region_industry").fetchall()[0][0]),
        "code_version": __version__, "built_at": datetime.now(UTC).replace(tzinfo=None),
    }])
    _write(con, "build_info", info)

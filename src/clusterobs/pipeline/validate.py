"""Validation against published results (methodology §4c V-US1 and Eurostat's own indicators).

``uscmp-2016``: the engine recomputes the location quotients of the published US Cluster
Mapping 2016 table from its employment (traded base, national reference shares from the
50 states + DC) and applies the ``uscmp-strong`` rule; the flags are compared with the
published ``strong`` column for states and metropolitan areas (the economic areas cannot
be rebuilt, §4c).

``eurostat-derived``: on the raw SBS data (no imputation, no NUTS conversion), the engine's
share of each manufacturing division in its region's manufacturing (V94310) and its
1-year employment growth (V91290) are compared with Eurostat's published values, to their
rounding (one decimal: |difference| <= 0.05 points plus float slack).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from clusterobs import config
from clusterobs.core import indicators, stars
from clusterobs.core.methodology import Methodology
from clusterobs.errors import ConfigError
from clusterobs.sources import uscmp
from clusterobs.store import reader
from clusterobs.store.engine import ibis_memory

ROUNDING = 0.05 + 1e-6


@dataclass(frozen=True)
class Agreement:
    """Agreement of one comparison: cells compared, cells equal, and the rate."""

    name: str
    cells: int
    agree: int
    computed_true: int | None = None
    published_true: int | None = None

    @property
    def rate(self) -> float:
        return self.agree / self.cells if self.cells else float("nan")


def _mirror() -> Path:
    mirror = config.mirror_dir()
    if mirror is None:
        raise ConfigError("validation reads the published files: set CLUSTEROBS_MIRROR")
    return mirror


def uscmp_2016(mirror: Path | None = None, m: Methodology | None = None) -> list[Agreement]:
    """Reproduce the published US strong-cluster flags of 2016 (V-US1)."""
    path = (mirror or _mirror()) / "us_cluster_mapping" / "uscmp_cluster_by_region_2016.csv.gz"
    raw = uscmp.read_cluster_by_region(path)
    frame = raw[raw["region_type"].isin(["state", "msa"])].rename(columns={
        "region_type": "level", "region_code": "region", "cluster_code": "category",
        "emp": "employment", "est": "establishments", "ap": "wages"})
    frame = frame.assign(category=frame["category"].astype(str),
                         employment=frame["employment"].fillna(0).astype(float),
                         establishments=frame["establishments"].fillna(0).astype(float),
                         wages=frame["wages"].astype(float), uncertain_share=0.0)
    traded = sorted(frame.loc[frame["traded"], "category"].unique())
    result = _us_flags(frame, traded, m or Methodology(lq_base="traded"))
    out = []
    for level in ("state", "msa"):
        sub = result[(result["level"] == level) & result["category"].isin(traded)]
        published = sub["published"].fillna(False).astype(bool)
        out.append(Agreement(f"strong, {level}", len(sub), int((sub["strong"] == published).sum()),
                             int(sub["strong"].sum()), int(published.sum())))
    return out


def _us_flags(frame: pd.DataFrame, traded: list[str], m: Methodology) -> pd.DataFrame:
    con = ibis_memory()
    cols = ["region", "level", "year", "category", "employment", "establishments", "wages",
            "uncertain_share"]
    clusters = con.create_table("clusters", frame[cols])
    totals = clusters.group_by(["region", "level", "year"]).aggregate(
        employment_total=clusters.employment.sum(), wages_total=clusters.wages.sum())
    state = frame[frame["level"] == "state"]
    reference = national_shares(state, traded)
    ind = indicators.cluster_indicators(clusters, totals, m, traded,
                                        reference=con.create_table("reference", reference))
    rated = stars.uscmp_strong(ind, m, traded).to_pandas()
    keys = ["region", "level", "category"]
    merged: pd.DataFrame = rated.merge(
        frame[[*keys, "strong"]].rename(columns={"strong": "published"}), on=keys)
    return merged


def national_shares(state: pd.DataFrame, traded: list[str]) -> pd.DataFrame:
    """Reference shares E(c)/E_B of the nation (sum of states), traded or local base."""
    is_traded = state["category"].isin(traded)
    by_cat = state.groupby(["year", "category"], as_index=False)["employment"].sum()
    totals = state.assign(t=is_traded).groupby(["year", "t"])["employment"].sum()
    base = [totals.loc[(y, c in traded)] for y, c in zip(by_cat["year"], by_cat["category"], strict=True)]
    shares: pd.DataFrame = by_cat.assign(reference_share=by_cat["employment"] / base)
    return shares[["year", "category", "reference_share"]]


def eurostat_derived(store: Path | None = None) -> list[Agreement]:
    """Compare the engine's manufacturing shares and 1-year growth with V94310 and V91290."""
    from clusterobs.sources import declarations

    # the default dataset's sources that publish V94310 and V91290 (the old SBS layout)
    sources = [s.id for s in declarations.get(declarations.default_id()).sources
               if {"manufacturing_share_pct", "employment_growth_pct"} <= set(s.measure_map().values())]
    with reader.connect(store or config.store_path()) as con:
        obs = con.execute(
            """SELECT region, industry, year::INTEGER AS year, measure, value FROM observations
               WHERE dataset IN (SELECT unnest(?)) AND value IS NOT NULL AND measure IN
               ('employment', 'manufacturing_share_pct', 'employment_growth_pct')""", [sources]).df()
    return _compare_derived(obs)


def _compare_derived(obs: pd.DataFrame) -> list[Agreement]:
    emp = obs[obs["measure"] == "employment"].rename(columns={"industry": "category", "value": "employment"})
    emp = emp.assign(level=emp["region"].str.len() - 2, establishments=1.0, wages=None,
                     uncertain_share=0.0)[["region", "level", "year", "category", "employment",
                                          "establishments", "wages", "uncertain_share"]]
    emp["wages"] = emp["wages"].astype(float)
    con = ibis_memory()
    clusters = con.create_table("clusters", emp)
    section_c = emp[emp["category"] == "C"].rename(columns={"employment": "employment_total"})
    totals = con.create_table("totals", section_c.assign(wages_total=1.0)[
        ["region", "level", "year", "employment_total", "wages_total"]])
    ind = indicators.cluster_indicators(clusters, totals, Methodology()).to_pandas()
    out = []
    for measure, column, scale, industries in (
        ("manufacturing_share_pct", "share_region", 100.0, ind["category"].str.match(r"^C\d\d$")),
        ("employment_growth_pct", "growth_1y", 100.0, ind["category"].notna()),
    ):
        pub = obs[obs["measure"] == measure].rename(columns={"industry": "category", "value": "published"})
        both = ind[industries].merge(pub[["region", "category", "year", "published"]],
                                     on=["region", "category", "year"])
        both = both[both[column].notna()]
        diff = (both[column] * scale - both["published"]).abs()
        out.append(Agreement(f"{measure} ({'V94310' if 'share' in measure else 'V91290'})",
                             len(both), int((diff <= ROUNDING).sum())))
    return out


@dataclass(frozen=True)
class Correlation:
    """Correlation of two datasets over the cells both publish."""

    name: str
    cells: int
    employment_r: float
    lq_r: float
    log_lq_r: float
    median_ratio: float


def _published_division_cells(path: Path, regions: str | None, year: int) -> pd.DataFrame:
    """Division-level employment a results file holds for *year*, without estimated cells:
    ``region, industry, employment`` (the ``nace-division`` export, region pattern *regions*)."""
    with reader.connect(path) as con:
        frame = reader.clusters(con, "nace-division", "eco-classic", year=year, level=2)
        uncertain = {(r, i) for r, i in con.execute(
            "SELECT region, industry FROM region_industry WHERE year = ? AND uncertain", [year]).fetchall()}
    frame = frame[["region", "category", "employment"]].rename(columns={"category": "industry"})
    if regions:
        frame = frame[frame["region"].str.match(regions)]
    keep = [(r, i) not in uncertain for r, i in zip(frame["region"], frame["industry"], strict=True)]
    out: pd.DataFrame = frame[keep]
    return out


def gb_vs_sbs(europe: Path, gb: Path, year: int = 2015) -> Correlation:
    """BRES (Great Britain, divisions summed from classes) against Eurostat SBS for the same
    NUTS-2 regions and year, over the cells both publish with a positive value.

    LQs of both are computed with the same reference (the regions and divisions compared), so
    the comparison measures the data, not the difference between a European and a British
    reference area.
    """
    import numpy as np

    sbs = _published_division_cells(europe, r"^UK", year)
    bres = _published_division_cells(gb, None, year)
    both = sbs.merge(bres, on=["region", "industry"], suffixes=("_sbs", "_bres"))
    both = both[(both["employment_sbs"] > 0) & (both["employment_bres"] > 0)]

    def lq(col: str) -> pd.Series:
        region = both.groupby("region")[col].transform("sum")
        industry = both.groupby("industry")[col].transform("sum")
        return (both[col] / region) / (industry / both[col].sum())

    lq_sbs, lq_bres = lq("employment_sbs"), lq("employment_bres")
    return Correlation(
        f"BRES vs SBS {year}", len(both),
        float(np.corrcoef(both["employment_sbs"], both["employment_bres"])[0, 1]),
        float(np.corrcoef(lq_sbs, lq_bres)[0, 1]),
        float(np.corrcoef(np.log(lq_sbs), np.log(lq_bres))[0, 1]),
        float((both["employment_bres"] / both["employment_sbs"]).median()))


@dataclass(frozen=True)
class FlagAgreement:
    """Agreement of strong-cluster flags: counts of the 2x2 table and derived rates."""

    name: str
    both: int
    ours_only: int
    published_only: int
    neither: int

    @property
    def cells(self) -> int:
        return self.both + self.ours_only + self.published_only + self.neither

    @property
    def rate(self) -> float:
        return (self.both + self.neither) / self.cells

    @property
    def kappa(self) -> float:
        """Cohen's kappa: agreement beyond what the two marginal rates give by chance."""
        n = self.cells
        ours, pub = (self.both + self.ours_only) / n, (self.both + self.published_only) / n
        chance = ours * pub + (1 - ours) * (1 - pub)
        return (self.rate - chance) / (1 - chance)


def cbp_vs_uscmp_2016(us: Path, mirror: Path | None = None) -> FlagAgreement:
    """Strong traded clusters per metro from CBP 2019 (``uscmp-strong``) against the published
    US Cluster Mapping 2016 flags of the same metros and clusters (different years and
    suppression rules: reported, not tuned to)."""
    path = (mirror or _mirror()) / "us_cluster_mapping" / "uscmp_cluster_by_region_2016.csv.gz"
    raw = uscmp.read_cluster_by_region(path)
    pub = raw[(raw["region_type"] == "msa") & raw["traded"].eq(True)]
    pub = pd.DataFrame({"region": pub["region_code"].astype(str).str.zfill(5),
                        "category": pub["cluster_code"].astype(str),
                        "published": pub["strong"].fillna(False).astype(bool)})
    with reader.connect(us) as con:
        ours = con.execute("""SELECT region, category, stars FROM ratings
                              WHERE method = 'uscmp-strong' AND scheme = 'uscmp'""").df()
    both = ours.merge(pub, on=["region", "category"])
    mine = both["stars"].fillna(0) > 0
    return FlagAgreement("CBP 2019 vs USCMP 2016 strong traded clusters (metros)",
                         int((mine & both["published"]).sum()), int((mine & ~both["published"]).sum()),
                         int((~mine & both["published"]).sum()), int((~mine & ~both["published"]).sum()))

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

import ibis
import pandas as pd

from clusterobs import config
from clusterobs.core import indicators, stars
from clusterobs.core.methodology import Methodology
from clusterobs.errors import ConfigError
from clusterobs.sources import uscmp
from clusterobs.store import reader

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
    con = ibis.duckdb.connect()
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
    with reader.connect(store or config.store_path()) as con:
        obs = con.execute(
            """SELECT region, industry, year::INTEGER AS year, measure, value FROM observations
               WHERE dataset = 'sbs_r_nuts06_r2' AND value IS NOT NULL AND measure IN
               ('employment', 'manufacturing_share_pct', 'employment_growth_pct')""").df()
    return _compare_derived(obs)


def _compare_derived(obs: pd.DataFrame) -> list[Agreement]:
    emp = obs[obs["measure"] == "employment"].rename(columns={"industry": "category", "value": "employment"})
    emp = emp.assign(level=emp["region"].str.len() - 2, establishments=1.0, wages=None,
                     uncertain_share=0.0)[["region", "level", "year", "category", "employment",
                                          "establishments", "wages", "uncertain_share"]]
    emp["wages"] = emp["wages"].astype(float)
    con = ibis.duckdb.connect()
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

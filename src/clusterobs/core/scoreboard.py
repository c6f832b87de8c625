"""Regional Ecosystem Scoreboard: impute, normalise, aggregate, compare (methodology §8).

Pure pandas/numpy. Every choice is a field of the frozen, versioned :class:`ScoreboardMethod`.
Steps (published sources in brackets, methodology §0): 0 direction; 1 imputation, same region
±2 years -> NUTS-1 parent -> country, flagged (ours); 2 outliers, ``|z| > 3`` capped
(EIS08, RIS21 step 1); 3 skew, ``sqrt`` when skewness > 1, then ``log1p`` (EIS08, RIS21;
trigger ours); 4 min-max to [0, 1] over all regions and years (JRC08, RIS21); 5 equal-weight
means indicator -> sub-dimension -> dimension -> overall (RIS21; hierarchy ours). Strengths
and weaknesses, peers and Monte Carlo robustness are ours. ``docs/methodology/scoreboard.md``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from clusterobs.errors import MethodError

__all__ = [
    "ScoreboardMethod", "ScoreboardResult", "composite", "compute", "impute", "indicator_scores",
    "reference_years", "relative", "robustness", "suggest_peers",
]  # fmt: skip

Array = npt.NDArray[np.float64]
Normalisation = Literal["minmax", "z", "rank"]
OVERALL = "overall"


@dataclass(frozen=True)
class ScoreboardMethod:
    """Every parameter of the scoreboard method (methodology §8); stored with each build.

    Examples
    --------
    >>> m = ScoreboardMethod()
    >>> (m.outlier_z, m.skew_limit, m.normalisation, m.strength, m.weakness)
    (3.0, 1.0, 'minmax', 110.0, 90.0)
    >>> m.with_(runs=10).runs
    10
    """

    version: str = "1.0"
    year_coverage: float = 0.8  # indicator year: nearest year with >= 80% of its best coverage
    impute: bool = True
    impute_years: int = 2
    outlier_z: float | None = 3.0
    skew_limit: float | None = 1.0  # None: no transform
    normalisation: Normalisation = "minmax"
    min_share: float = 0.5  # of a dimension's indicators (and of the dimensions, for overall)
    strength: float = 110.0
    weakness: float = 90.0
    n_peers: int = 5
    max_chosen_peers: int = 5
    runs: int = 500
    seed: int = 20240607
    robust_share: float = 0.8
    mc_normalisations: tuple[str, ...] = ("minmax", "z", "rank")
    mc_outlier_z: tuple[float, ...] = (2.0, 3.0)

    def __post_init__(self) -> None:
        if self.normalisation not in ("minmax", "z", "rank"):
            raise MethodError(f"normalisation {self.normalisation!r}: expected minmax, z or rank")
        if not 0 < self.min_share <= 1 or not 0 < self.robust_share <= 1 or self.runs < 1:
            raise MethodError("min_share and robust_share must be in (0, 1], runs >= 1")

    def with_(self, **changes: Any) -> ScoreboardMethod:
        """A copy with some fields changed."""
        return replace(self, **changes)

    def to_json(self) -> str:
        """The method as JSON (stored in ``scoreboard_meta``)."""
        return json.dumps(asdict(self), sort_keys=True)


@dataclass(frozen=True)
class ScoreboardResult:
    """Output of :func:`compute`: long tables ready for the store."""

    indicators: pd.DataFrame  # region, indicator, year, value, imputed, imputation, score
    scores: pd.DataFrame  # region, dimension, score, rank, rel_eu, status_eu, ... robust, ranks
    peers: pd.DataFrame  # region, peer, distance
    years: dict[str, int] = field(default_factory=dict)


def reference_years(values: pd.DataFrame, regions: Sequence[str], year: int,
                    method: ScoreboardMethod) -> dict[str, int]:  # fmt: skip
    """Per indicator, the year nearest to ``year`` (earlier on ties) with good coverage.

    Good coverage: at least ``method.year_coverage`` of the indicator's best yearly count of
    regions of ``regions``.

    >>> v = pd.DataFrame({"region": ["A", "B", "A"], "indicator": "x",
    ...                   "year": [2012, 2012, 2014], "value": 1.0})
    >>> reference_years(v, ["A", "B"], 2014, ScoreboardMethod())
    {'x': 2012}
    """
    v = values[values["region"].isin(set(regions)) & values["value"].notna()]
    n = v.groupby(["indicator", "year"])["region"].nunique().rename("n").reset_index()
    n = n[n["n"] >= method.year_coverage * n.groupby("indicator")["n"].transform("max")]
    n = n.assign(d=(n["year"] - year).abs()).sort_values(["indicator", "d", "year"])
    return {str(k): int(y) for k, y in n.groupby("indicator")["year"].first().items()}


def _nearest(values: pd.DataFrame, cells: pd.DataFrame, code: pd.Series, window: int) -> pd.DataFrame:
    """Value of ``code`` (a region) for each cell, from the nearest year within ``window``."""
    c = cells.assign(code=code.to_numpy())
    m = c.merge(values.rename(columns={"region": "code", "year": "value_year"}),
                on=["code", "indicator"])  # fmt: skip
    m = m[(m["value_year"] - m["year"]).abs() <= window]
    m = m.assign(d=(m["value_year"] - m["year"]).abs()).sort_values(["d", "value_year"])
    return m.drop_duplicates(["region", "indicator"]).set_index(["region", "indicator"])


def impute(values: pd.DataFrame, regions: Sequence[str], years: Mapping[str, int],
           method: ScoreboardMethod) -> pd.DataFrame:  # fmt: skip
    """Value of each region and indicator in the indicator's year, imputed where missing.

    Order (ours, methodology §8 step 1): the same region ±``impute_years`` (nearest, earlier
    on ties) -> the NUTS-1 parent (code[:3]) in the same window -> the country (code[:2]).

    Returns
    -------
    pandas.DataFrame
        ``region, indicator, year, value, value_year, imputed, imputation`` with
        ``imputation`` in ``"", "year", "nuts1", "country"`` (NaN value: no data).

    Examples
    --------
    >>> v = pd.DataFrame({"region": ["DE21", "DE2", "DE"], "indicator": "x",
    ...                   "year": [2012, 2014, 2014], "value": [1.0, 2.0, 3.0]})
    >>> t = impute(v, ["DE21", "DE22", "DE30"], {"x": 2014}, ScoreboardMethod())
    >>> t[["region", "value", "imputation"]].values.tolist()
    [['DE21', 1.0, 'year'], ['DE22', 2.0, 'nuts1'], ['DE30', 3.0, 'country']]
    """
    v = values.loc[values["value"].notna(), ["region", "indicator", "year", "value"]]
    cells = pd.MultiIndex.from_product([sorted(set(regions)), sorted(years)],
                                       names=["region", "indicator"]).to_frame(index=False)  # fmt: skip
    cells["year"] = cells["indicator"].map(years).astype("int64")
    out = cells.set_index(["region", "indicator"]).assign(
        value=np.nan, value_year=np.nan, imputation=None)
    steps = [("", 0, 4), ("year", method.impute_years, 4),
             ("nuts1", method.impute_years, 3), ("country", method.impute_years, 2)]  # fmt: skip
    for label, window, length in steps if method.impute else steps[:1]:
        found = _nearest(v, cells, cells["region"].str[:length], window)
        if label == "year":
            found = found[found["value_year"] != found["year"]]
        todo = out["value"].isna() & out.index.isin(found.index)
        idx = out.index[todo]
        out.loc[idx, "value"] = found.loc[idx, "value"]
        out.loc[idx, "value_year"] = found.loc[idx, "value_year"]
        out.loc[idx, "imputation"] = label
    out["imputed"] = out["imputation"].fillna("").ne("")
    return out.reset_index()


def _skewness(x: Array) -> float:
    """Sample skewness G1 (adjusted Fisher-Pearson, as ``pandas.Series.skew``)."""
    n, d = len(x), x - x.mean()
    m2, m3 = float((d**2).mean()), float((d**3).mean())
    if n < 3 or m2 <= 0:
        return 0.0
    return math.sqrt(n * (n - 1)) / (n - 2) * m3 / m2**1.5


def _process(panel: Array, ref: Array, *, outlier_z: float | None, skew_limit: float | None,
             normalisation: str) -> Array:  # fmt: skip
    """Steps 2-4 for one indicator: cap, transform, normalise ``ref`` on the ``panel`` scale."""
    p, r = panel[~np.isnan(panel)], ref.copy()
    if p.size < 2:
        return np.full_like(ref, np.nan)
    if outlier_z is not None and p.std() > 0:
        lo, hi = p.mean() - outlier_z * p.std(), p.mean() + outlier_z * p.std()
        p, r = np.clip(p, lo, hi), np.clip(r, lo, hi)
    if skew_limit is not None:
        for f in (np.sqrt, np.log1p):
            if _skewness(p) <= skew_limit:
                break
            shift = -min(p.min(), 0.0)  # sqrt/log need x >= 0 (after direction x -1)
            p, r = f(p + shift), f(np.maximum(r + shift, 0.0))
    if normalisation == "z":
        z = (r - p.mean()) / (p.std() or 1.0)
        return np.vectorize(lambda x: 0.5 * math.erfc(-x / math.sqrt(2)))(z).astype(np.float64)
    if normalisation == "rank":
        s = np.sort(p)
        mid = (np.searchsorted(s, r, "left") + np.searchsorted(s, r, "right") - 1) / 2
        return np.where(np.isnan(r), np.nan, np.clip(mid / max(len(s) - 1, 1), 0, 1))
    span = p.max() - p.min()
    return (r - p.min()) / span if span > 0 else np.where(np.isnan(r), np.nan, 0.5)


def indicator_scores(cells: pd.DataFrame, values: pd.DataFrame, directions: Mapping[str, int],
                     method: ScoreboardMethod) -> pd.DataFrame:  # fmt: skip
    """Normalised score of each region and indicator (steps 0 and 2-4 of methodology §8).

    ``cells`` is the output of :func:`impute`. The scale (outlier bounds, skewness, min and
    max) is computed over the panel: every observed value of the regions of ``cells`` in
    every year, plus the imputed values of ``cells``. Returns a wide table region x
    indicator, scores in [0, 1].

    >>> cells = pd.DataFrame({"region": ["A", "B", "C"], "indicator": "u", "year": 2014,
    ...                       "value": [4.0, 6.0, 8.0], "imputed": False})
    >>> indicator_scores(cells, cells, {"u": -1}, ScoreboardMethod())["u"].tolist()
    [1.0, 0.5, 0.0]
    """
    return _scores(_panels(cells, values, directions), method)


def _panels(cells: pd.DataFrame, values: pd.DataFrame,
            directions: Mapping[str, int]) -> dict[str, tuple[Array, Array, pd.Index]]:  # fmt: skip
    """Per indicator: panel and reference values, both multiplied by the direction (step 0)."""
    ref = cells.pivot(index="region", columns="indicator", values="value")
    own = values[values["region"].isin(set(ref.index)) & values["value"].notna()]
    obs = {str(k): g.to_numpy(float) for k, g in own.groupby("indicator")["value"]}
    imp = cells[cells["imputed"] & cells["value"].notna()].groupby("indicator")["value"]
    imp_d = {str(k): g.to_numpy(float) for k, g in imp}
    out = {}
    for ind in ref.columns:
        sign = float(directions[str(ind)])
        panel = np.concatenate([obs.get(str(ind), np.empty(0)), imp_d.get(str(ind), np.empty(0))])
        out[str(ind)] = (sign * panel, sign * ref[ind].to_numpy(float), ref.index)
    return out


def _scores(panels: Mapping[str, tuple[Array, Array, pd.Index]],
            method: ScoreboardMethod) -> pd.DataFrame:  # fmt: skip
    out = {ind: _process(panel, r, outlier_z=method.outlier_z, skew_limit=method.skew_limit,
                         normalisation=method.normalisation)
           for ind, (panel, r, _) in panels.items()}  # fmt: skip
    index = next(iter(panels.values()))[2] if panels else pd.Index([])
    return pd.DataFrame(out, index=index.rename("region"))


@dataclass(frozen=True)
class _Tree:
    """The indicator -> sub-dimension -> dimension hierarchy as 0/1 membership matrices."""

    indicators: list[str]
    subs: list[str]
    dims: list[str]
    ind_sub: Array
    sub_dim: Array

    @classmethod
    def build(cls, catalogue: pd.DataFrame, indicators: Sequence[str],
              dimensions: Sequence[str] | None = None) -> _Tree:  # fmt: skip
        cat = catalogue.set_index("indicator").loc[list(indicators)]
        key = cat["dimension"] + "/" + cat["sub_dimension"]
        subs = sorted(set(key))
        dims = list(dimensions or dict.fromkeys(catalogue["dimension"]))
        ind_sub = (key.to_numpy()[:, None] == np.array(subs)[None, :]).astype(float)
        sub_dim = (np.array([s.split("/")[0] for s in subs])[:, None]
                   == np.array(dims)[None, :]).astype(float)  # fmt: skip
        return cls(list(indicators), subs, dims, ind_sub, sub_dim)


def _wmean(x: Array, w: Array, member: Array) -> Array:
    """Weighted mean of the non-NaN columns of ``x`` per group of ``member`` (NaN if none)."""
    ok = ~np.isnan(x)
    num = (np.where(ok, x, 0.0) * w) @ member
    den = (ok * w) @ member
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def _composite(s: Array, tree: _Tree, min_share: float,
               w: tuple[Array, Array, Array] | None = None) -> Array:  # fmt: skip
    """Dimension and overall scores (columns: ``tree.dims`` + overall) from indicator scores."""
    wi, ws, wd = w or (np.ones(s.shape[1]), np.ones(len(tree.subs)), np.ones(len(tree.dims)))
    sub = _wmean(s, wi, tree.ind_sub)
    dim = _wmean(sub, ws, tree.sub_dim)
    have = (~np.isnan(s)).astype(float) @ tree.ind_sub @ tree.sub_dim
    total = np.ones(s.shape[1]) @ tree.ind_sub @ tree.sub_dim
    dim[have < min_share * np.where(total > 0, total, np.inf)] = np.nan
    with_data = total > 0
    overall = _wmean(dim[:, with_data], wd[with_data], np.ones((with_data.sum(), 1)))
    enough = (~np.isnan(dim[:, with_data])).sum(axis=1) >= min_share * with_data.sum()
    return np.column_stack([dim, np.where(enough[:, None], overall, np.nan)])


def composite(scores: pd.DataFrame, catalogue: pd.DataFrame, method: ScoreboardMethod,
              dimensions: Sequence[str] | None = None) -> pd.DataFrame:  # fmt: skip
    """Equal-weight means indicator -> sub-dimension -> dimension -> overall (step 5, RIS21).

    A dimension needs at least ``method.min_share`` of its indicators that have data; the
    overall score needs that share of the dimensions that have data. A dimension without any
    indicator data is NaN for every region (shown as lacking data).

    >>> cat = pd.DataFrame({"indicator": ["a", "b", "c"], "dimension": ["D", "D", "E"],
    ...                     "sub_dimension": ["s", "t", "u"]})
    >>> sc = pd.DataFrame({"a": [1.0], "b": [0.5], "c": [0.3]}, index=["R"])
    >>> composite(sc, cat, ScoreboardMethod()).round(3).values.tolist()
    [[0.75, 0.3, 0.525]]
    """
    tree = _Tree.build(catalogue, list(scores.columns), dimensions)
    out = _composite(scores.to_numpy(float), tree, method.min_share)
    return pd.DataFrame(out, index=scores.index, columns=[*tree.dims, OVERALL])


def _status(rel: Array, method: ScoreboardMethod) -> npt.NDArray[np.object_]:
    status = np.where(rel >= method.strength, "strength",
                      np.where(rel <= method.weakness, "weakness", "neutral"))  # fmt: skip
    out = status.astype(object)
    out[np.isnan(rel)] = None
    return out


def relative(scores: pd.DataFrame, eu: Sequence[str], peers: pd.DataFrame,
             method: ScoreboardMethod) -> pd.DataFrame:  # fmt: skip
    """``rel = 100·score / mean`` against EU regions and against each region's peers.

    Our default (methodology §8): strength when rel >= 110, weakness when rel <= 90.
    Returns a long table ``region, dimension, score, rel_eu, status_eu, rel_peers,
    status_peers``.

    >>> sc = pd.DataFrame({"D": [0.6, 0.4, 0.5]}, index=["A", "B", "C"])
    >>> p = pd.DataFrame({"region": ["A"], "peer": ["B"]})
    >>> relative(sc, ["A", "B", "C"], p, ScoreboardMethod())[["rel_eu", "rel_peers"]].values.tolist()
    [[120.0, 150.0], [80.0, nan], [100.0, nan]]
    """
    eu_mean = scores.loc[scores.index.isin(set(eu))].mean()
    rel_eu = 100 * scores / eu_mean.where(eu_mean > 0)
    pm = peers[["region", "peer"]].merge(scores.rename_axis(None), left_on="peer", right_index=True)
    pm = pm.groupby("region")[list(scores.columns)].mean()
    pm = pm.reindex(scores.index)
    rel_p = 100 * scores / pm.where(pm > 0)
    long = pd.DataFrame({"score": scores.stack(future_stack=True)})
    long["rel_eu"] = rel_eu.stack(future_stack=True)
    long["rel_peers"] = rel_p.stack(future_stack=True)
    long["status_eu"] = _status(long["rel_eu"].to_numpy(float), method)
    long["status_peers"] = _status(long["rel_peers"].to_numpy(float), method)
    return long.rename_axis(["region", "dimension"]).reset_index()


def suggest_peers(regions: pd.DataFrame, features: pd.DataFrame,
                  portfolio: pd.DataFrame | None, n: int) -> pd.DataFrame:  # fmt: skip
    """The ``n`` nearest regions of the same level (our default, methodology §8).

    Distance: Euclidean over the standardised ``features`` (e.g. GDP per inhabitant PPS and
    log population density; missing features are left out of a pair and the sum rescaled)
    plus the cosine distance of the cluster portfolios (region x category employment
    shares) divided by its standard deviation over all pairs.
    """
    ids = list(regions["region"])
    f = features.reindex(ids).astype(float)
    z = ((f - f.mean()) / f.std(ddof=0).replace(0, np.nan)).to_numpy(float)
    diff = z[:, None, :] - z[None, :, :]
    k = (~np.isnan(diff)).sum(axis=2) + 0.0
    parts = [np.nansum(diff**2, axis=2) * z.shape[1] / np.where(k > 0, k, np.nan)]
    if portfolio is not None and len(portfolio):
        p = portfolio.reindex(ids).fillna(0.0).to_numpy(float)
        norm = np.linalg.norm(p, axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):  # a region without employment: NaN
            cos = 1 - (p @ p.T) / np.outer(np.where(norm > 0, norm, np.nan), norm)
        off = cos[~np.eye(len(ids), dtype=bool)]
        parts.append((cos / (np.nanstd(off) or 1.0)) ** 2)
    d = np.sqrt(sum(parts))
    level = regions["level"].to_numpy()
    d[(level[:, None] != level[None, :]) | np.eye(len(ids), dtype=bool)] = np.nan
    rows = [(ids[i], ids[j], float(d[i, j]))
            for i in range(len(ids)) for j in np.argsort(d[i])[:n] if not np.isnan(d[i, j])]
    return pd.DataFrame(rows, columns=["region", "peer", "distance"])


def _variants(cells: pd.DataFrame, values: pd.DataFrame, directions: Mapping[str, int],
              method: ScoreboardMethod) -> list[pd.DataFrame]:  # fmt: skip
    """Indicator scores under every combination of the Monte Carlo choices."""
    without = cells.assign(value=cells["value"].where(~cells["imputed"]), imputed=False)
    panels = [_panels(c, values, directions) for c in (cells, without)]
    return [
        _scores(p, method.with_(normalisation=norm, outlier_z=cut, skew_limit=skew))
        for norm in method.mc_normalisations for cut in method.mc_outlier_z
        for skew in (method.skew_limit or 1.0, None) for p in panels
    ]  # fmt: skip


def robustness(cells: pd.DataFrame, values: pd.DataFrame, catalogue: pd.DataFrame,
               dimensions: Sequence[str], eu: Sequence[str], baseline: pd.DataFrame,
               method: ScoreboardMethod) -> pd.DataFrame:  # fmt: skip
    """Monte Carlo ranks and robust strengths/weaknesses (ours, methodology §8).

    Each of ``method.runs`` runs (seeded with ``method.seed``) draws Dirichlet(1, ..., 1)
    weights of indicators, sub-dimensions and dimensions, a normalisation (min-max, z through
    the normal CDF, percentile rank), an outlier cut (2 or 3 SD), the skew transform on or
    off and imputation on or off. Returns ``region, dimension, rank_p05, rank_median,
    rank_p95, robust``; ``robust`` is True when the baseline ``status_eu`` (strength or
    weakness) holds in at least ``method.robust_share`` of the runs, NaN when neutral.
    """
    directions = dict(zip(catalogue["indicator"], catalogue["direction"], strict=True))
    variants = _variants(cells, values, directions, method)
    tree = _Tree.build(catalogue, list(variants[0].columns), dimensions)
    cols = [*tree.dims, OVERALL]
    is_eu = variants[0].index.isin(set(eu))
    rng = np.random.default_rng(method.seed)
    ranks = np.full((method.runs, len(is_eu), len(cols)), np.nan)
    rels = np.full_like(ranks, np.nan)
    for r in range(method.runs):
        s = variants[int(rng.integers(len(variants)))].to_numpy(float)
        w = tuple(rng.dirichlet(np.ones(n)) * n for n in (s.shape[1], len(tree.subs), len(tree.dims)))
        comp = _composite(s, tree, method.min_share, w)  # type: ignore[arg-type]
        ranks[r] = pd.DataFrame(comp).rank(ascending=False, method="min").to_numpy(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            rels[r] = 100 * comp / np.nanmean(np.where(is_eu[:, None], comp, np.nan), axis=0)
    p05, p50, p95 = np.nanpercentile(ranks, [5, 50, 95], axis=0) if method.runs else (ranks[0],) * 3
    base = baseline.set_index(["region", "dimension"])["status_eu"]
    index = pd.MultiIndex.from_product([variants[0].index, cols], names=["region", "dimension"])
    status = base.reindex(index).to_numpy(object).reshape(len(is_eu), len(cols))
    held = np.where(status == "strength", (rels >= method.strength).mean(axis=0),
                    np.where(status == "weakness", (rels <= method.weakness).mean(axis=0), np.nan))
    robust = (held >= method.robust_share).astype(object)
    robust[np.isnan(held)] = None
    return pd.DataFrame({"rank_p05": p05.ravel(), "rank_median": p50.ravel(),
                         "rank_p95": p95.ravel(), "robust": robust.ravel()},
                        index=index).reset_index()  # fmt: skip


def compute(values: pd.DataFrame, regions: pd.DataFrame, catalogue: pd.DataFrame,
            dimensions: Sequence[str], year: int, method: ScoreboardMethod, *,
            features: pd.DataFrame | None = None,
            portfolio: pd.DataFrame | None = None) -> ScoreboardResult:  # fmt: skip
    """The whole scoreboard for ``year`` (methodology §8).

    Parameters
    ----------
    values:
        ``region, indicator, year, value`` at any NUTS level (parents feed the imputation).
    regions:
        The regions scored: ``region, level, eu`` (``eu``: part of the EU reference mean).
    catalogue:
        ``indicator, dimension, sub_dimension, direction``.
    dimensions:
        All dimensions, in order (those without data come out as NaN).
    year:
        The scoreboard year; each indicator takes its nearest well-covered year.
    features, portfolio:
        Peer features (index region) and cluster portfolio (region x category shares).
    """
    ids = sorted(regions["region"])
    years = reference_years(values, ids, year, method)
    cat = catalogue[catalogue["indicator"].isin(set(years))]
    cells = impute(values, ids, years, method)
    directions = dict(zip(cat["indicator"], cat["direction"], strict=True))
    scores = indicator_scores(cells, values, directions, method)
    tree = _Tree.build(cat, list(scores.columns), dimensions)
    comp = pd.DataFrame(_composite(scores.to_numpy(float), tree, method.min_share),
                        index=scores.index, columns=[*tree.dims, OVERALL])  # fmt: skip
    peers = (suggest_peers(regions, features, portfolio, method.n_peers) if features is not None
             else pd.DataFrame(columns=["region", "peer", "distance"]))  # fmt: skip
    eu = list(regions.loc[regions["eu"].astype(bool), "region"])
    rel = relative(comp, eu, peers, method)
    rel["rank"] = rel.groupby("dimension")["score"].rank(ascending=False, method="min")
    rob = robustness(cells, values, cat, dimensions, eu, rel, method)
    out = rel.merge(rob, on=["region", "dimension"], how="left")
    out = out.merge(regions[["region", "level"]], on="region")
    long = pd.DataFrame({"score": scores.rename_axis(index="region", columns="indicator").stack()})
    ind = cells.merge(long.reset_index(), on=["region", "indicator"], how="left")
    return ScoreboardResult(ind, out, peers, years)

"""Relatedness and complexity (methodology §6 co-location, §7), on dense numpy matrices.

Input is a long table ``region, category, year, employment``; each year becomes a dense
region x category matrix X (NaN -> 0; regions and categories whose total is 0 dropped).

Complexity reproduces the Growth Lab's Stata ``ecomplexity`` command (default options: RCA
threshold 1, discrete symmetric proximity, no knn, no leave-out), the §7 reference:

- ``RCA = (X_rc/Σ_c X_rc)/(Σ_r X_rc/ΣΣX)``, ``M = 1[RCA > 1]`` (strict, as the Stata code)
- proximity ``φ(c,c') = Σ_r M_rc·M_rc'/max(k_c, k_c')``, **diagonal 0**
- density ``ω(r,c) = Σ_c' M_rc'·φ(c',c)/Σ_c' φ(c',c)`` (the diagonal drops out)
- ECI/PCI from the eigenvector of the 2nd-largest eigenvalue of
  ``Ñ(c,c') = Σ_r M_rc·M_rc'/(k_r·k_c)``; sign +1 unless corr(k_r, eci) <= 0
- COI, COG; ECI, PCI and COG scaled by the mean and standard deviation of eci over the
  year's region x category rows (ddof 1, Stata ``summarize``), COI a z-score the same way

Ñ is similar to the symmetric ``D_c^{-1/2} M' D_r^{-1} M D_c^{-1/2}``, so its eigenvectors come
from ``numpy.linalg.eigh`` (real, sorted eigenvalues); every output is invariant to the scale
of the eigenvector. A year whose ``λ2/λ3 < 1.1`` (our default) is flagged ``weak_eigengap``:
its ECI/PCI are unstable.

Co-location relatedness (§6, our default): ``CL(c,c')`` = Pearson correlation over regions of
``E(r,c)/E(c)`` and ``E(r,c')/E(c')``; :func:`spearman` compares it with the US ``cr_lcemp``.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from clusterobs.errors import MethodError

Array = npt.NDArray[np.float64]
#: λ2/λ3 below this ratio flags a year's ECI/PCI as unstable (our default, §7)
EIGENGAP_MIN = 1.1
OUTPUT_COLUMNS = ("year", "region", "category", "rca", "mcp", "diversity", "ubiquity",
                  "density", "eci", "pci", "coi", "cog", "flag")


@dataclass(frozen=True)
class Cube:
    """Dense ``values[year, region, category]`` (NaN -> 0) with sorted labels."""

    years: npt.NDArray[np.int64]
    regions: pd.Index
    categories: pd.Index
    values: Array


@dataclass(frozen=True)
class YearComplexity:
    """All §7 quantities of one year's matrix (rows = regions, columns = categories)."""

    rca: Array
    mcp: Array
    proximity: Array
    density: Array
    eci: Array
    pci: Array
    coi: Array
    cog: Array
    eigengap: float

    @property
    def flag(self) -> str | None:
        """``weak_eigengap`` when λ2/λ3 < :data:`EIGENGAP_MIN`, else None."""
        return "weak_eigengap" if self.eigengap < EIGENGAP_MIN else None


def cube(frame: pd.DataFrame, value: str = "employment") -> Cube:
    """The long table as a dense year x region x category array (NaN and absent -> 0).

    Duplicate keys keep their first row (as PYEC does).

    Examples
    --------
    >>> f = pd.DataFrame({"region": ["B", "A", "A"], "category": ["x", "x", "y"],
    ...                   "year": 2014, "employment": [1.0, None, 3.0]})
    >>> c = cube(f)
    >>> list(c.regions), list(c.categories), c.values.tolist()
    (['A', 'B'], ['x', 'y'], [[[0.0, 3.0], [1.0, 0.0]]])
    """
    _require(frame, ("region", "category", "year", value))
    y, years = pd.factorize(frame["year"], sort=True)
    r, regions = pd.factorize(frame["region"], sort=True)
    c, categories = pd.factorize(frame["category"], sort=True)
    values = np.zeros((len(years), len(regions), len(categories)))
    vals = np.nan_to_num(frame[value].to_numpy(dtype="float64", na_value=np.nan))
    values[y[::-1], r[::-1], c[::-1]] = vals[::-1]
    return Cube(np.asarray(years, dtype="int64"), pd.Index(regions), pd.Index(categories), values)


def rca(x: Array) -> Array:
    """Balassa RCA on the closed matrix: ``(X_rc/X_r)/(X_c/X)``.

    Examples
    --------
    >>> rca(np.array([[2.0, 2.0], [0.0, 4.0]])).round(3).tolist()
    [[2.0, 0.667], [0.0, 1.333]]
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        return (x / x.sum(axis=1, keepdims=True)) / (x.sum(axis=0, keepdims=True) / x.sum())


def proximity(mcp: Array) -> Array:
    """HID07 proximity ``Σ_r M_rc M_rc' / max(k_c, k_c')`` with a zero diagonal (Stata).

    Examples
    --------
    Regions: A has x and y, B has y only; k_x = 1, k_y = 2, co-occurrence 1: φ = 1/2.

    >>> proximity(np.array([[1.0, 1.0], [0.0, 1.0]])).tolist()
    [[0.0, 0.5], [0.5, 0.0]]
    """
    ubiquity = mcp.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        phi = (mcp.T @ mcp) / np.maximum(ubiquity[:, None], ubiquity[None, :])
    np.fill_diagonal(phi, 0.0)
    return phi


def density(mcp: Array, phi: Array) -> Array:
    """``ω(r,c) = Σ_c' M_rc' φ(c',c) / Σ_c' φ(c',c)``; with the zero diagonal, c' ≠ c.

    Examples
    --------
    >>> m = np.array([[1.0, 1.0, 0.0], [0.0, 1.0, 1.0]])
    >>> density(m, proximity(m)).round(3).tolist()  # φ(x,y) = φ(y,z) = 1/2, φ(x,z) = 0
    [[1.0, 0.5, 1.0], [1.0, 0.5, 1.0]]
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        return (mcp @ phi) / phi.sum(axis=0)[None, :]


def eigen_complexity(mcp: Array) -> tuple[Array, Array, float]:
    """Unnormalised (eci, pci) by the Stata sign rule, and the eigengap λ2/λ3.

    The sign is -1 when ``corr(k_r, eci) <= 0`` and +1 otherwise (also when the correlation
    is undefined, as Stata's missing compares above 0). Rows (regions) and columns
    (categories) without any 1 get no value (NaN), as Stata leaves them missing.
    """
    k_r, k_c = mcp.sum(axis=1), mcp.sum(axis=0)
    rows, cols = k_r > 0, k_c > 0
    eci, pci = np.full(mcp.shape[0], np.nan), np.full(mcp.shape[1], np.nan)
    if rows.sum() < 2 or cols.sum() < 2:  # no second eigenvector: undefined, as in Stata
        return eci, pci, float("nan")
    sub = mcp[np.ix_(rows, cols)]
    kr_, kc_ = k_r[rows], k_c[cols]
    scaled = sub / np.sqrt(kr_)[:, None] / np.sqrt(kc_)[None, :]
    values, vectors = np.linalg.eigh(scaled.T @ scaled)
    kp = vectors[:, -2] / np.sqrt(kc_)
    kr = (sub @ kp) / kr_
    with np.errstate(divide="ignore", invalid="ignore"):
        corr = np.corrcoef(kr_, kr)[0, 1]
    sign = -1.0 if corr <= 0 else 1.0
    third = values[-3] if len(values) >= 3 else 0.0
    gap = float(values[-2] / third) if third > 0 else float("inf")
    eci[rows], pci[cols] = sign * kr, sign * kp
    return eci, pci, gap


def row_moments(values: Array, repeat: int) -> tuple[float, float]:
    """Mean and standard deviation (ddof 1) of *values* each repeated *repeat* times.

    Stata's ``summarize`` of a region-level variable in the long region x category table.

    Examples
    --------
    >>> row_moments(np.array([0.0, 2.0]), 2)  # rows 0, 0, 2, 2: var = 4/3
    (1.0, 1.1547005383792515)
    """
    rows = np.repeat(values[~np.isnan(values)], repeat)
    if rows.size < 2:
        return float("nan"), float("nan")
    return float(rows.mean()), float(rows.std(ddof=1))


def year_complexity(x: Array, threshold: float = 1.0) -> YearComplexity:
    """Every §7 quantity of one year's matrix, normalised as Stata ``ecomplexity``.

    Every row and column of *x* must have a positive total (see :func:`complexity`).

    Examples
    --------
    A staircase: A makes x, y, z; B makes y, z; C makes z only. RCA of A: x (1/3)/(1/18) = 6,
    y (1/3)/(4/18) = 1.5, z (1/3)/(13/18) = 0.46; B: y 2.25, z 0.69; C: z 1.38. The most
    diversified region gets the highest ECI; ECI has mean 0 and standard deviation 1 over
    the 9 region x category rows.

    >>> c = year_complexity(np.array([[1.0, 1, 1], [0, 3, 3], [0, 0, 9]]))
    >>> c.mcp.astype(int).tolist()
    [[1, 1, 0], [0, 1, 0], [0, 0, 1]]
    >>> mean, sd = row_moments(c.eci, 3)
    >>> bool(c.eci[0] > c.eci[2]), round(abs(mean), 9), round(sd, 9)
    (True, 0.0, 1.0)
    """
    if x.ndim != 2 or x.size == 0 or (x < 0).any():
        raise MethodError("complexity needs a non-empty, non-negative region x category matrix")
    n_c = x.shape[1]
    r = rca(x)
    m = np.where(np.nan_to_num(r) > threshold, 1.0, 0.0)
    phi = proximity(m)
    omega = density(m, phi)
    eci, pci, gap = eigen_complexity(m)
    coi = np.nansum((omega * (1 - m)) * pci, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        cog = (1 - m) * ((1 - m) @ (phi * (pci / phi.sum(axis=1))[:, None]))
    mean, sd = row_moments(eci, n_c)
    coi_mean, coi_sd = row_moments(coi, n_c)
    return YearComplexity(
        rca=r, mcp=m, proximity=phi, density=omega, eci=(eci - mean) / sd,
        pci=(pci - mean) / sd, coi=(coi - coi_mean) / coi_sd, cog=cog / sd, eigengap=gap)


def complexity(frame: pd.DataFrame, value: str = "employment",
               threshold: float = 1.0) -> pd.DataFrame:
    """Long table of §7 results for every year: the columns of :data:`OUTPUT_COLUMNS`.

    Each year keeps the regions and categories whose total is not 0 (absent cells count as
    0). Rows and values equal Stata's ``ecomplexity value, i(region) p(category) t(year)``
    with ``rca(threshold)`` on those cells; ``flag`` is ``weak_eigengap`` for unstable years.
    """
    data = cube(frame, value)
    parts: list[dict[str, npt.NDArray]] = []
    for k, year in enumerate(data.years):
        x = data.values[k]
        rows, cols = np.flatnonzero(x.sum(axis=1) != 0), np.flatnonzero(x.sum(axis=0) != 0)
        if len(rows) and len(cols):
            result = year_complexity(x[np.ix_(rows, cols)], threshold)
            parts.append(_columns(int(year), rows, cols, result))
    if not parts:
        return pd.DataFrame({c: [] for c in OUTPUT_COLUMNS})
    columns: dict[str, Any] = {name: np.concatenate([p[name] for p in parts]) for name in parts[0]}
    columns["region"] = data.regions.take(columns.pop("_r"))
    columns["category"] = data.categories.take(columns.pop("_c"))
    return pd.DataFrame({name: columns[name] for name in OUTPUT_COLUMNS})


def _columns(year: int, rows: npt.NDArray[np.intp], cols: npt.NDArray[np.intp],
             c: YearComplexity) -> dict[str, npt.NDArray]:
    n_r, n_c = len(rows), len(cols)
    return {
        "year": np.full(n_r * n_c, year, dtype="int64"),
        "_r": np.repeat(rows, n_c), "_c": np.tile(cols, n_r),
        "rca": c.rca.ravel(), "mcp": c.mcp.ravel().astype("int64"),
        "diversity": np.repeat(c.mcp.sum(axis=1), n_c), "ubiquity": np.tile(c.mcp.sum(axis=0), n_r),
        "density": c.density.ravel(),
        "eci": np.repeat(c.eci, n_c), "pci": np.tile(c.pci, n_r),
        "coi": np.repeat(c.coi, n_c), "cog": c.cog.ravel(),
        "flag": np.full(n_r * n_c, c.flag, dtype=object),
    }


def opportunities(result: pd.DataFrame, exclude: Collection[str] = ()) -> pd.DataFrame:
    """Ranked diversification opportunities: categories with M = 0 in each region and year.

    The rule (§7, "ranked by ω and COG"; ours: equal weight to both): within a region-year,
    each candidate's density ω and opportunity gain COG are turned into percentile scores
    (1 = the best of the region's candidates, ``(n - rank + 1) / n`` with average ranks for
    ties); ``score`` is their mean and ``rank`` 1 = the highest score, ties broken by
    density. Sorting by ``score`` is sorting by ``rank``, so a table showing both reads in
    order. ``complexity`` is the category's PCI. Categories in *exclude* (those whose location
    is set by natural deposits: a region cannot diversify into coal mining without coal) are
    not candidates.

    Examples
    --------
    >>> r = pd.DataFrame({"year": 2014, "region": "A", "category": ["x", "y", "z", "w", "v"],
    ...                   "mcp": [0, 0, 0, 1, 0], "density": [0.2, 0.5, 0.4, 0.9, 0.6],
    ...                   "cog": [0.3, 0.1, 0.2, 0.0, 0.9], "pci": [1.0, -1.0, 0.5, 0.0, 0.2],
    ...                   "flag": None})
    >>> opportunities(r, exclude=["v"])[["category", "score", "rank"]].values.tolist()
    [['y', 0.6666666666666666, 1], ['z', 0.6666666666666666, 2], ['x', 0.6666666666666666, 3]]
    >>> opportunities(r)[["category", "score", "rank"]].values.tolist()[0]
    ['v', 1.0, 1]
    """
    keep = (result["mcp"] == 0) & ~result["category"].astype(str).isin([str(c) for c in exclude])
    t = result.loc[keep, ["year", "region", "category", "density", "cog", "pci", "flag"]].rename(
        columns={"pci": "complexity"})
    by = t.groupby(["year", "region"])
    n = by["density"].transform("size")
    t = t.assign(score=((n - by["density"].rank(ascending=False) + 1) / n
                        + (n - by["cog"].rank(ascending=False) + 1) / n) / 2)
    t = t.sort_values(["year", "region", "score", "density"], ascending=[True, True, False, False])
    t["rank"] = t.groupby(["year", "region"]).cumcount().astype("int64") + 1
    return t.reset_index(drop=True)


def colocation(frame: pd.DataFrame, value: str = "employment") -> pd.DataFrame:
    """Co-location relatedness CL(c,c') of one year (§6): a symmetric category x category frame.

    Examples
    --------
    x and y are spread alike over three regions, z the other way round:

    >>> f = pd.DataFrame({"region": list("ABCABCABC"), "category": list("xxxyyyzzz"),
    ...                   "employment": [1.0, 2, 3, 2, 4, 6, 3, 2, 1]})
    >>> colocation(f).round(3).values.tolist()
    [[1.0, 1.0, -1.0], [1.0, 1.0, -1.0], [-1.0, -1.0, 1.0]]
    """
    _require(frame, ("region", "category", value))
    x = frame.pivot_table(index="region", columns="category", values=value,
                          aggfunc="first", dropna=False).fillna(0.0).astype("float64")
    x = x.loc[:, x.sum(axis=0) > 0]
    shares = x / x.sum(axis=0)
    corr = np.corrcoef(shares.to_numpy(), rowvar=False)
    return pd.DataFrame(np.atleast_2d(corr), index=x.columns, columns=x.columns)


def pairs(matrix: pd.DataFrame, name: str) -> pd.DataFrame:
    """Unordered pairs ``category_a < category_b`` (as strings) of a symmetric frame."""
    a, b = np.triu_indices(len(matrix), k=1)
    labels = matrix.index.astype(str).to_numpy()
    out = pd.DataFrame({"category_a": labels[a], "category_b": labels[b],
                        name: matrix.to_numpy()[a, b]})
    swap = out["category_a"] > out["category_b"]
    out.loc[swap, ["category_a", "category_b"]] = out.loc[swap, ["category_b", "category_a"]].values
    return out


def spearman(cl: pd.DataFrame, us: pd.DataFrame, column: str = "cr_lcemp") -> tuple[float, int]:
    """Spearman correlation of CL with a US related-cluster score over unordered pairs.

    *us* holds ``clustera, clusterb`` (US category numbers) and *column*; pairs present in
    both, with a value, are compared. Returns (rho, number of pairs).

    Examples
    --------
    >>> cl = pd.DataFrame([[1, .9, .1], [.9, 1, .5], [.1, .5, 1]], index=["1", "2", "3"],
    ...                   columns=["1", "2", "3"])
    >>> us = pd.DataFrame({"clustera": [1, 1, 2], "clusterb": [2, 3, 3],
    ...                    "cr_lcemp": [0.7, 0.0, 0.2]})
    >>> spearman(cl, us)
    (1.0, 3)
    """
    ours = pairs(cl, "cl")
    theirs = pd.DataFrame({"a": us["clustera"].astype(str), "b": us["clusterb"].astype(str),
                           "us": us[column].astype("float64")})
    lo, hi = theirs[["a", "b"]].min(axis=1), theirs[["a", "b"]].max(axis=1)
    keyed = theirs.assign(category_a=lo, category_b=hi).groupby(
        ["category_a", "category_b"], as_index=False)["us"].mean()
    both = ours.merge(keyed, on=["category_a", "category_b"]).dropna(subset=["cl", "us"])
    if len(both) < 3:
        raise MethodError(f"too few common category pairs to correlate: {len(both)}")
    rho = np.corrcoef(both["cl"].rank(), both["us"].rank())[0, 1]
    return float(rho), len(both)


def _require(frame: pd.DataFrame, columns: tuple[str, ...]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise MethodError(f"relatedness input lacks columns {missing}: got {list(frame.columns)}")

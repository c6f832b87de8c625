"""Carrying US Cluster Mapping categories to NACE Rev.2 (methodology §2b) and §2c weights.

Pure functions: tables in, tables out. The inputs come from ``clusterobs.sources``:

- *links*: the NAICS 2017 -> NACE Rev.2 concordance, columns ``naics``, ``nace``, ``notes``;
- *categories*: NAICS -> category, columns ``naics``, ``category`` (missing = unassigned);
- *employment*: US employment ``e(n)``, columns ``naics``, ``employment``.

The steps of §2b are: link shares ``s(n,j)`` (:func:`link_shares`); class masses
``u(j,c) = Σ_{n: cat(n)=c} e(n)·s(n,j)`` and weights ``w(j,c) = u(j,c)/U(j)`` with the count
fallback for classes with ``U(j) = 0`` (:func:`class_weights`); purity and traded share
(:func:`summarise`); aggregation to the data level ``d`` (:func:`data_level_weights`).
§2c division weights of class-defined categories are :func:`membership_weights`.

NAICS codes absent from *categories*, or with an empty category, are *unassigned*: their
mass stays in the denominator, so ``Σ_c w(j,c) ≤ 1`` and the rest is unassigned (§1).
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import pandas as pd

from clusterobs.errors import MethodError

LINK_METHODS = ("residual_major", "equal")
EMPLOYMENT = "employment"
COUNT = "count"
#: NACE divisions whose data (Eurostat SBS) come at group level (methodology §2b step 5).
GROUP_LEVEL_DIVISIONS = frozenset({"45", "46", "47"})


def data_level_code(code: str) -> str:
    """Data-level code ``d`` of a Eurostat NACE code: its division, or group in G45-G47.

    Examples
    --------
    >>> data_level_code("C2011"), data_level_code("G4511"), data_level_code("A012")
    ('C20', 'G451', 'A01')
    """
    return code[:4] if code[1:3] in GROUP_LEVEL_DIVISIONS else code[:3]


def link_shares(
    links: pd.DataFrame, method: str = "residual_major", minor_share: float = 0.05
) -> pd.DataFrame:
    """Share ``s(n,j)`` of NAICS code n carried to each linked NACE class j (§2b step 1).

    ``residual_major``: when a code has k > 1 links and exactly one link's note starts with
    "Except" (case-insensitive), that residual link gets ``1 - minor_share·(k-1)`` and the
    others ``minor_share`` each; otherwise ``1/k``. ``equal``: ``1/k`` always.

    Examples
    --------
    >>> links = pd.DataFrame({"naics": ["1", "1", "1", "2"], "nace": ["A", "B", "C", "A"],
    ...                       "notes": ["Except x", "x", "y", ""]})
    >>> link_shares(links)["share"].round(2).tolist()
    [0.9, 0.05, 0.05, 1.0]
    >>> link_shares(links, "equal")["share"].round(2).tolist()
    [0.33, 0.33, 0.33, 1.0]
    """
    if method not in LINK_METHODS:
        raise MethodError(f"link share method {method!r}: expected one of {LINK_METHODS}")
    k = links.groupby("naics")["nace"].transform("size").to_numpy(dtype=float)
    share = 1.0 / k
    if method == "residual_major":
        is_except = links["notes"].fillna("").str.strip().str.lower().str.startswith("except")
        n_except = is_except.groupby(links["naics"]).transform("sum").to_numpy()
        residual = (k > 1) & (n_except == 1)
        major = 1.0 - minor_share * (k - 1)
        if np.any(residual & (major < minor_share)):
            raise MethodError(
                f"minor_share={minor_share} leaves the residual link less than the others"
            )
        share = np.where(residual, np.where(is_except.to_numpy(), major, minor_share), share)
    out = links[["naics", "nace"]].copy()
    out["share"] = share
    return out.reset_index(drop=True)


def naics_employment(cbp: pd.DataFrame) -> pd.DataFrame:
    """US employment ``e(n)``: CBP ``emp`` summed over areas by ``naics_code`` (§2b).

    >>> naics_employment(pd.DataFrame({"naics_code": ["1", "1", "2"], "emp": [3, 4, 0]}))
      naics  employment
    0     1           7
    1     2           0
    """
    total = cbp.groupby("naics_code")["emp"].sum().rename_axis("naics")
    return total.reset_index(name="employment")


def class_masses(
    shares: pd.DataFrame, categories: pd.DataFrame, employment: pd.DataFrame | None
) -> pd.DataFrame:
    """Masses ``u(j,c) = Σ_{n: cat(n)=c} e(n)·s(n,j)`` (§2b step 2), long form.

    With ``employment=None`` every code counts 1 (the count basis of step 4). Returns
    ``nace``, ``category`` (NaN = unassigned) and ``mass`` for every (class, category) met.
    """
    table = shares.merge(categories[["naics", "category"]], on="naics", how="left")
    if employment is None:
        table["mass"] = table["share"]
    else:
        e = employment.set_index("naics")["employment"]
        table["mass"] = table["share"] * table["naics"].map(e).fillna(0.0).astype(float)
    grouped = table.groupby(["nace", "category"], dropna=False)["mass"].sum()
    return grouped.reset_index(name="mass")


def class_totals(
    shares: pd.DataFrame, categories: pd.DataFrame, employment: pd.DataFrame
) -> pd.DataFrame:
    """Per class j: ``U`` (employment assigned to categories) and ``unassigned`` (§2b step 2).

    Indexed by ``nace``; every class of *shares* appears, zeros included.
    """
    masses = class_masses(shares, categories, employment)
    assigned = masses["category"].notna()
    total = pd.DataFrame(index=pd.Index(sorted(shares["nace"].unique()), name="nace"))
    total["U"] = masses[assigned].groupby("nace")["mass"].sum()
    total["unassigned"] = masses[~assigned].groupby("nace")["mass"].sum()
    return total.fillna(0.0)


def _normalise(masses: pd.DataFrame, basis: str) -> pd.DataFrame:
    denominator = masses.groupby("nace")["mass"].transform("sum")
    out = masses[masses["category"].notna() & (masses["mass"] > 0)].copy()
    out["weight"] = out["mass"] / denominator[out.index]
    out["basis"] = basis
    return out


def class_weights(
    shares: pd.DataFrame, categories: pd.DataFrame, employment: pd.DataFrame
) -> pd.DataFrame:
    """Class weights ``w(j,c) = u(j,c)/U(j)`` with the count fallback (§2b steps 2-4).

    Classes with ``U(j) = 0`` are redone with ``e(n) := 1`` and get ``basis = 'count'``.

    Returns
    -------
    DataFrame ``nace, category, u, weight, basis``: one row per class and assigned
    category with positive weight; ``u`` is the employment mass (0 on the count basis).
    """
    totals = class_totals(shares, categories, employment)
    by_employment = class_masses(shares, categories, employment)
    zero = set(totals.index[totals["U"] <= 0])
    employed = _normalise(by_employment[~by_employment["nace"].isin(zero)], EMPLOYMENT)
    counted = class_masses(shares[shares["nace"].isin(zero)], categories, None)
    counted = _normalise(counted, COUNT)
    employed["u"] = employed["mass"]
    counted["u"] = 0.0
    out = pd.concat([employed, counted], ignore_index=True)
    out = out[["nace", "category", "u", "weight", "basis"]]
    return out.sort_values(["nace", "category"]).reset_index(drop=True)


def summarise(weights: pd.DataFrame, key: str, traded: Collection[object]) -> pd.DataFrame:
    """Purity ``max_c w``, traded share ``Σ_{c traded} w`` and assigned share ``Σ_c w`` (§2b 3).

    *weights* is a long table with columns *key*, ``category``, ``weight`` (``basis`` kept
    when present); *traded* holds the traded categories.

    >>> w = pd.DataFrame({"nace": ["A", "A"], "category": [1, 101], "weight": [0.7, 0.3]})
    >>> summarise(w, "nace", {1}).round(2).to_dict("records")
    [{'nace': 'A', 'purity': 0.7, 'traded_share': 0.7, 'assigned': 1.0}]
    """
    table = weights.assign(
        traded_weight=weights["weight"].where(weights["category"].isin(traded), 0.0)
    )
    grouped = table.groupby(key)
    out = pd.DataFrame(
        {
            "purity": grouped["weight"].max(),
            "traded_share": grouped["traded_weight"].sum(),
            "assigned": grouped["weight"].sum(),
        }
    )
    if "basis" in weights.columns:
        out["basis"] = grouped["basis"].first()
    return out.reset_index()


def data_level_weights(
    weights: pd.DataFrame, totals: pd.DataFrame, data_code: dict[str, str]
) -> pd.DataFrame:
    """Weights of the data-level codes d (§2b step 5).

    ``w(d,c) = Σ_{j∈d} u(j,c) / Σ_{j∈d} U(j)`` (unassigned employment in the denominator);
    where ``U(d) = 0``: the mean over the classes of d of their count-based weights.

    Parameters
    ----------
    weights: output of :func:`class_weights`.
    totals: output of :func:`class_totals`.
    data_code: class -> data-level code (see :func:`data_level_code`).

    Returns
    -------
    DataFrame ``industry, category, weight, basis`` (positive weights only).
    """
    classes = totals.assign(industry=totals.index.map(data_code), mass=totals.sum(axis=1))
    denominator = classes.groupby("industry")["mass"].sum()
    n_classes = classes.groupby("industry").size()
    table = weights.assign(industry=weights["nace"].map(data_code))
    zero_d = set(denominator.index[denominator <= 0])
    employed = table[~table["industry"].isin(zero_d)]
    employed = employed.groupby(["industry", "category"])["u"].sum().reset_index(name="u")
    employed["weight"] = employed["u"].astype(float) / employed["industry"].map(denominator).astype(
        float
    )
    employed["basis"] = EMPLOYMENT
    counted = table[table["industry"].isin(zero_d)]
    counted = counted.groupby(["industry", "category"])["weight"].sum().reset_index(name="weight")
    counted["weight"] = counted["weight"].astype(float) / counted["industry"].map(n_classes).astype(
        float
    )
    counted["basis"] = COUNT
    out = pd.concat([employed, counted], ignore_index=True)
    out = out[out["weight"] > 0][["industry", "category", "weight", "basis"]]
    return out.sort_values(["industry", "category"]).reset_index(drop=True)


def membership_weights(
    totals: pd.DataFrame, members: pd.DataFrame, data_code: dict[str, str]
) -> pd.DataFrame:
    """§2c division weights ``w(d,k) = Σ_{j∈d∩k} f(j)·U(j) / U(d)`` of class-defined categories.

    Parameters
    ----------
    totals: output of :func:`class_totals` (``U + unassigned`` is the class's US employment).
    members: ``category``, ``nace`` (class), ``fraction`` f(j) in (0, 1] (partial classes).
    data_code: class -> data-level code d.

    Where ``U(d) = 0`` the class count replaces employment: ``Σ f(j) / |classes of d|``.
    Returns ``industry, category, weight, basis`` (positive weights only).
    """
    unknown = sorted(set(members["nace"]) - set(totals.index))
    if unknown:
        raise MethodError(f"member classes not in the concordance: {unknown}")
    employment = totals.sum(axis=1)
    classes = pd.DataFrame({"employment": employment, "industry": employment.index.map(data_code)})
    u_d = classes.groupby("industry")["employment"].sum()
    n_d = classes.groupby("industry").size()
    table = members.assign(industry=members["nace"].map(data_code))
    table["u"] = table["fraction"] * table["nace"].map(employment)
    out = table.groupby(["industry", "category"], as_index=False)[["u", "fraction"]].sum()
    positive = out["industry"].map(u_d) > 0
    out["weight"] = np.where(
        positive,
        out["u"] / out["industry"].map(u_d).where(positive, 1.0),
        out["fraction"] / out["industry"].map(n_d),
    )
    out["basis"] = np.where(positive, EMPLOYMENT, COUNT)
    out = out[out["weight"] > 0][["industry", "category", "weight", "basis"]]
    return out.sort_values(["industry", "category"]).reset_index(drop=True)

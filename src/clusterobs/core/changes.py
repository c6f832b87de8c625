"""Star changes between two Panorama editions (methodology §6): change log and transition matrix.

An edition is summarised by a :class:`Snapshot`: its rated clusters at the edition's
headline year, with the indicator values behind each criterion, and the metadata that
decides the cause of a change. :func:`change_log` compares two snapshots and returns one
row per

- ``rating``: a cluster (scheme, method, region, category) whose stars differ (a cluster
  absent from an edition counts as 0 stars, with sub-cause ``not_covered``);
- ``criterion``: a criterion of a method met in one edition and not in the other, with
  ``value_t0, value_t1, cut_t0, cut_t1`` (the top-share cut, the LQ threshold or, for the
  US rule, the LQ quantile);
- ``rank``: a notable rank move: a region entering or leaving a category's top
  :data:`TOP_N` by employment (per scheme and NUTS level), or moving at least
  :data:`RANK_MOVE` places within it.

Cause, first match (methodology §6, our order): ``nuts`` (NUTS versions differ) ->
``scheme`` (scheme versions differ) -> ``methodology`` (other Methodology fields differ:
fingerprints differ) -> ``data_revision``
(same headline year, or the t1 edition revised the cluster's t0-year values) ->
``new_data_year``, whose sub-cause is ``own_value`` when the t1 value measured against the
t0 cut flips the criterion, ``threshold_shift`` when it does not, and ``not_covered``
when the cluster has no data in one edition. Sub-causes are left empty where no single
value and cut decide a criterion (the US rule also tests employment and establishments).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from clusterobs.core.methodology import Methodology

KEY = ["scheme", "method", "level", "region", "category"]
GROUP = ["scheme", "method", "level", "category"]
TOP_N = 10
RANK_MOVE = 3
STAR_LABELS = ["not rated", "0", "1", "2", "3", "4"]
#: columns of a change log, in order
COLUMNS = [
    "kind", "scheme", "method", "level", "region", "category", "criterion", "change",
    "stars_t0", "stars_t1", "value_t0", "value_t1", "cut_t0", "cut_t1", "rank_t0", "rank_t1",
    "cause", "sub_cause",
]


@dataclass(frozen=True)
class Criterion:
    """How a criterion is decided: ``value`` compared with a cut.

    ``rule`` is ``top`` (top share of the category, share from ``parameter``), ``fixed``
    (``value >= Methodology.<parameter>``) or ``quantile`` (US rule: linear quantile number
    ``parameter`` of ``uscmp_quantiles``, over clusters with employment > 0).
    """

    name: str
    value: str
    rule: str
    parameter: str | int


CRITERIA: dict[str, tuple[Criterion, ...]] = {
    "eco-classic": (
        Criterion("size", "employment", "top", "size_share"),
        Criterion("specialisation", "lq", "fixed", "specialisation_lq"),
        Criterion("focus", "share_region", "top", "focus_share"),
    ),
    "panorama": (
        Criterion("size", "employment", "top", "size_share"),
        Criterion("specialisation", "lq", "fixed", "specialisation_lq"),
        Criterion("productivity", "wage_per_employee", "top", "productivity_share"),
        Criterion("dynamism", "growth_5y", "top", "dynamism_share"),
    ),
    "uscmp-strong": (
        Criterion("strong", "lq_traded", "quantile", 0),
        Criterion("strong10", "lq_traded", "quantile", 1),
        Criterion("significant", "lq_traded", "quantile", 2),
        Criterion("qualifying", "lq_traded", "quantile", 3),
    ),
}


@dataclass(frozen=True)
class Snapshot:
    """The rated clusters of one edition at its headline year.

    Parameters
    ----------
    name:
        Edition name, e.g. ``2026-H1``.
    year:
        The headline data year the ratings belong to.
    methodology:
        The edition's :class:`Methodology` (fingerprint, NUTS version, thresholds).
    ratings:
        One row per :data:`KEY`: ``stars``, the method's criteria flags (booleans) and the
        value columns ``employment, lq, lq_traded, share_region, wage_per_employee, growth_5y``.
    scheme_versions:
        Version of each category scheme.
    """

    name: str
    year: int
    methodology: Methodology
    ratings: pd.DataFrame
    scheme_versions: Mapping[str, str] = field(default_factory=dict)


def cause(t0: Snapshot, t1: Snapshot, scheme: str | None = None) -> str:
    """The edition-level cause of every change between *t0* and *t1* (first match).

    Examples
    --------
    >>> empty = pd.DataFrame(columns=KEY + ["stars"])
    >>> a = Snapshot("2025-H1", 2013, Methodology(), empty)
    >>> cause(a, Snapshot("2025-H2", 2014, Methodology(), empty))
    'new_data_year'
    >>> cause(a, Snapshot("2025-H2", 2013, Methodology(specialisation_lq=2.1), empty))
    'methodology'
    """
    if t0.methodology.nuts_version != t1.methodology.nuts_version:
        return "nuts"
    if scheme is not None and t0.scheme_versions.get(scheme) != t1.scheme_versions.get(scheme):
        return "scheme"
    if t0.methodology.fingerprint != t1.methodology.fingerprint:
        return "methodology"
    if t0.year == t1.year:
        return "data_revision"
    return "new_data_year"


def with_cuts(snapshot: Snapshot) -> pd.DataFrame:
    """The snapshot's ratings with a ``cut_<criterion>`` column per criterion of its method.

    Top-share cuts follow the rule of methodology §4a (k = ceil(share·n), the k-th largest
    value within scheme, method, level and category; population per ``Methodology.population``).
    """
    frames = []
    m = snapshot.methodology
    for method, part in snapshot.ratings.groupby("method", sort=False):
        part = part.copy()
        for crit in criteria_of(str(method), m):
            part[f"cut_{crit.name}"] = _cut(part, crit, m)
        frames.append(part)
    return pd.concat(frames, ignore_index=True) if frames else snapshot.ratings.copy()


def criteria_of(method: str, m: Methodology) -> tuple[Criterion, ...]:
    """The criteria *method* rates with under *m* (dynamism only when it is switched on)."""
    return tuple(c for c in CRITERIA.get(method, ())
                 if c.name != "dynamism" or m.panorama_dynamism)


def _cut(part: pd.DataFrame, crit: Criterion, m: Methodology) -> pd.Series:
    """Per row: the cut of criterion *crit* in the row's group."""
    if crit.value not in part:
        return pd.Series(np.nan, index=part.index)
    if crit.rule == "fixed":
        return pd.Series(float(getattr(m, str(crit.parameter))), index=part.index)
    value = part[crit.value].astype("float64")
    if crit.rule == "quantile":
        q = m.uscmp_quantiles[int(crit.parameter)]
        value = value.where(part["employment"] > 0)
        cuts = value.groupby([part[c] for c in GROUP]).quantile(q)
        return part[GROUP].join(cuts.rename("_cut"), on=GROUP)["_cut"]
    keep = value.notna() & ((value > 0) if m.population == "positive" else True)
    share = float(getattr(m, str(crit.parameter)))
    return kth_largest(part[GROUP].assign(_v=value.where(keep)), GROUP, "_v", share)


def kth_largest(frame: pd.DataFrame, keys: list[str], column: str, share: float,
                k: int | None = None) -> pd.Series:
    """Per row: the k-th largest non-missing *column* of its group, k = ceil(share·n) or *k*.

    NaN where the group has fewer than k values (or none).

    Examples
    --------
    >>> f = pd.DataFrame({"g": ["a"] * 11 + ["b"], "v": [float(i) for i in range(11)] + [5.0]})
    >>> kth_largest(f, ["g"], "v", 0.10).tolist()[-2:]  # a: k = ceil(1.1) = 2 -> 9; b: 5
    [9.0, 5.0]
    """
    gid = frame.groupby(keys, sort=False, dropna=False).ngroup().to_numpy()
    v = frame[column].to_numpy(dtype="float64", na_value=np.nan)
    keep = np.flatnonzero(~np.isnan(v))
    order = keep[np.lexsort((-v[keep], gid[keep]))]
    g = gid[order]
    n = np.bincount(g, minlength=int(gid.max()) + 1 if len(gid) else 0)
    start = np.concatenate([[0], np.cumsum(n)[:-1]]).astype(np.int64)
    want = np.ceil(n * share).astype(np.int64) if k is None else np.full(len(n), k, np.int64)
    ok = (want >= 1) & (want <= n)
    cut = np.full(len(n), np.nan)
    cut[ok] = v[order[start[ok] + want[ok] - 1]]
    return pd.Series(cut[gid] if len(gid) else [], index=frame.index, dtype="float64")


def _meets(value: pd.Series, cut: pd.Series, rule: str) -> pd.Series:
    """Does *value* meet *cut* under *rule* (top shares also need value > 0)."""
    ok = value >= cut
    return (ok & (value > 0)) if rule == "top" else ok


def _paired(t0: Snapshot, t1: Snapshot) -> pd.DataFrame:
    """Outer join of both editions' ratings and cuts on :data:`KEY` (suffixes _t0, _t1)."""
    a, b = with_cuts(t0), with_cuts(t1)
    a["present"], b["present"] = True, True
    out = a.merge(b, on=KEY, how="outer", suffixes=("_t0", "_t1"))
    for side in ("_t0", "_t1"):
        out[f"present{side}"] = out[f"present{side}"].astype("boolean").fillna(False)
    return out


def _revised(t0: Snapshot, t0_in_t1: Snapshot | None) -> pd.Index:
    """Keys of clusters whose t0-year stars or values the t1 edition revised."""
    if t0_in_t1 is None or t0_in_t1.year != t0.year:
        return pd.MultiIndex.from_tuples([], names=KEY)
    cols = [c for c in ("stars", "employment", "lq", "share_region", "wage_per_employee")
            if c in t0.ratings and c in t0_in_t1.ratings]
    a = t0.ratings.set_index(KEY)[cols].astype("float64")
    b = t0_in_t1.ratings.set_index(KEY)[cols].astype("float64")
    a, b = a.align(b, join="outer")
    same = np.isclose(a.to_numpy(), b.to_numpy(), rtol=1e-9, atol=0.0, equal_nan=True)
    return a.index[~same.all(axis=1)]


def _classify(rows: pd.DataFrame, t0: Snapshot, t1: Snapshot, revised: pd.Index) -> pd.DataFrame:
    """Fill ``cause`` per scheme, then ``data_revision`` for revised clusters."""
    causes = {s: cause(t0, t1, str(s)) for s in rows["scheme"].unique()}
    rows["cause"] = rows["scheme"].map(causes)
    if len(revised) and len(rows):
        hit = pd.MultiIndex.from_frame(rows[KEY]).isin(revised)
        rows.loc[hit & (rows["cause"] == "new_data_year"), "cause"] = "data_revision"
    rows.loc[rows["cause"] != "new_data_year", "sub_cause"] = None
    return rows


def criterion_changes(paired: pd.DataFrame) -> pd.DataFrame:
    """One row per criterion met in one edition only, with values, cuts and sub-cause.

    A criterion counts when either edition's methodology rates with it.
    """
    frames = []
    for method, part in paired.groupby("method", sort=False):
        for crit in CRITERIA.get(str(method), ()):
            frames.append(_criterion_rows(part, crit))
    rows = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS)
    return rows.reindex(columns=COLUMNS)


def _criterion_rows(part: pd.DataFrame, crit: Criterion) -> pd.DataFrame:
    """The changed rows of one criterion of one method."""
    flag0 = _flag(part, f"{crit.name}_t0")
    flag1 = _flag(part, f"{crit.name}_t1")
    changed = part[flag0 != flag1]
    v0, v1 = _col(changed, f"{crit.value}_t0"), _col(changed, f"{crit.value}_t1")
    c0, c1 = _col(changed, f"cut_{crit.name}_t0"), _col(changed, f"cut_{crit.name}_t1")
    out = changed[KEY].copy()
    out["kind"], out["criterion"] = "criterion", crit.name
    out["change"] = np.where(flag1[changed.index], "gained", "lost")
    out["stars_t0"], out["stars_t1"] = _stars(changed, "_t0"), _stars(changed, "_t1")
    out["value_t0"], out["value_t1"], out["cut_t0"], out["cut_t1"] = v0, v1, c0, c1
    out["sub_cause"] = _sub_cause(changed, flag0[changed.index], v1, c0, crit.rule)
    return out


def _flag(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame:
        return pd.Series(False, index=frame.index)
    return frame[column].astype("boolean").fillna(False).astype(bool)


def _col(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame:
        return pd.Series(np.nan, index=frame.index)
    return frame[column].astype("float64")


def _stars(frame: pd.DataFrame, side: str) -> pd.Series:
    """Stars of one side; clusters absent from that edition count 0."""
    return frame[f"stars{side}"].astype("Int64").fillna(0)


def _sub_cause(changed: pd.DataFrame, flag0: pd.Series, v1: pd.Series, c0: pd.Series,
               rule: str) -> pd.Series:
    """``not_covered``, ``own_value`` (t1 value vs t0 cut flips) or ``threshold_shift``."""
    out = pd.Series(None, index=changed.index, dtype="object")
    if rule != "quantile":
        own = _meets(v1, c0, rule) != flag0
        out[own] = "own_value"
        out[~own & v1.notna() & c0.notna()] = "threshold_shift"
    absent = ~(changed["present_t0"] & changed["present_t1"])
    out[absent.to_numpy(dtype=bool)] = "not_covered"
    return out


def rating_changes(paired: pd.DataFrame, criteria: pd.DataFrame) -> pd.DataFrame:
    """One row per cluster whose stars differ; sub-cause summarised from its criteria."""
    s0, s1 = _stars(paired, "_t0"), _stars(paired, "_t1")
    changed = paired[s0 != s1]
    out = changed[KEY].copy()
    out["kind"] = "rating"
    out["stars_t0"], out["stars_t1"] = s0[changed.index], s1[changed.index]
    out["change"] = np.where(out["stars_t1"] > out["stars_t0"], "gained", "lost")
    out = out.join(_summary_sub_cause(criteria), on=KEY)
    absent = ~(changed["present_t0"] & changed["present_t1"]).to_numpy(dtype=bool)
    out.loc[absent, "sub_cause"] = "not_covered"
    return out.reindex(columns=COLUMNS)


def _summary_sub_cause(criteria: pd.DataFrame) -> pd.Series:
    """Per cluster: ``not_covered``, else ``own_value`` if any criterion's is, else ``threshold_shift``."""
    names = ["", "threshold_shift", "own_value", "not_covered"]
    priority = criteria["sub_cause"].map({n: i for i, n in enumerate(names)}).fillna(0)
    best = priority.groupby([criteria[c] for c in KEY]).max().astype(int)
    return best.map(lambda i: names[i] or None).rename("sub_cause")


def rank_changes(t0: Snapshot, t1: Snapshot, top: int = TOP_N, move: int = RANK_MOVE) -> pd.DataFrame:
    """Notable rank moves by employment in each scheme's categories, per NUTS level.

    A region entering or leaving the top *top*, or moving at least *move* places while in
    the top in both editions. ``value`` is employment and ``cut`` the *top*-th largest.
    """
    a, b = _ranks(t0, top), _ranks(t1, top)
    keys = ["scheme", "level", "category", "region"]
    p = a.merge(b, on=keys, how="outer", suffixes=("_t0", "_t1"))
    r0, r1 = p["rank_t0"].fillna(np.inf), p["rank_t1"].fillna(np.inf)
    in0, in1 = r0 <= top, r1 <= top
    moved = in0 & in1 & ((r0 - r1).abs() >= move)
    p = p[(in0 != in1) | moved].copy()
    p["change"] = np.select(
        [~in0[p.index], ~in1[p.index], r1[p.index] < r0[p.index]],
        ["entered_top", "left_top", "moved_up"], "moved_down")
    p["kind"], p["method"], p["criterion"] = "rank", None, "employment_rank"
    own = _meets(p["value_t1"], p["cut_t0"], "top") != in0[p.index]
    entering = p["change"].isin(["entered_top", "left_top"])
    p["sub_cause"] = None
    p.loc[entering & own, "sub_cause"] = "own_value"
    p.loc[entering & ~own, "sub_cause"] = "threshold_shift"
    p.loc[p["value_t0"].isna() | p["value_t1"].isna(), "sub_cause"] = "not_covered"
    return p.reindex(columns=COLUMNS)


def _ranks(s: Snapshot, top: int) -> pd.DataFrame:
    """Employment rank (1 = largest) per scheme, level and category; one method per scheme."""
    r = s.ratings
    first = r.groupby("scheme")["method"].transform("min")
    d = r.loc[(r["method"] == first) & r["employment"].notna(),
              ["scheme", "level", "category", "region", "employment"]].copy()
    grp = d.groupby(["scheme", "level", "category"])["employment"]
    d["rank"] = grp.rank(method="min", ascending=False)
    d["cut"] = kth_largest(d, ["scheme", "level", "category"], "employment", 0.0, k=top)
    return d.rename(columns={"employment": "value"})


def change_log(t0: Snapshot, t1: Snapshot, t0_in_t1: Snapshot | None = None) -> pd.DataFrame:
    """Every rating, criterion and notable rank change from edition *t0* to *t1*.

    Parameters
    ----------
    t0, t1:
        The earlier and the later edition.
    t0_in_t1:
        Optionally, the later edition's ratings of *t0*'s headline year: clusters whose
        t0-year values it revised get the cause ``data_revision`` (methodology §6 "t0 revision").

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COLUMNS`, sorted by kind, scheme, method, level, region, category.
    """
    paired = _paired(t0, t1)
    criteria = criterion_changes(paired)
    ratings = rating_changes(paired, criteria)
    ranks = rank_changes(t0, t1)
    parts = [p for p in (ratings, criteria, ranks) if len(p)]
    rows = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=COLUMNS)
    rows = _classify(rows.reindex(columns=COLUMNS), t0, t1, _revised(t0, t0_in_t1))
    order = {"rating": 0, "criterion": 1, "rank": 2}
    rows = rows.sort_values(["kind", "scheme", "method", "level", "region", "category", "criterion"],
                            key=lambda s: s.map(order) if s.name == "kind" else s,
                            na_position="first", ignore_index=True)
    for col in ("level", "stars_t0", "stars_t1", "rank_t0", "rank_t1"):
        rows[col] = rows[col].astype("Int64")
    return rows


def transition_matrix(t0: Snapshot, t1: Snapshot, scheme: str, method: str) -> pd.DataFrame:
    """Counts of clusters by stars(t0) (rows) x stars(t1) (columns) for one scheme and method.

    Clusters without data in an edition are counted under ``not rated``.

    Examples
    --------
    >>> r = lambda stars: pd.DataFrame({"scheme": "s", "method": "m", "level": 2,
    ...     "region": ["A", "B", "C"], "category": "x", "stars": stars})
    >>> m = Methodology()
    >>> tm = transition_matrix(Snapshot("a", 1, m, r([0, 1, 3])), Snapshot("b", 2, m, r([0, 2, 3])),
    ...                        "s", "m")
    >>> int(tm.loc["1", "2"]), int(tm.loc["3", "3"]), int(tm.to_numpy().sum())
    (1, 1, 3)
    """
    a = t0.ratings[(t0.ratings["scheme"] == scheme) & (t0.ratings["method"] == method)]
    b = t1.ratings[(t1.ratings["scheme"] == scheme) & (t1.ratings["method"] == method)]
    p = a[KEY + ["stars"]].merge(b[KEY + ["stars"]], on=KEY, how="outer", suffixes=("_t0", "_t1"))
    top = int(max(p["stars_t0"].max(skipna=True) if len(p) else 0,
                  p["stars_t1"].max(skipna=True) if len(p) else 0, 0) or 0)
    labels = STAR_LABELS[: top + 2]
    rows = p["stars_t0"].map(_label, na_action=None)
    cols = p["stars_t1"].map(_label, na_action=None)
    table = pd.crosstab(rows, cols).reindex(index=labels, columns=labels, fill_value=0)
    table.index.name, table.columns.name = "stars_t0", "stars_t1"
    return table.astype("int64")


def _label(value: object) -> str:
    return "not rated" if pd.isna(value) else str(int(value))  # type: ignore[call-overload]


def summary(log: pd.DataFrame) -> pd.DataFrame:
    """Counts of change-log rows by kind, change, cause and sub-cause."""
    keys = ["kind", "change", "cause", "sub_cause"]
    if log.empty:
        return pd.DataFrame(columns=[*keys, "rows"])
    return (log.fillna({"sub_cause": "-"}).groupby(keys, dropna=False).size()
            .rename("rows").reset_index())

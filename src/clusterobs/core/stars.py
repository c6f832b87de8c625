"""Star and strength ratings (methodology §4), as Ibis expressions.

- ``eco-classic`` (§4a, ECO49): size (employment in the category's top share),
  specialisation (LQ >= threshold), focus (share of the region's employment in the top
  share); ``stars`` = criteria met, 0-3.
- ``panorama`` (§4b): size, specialisation, productivity (wage per employee in the top
  share), optional dynamism (5-year CAGR in the top share); ``stars`` = criteria met and a
  ``rating_level`` (high / medium / basic) by the chosen hypothesis.
- ``uscmp-strong`` (§4c, CMP, published): ``strong``, ``strong10``, ``significant``,
  ``qualifying`` of traded categories, from linear quantiles within each group.

Top-share rule (our default, §4a): population P = regions of the same level, year and
category with a value (zeros included); k = ceil(share·|P|); the cut is the k-th largest
value; a cluster qualifies when its value >= cut and > 0 (ties included).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from clusterobs.core.methodology import Methodology
from clusterobs.core.tables import keys

GROUP = ("level", "year", "category")
CRITERIA = {
    "eco-classic": ("size", "specialisation", "focus"),
    "panorama": ("size", "specialisation", "productivity", "dynamism"),
    "uscmp-strong": ("strong", "strong10", "significant", "qualifying"),
}


def with_top_share(
    t: ir.Table, column: str, share: float, name: str, *, positive_only: bool = False
) -> ir.Table:
    """Add boolean column *name*: ``t[column]`` is among the top *share* of its group.

    The group is (level, year, category); see the module docstring for the rule.

    Examples
    --------
    Ten regions with values 1..10 and share 0.10: k = ceil(1.0) = 1, cut = 10.
    Eleven regions: k = ceil(1.1) = 2, cut = the 2nd largest.

    >>> import pandas as pd
    >>> t = ibis.memtable(pd.DataFrame({"level": 2, "year": 2014, "category": "x",
    ...                                 "v": [float(i) for i in range(1, 12)]}))
    >>> out = with_top_share(t, "v", 0.10, "top").order_by("v").to_pandas()
    >>> out.loc[out.top, "v"].tolist()
    [10.0, 11.0]
    """
    return t.mutate(**{name: top_share(t, column, share, positive_only=positive_only)})


def top_share(t: ir.Table, column: str, share: float, *, positive_only: bool = False) -> ir.BooleanValue:
    """The top-share test as one expression: ``rank <= ceil(share·n)`` and value > 0.

    With competition ranks (ties share the best rank), "rank <= k" is exactly "value >= the
    k-th largest value", ties included, so one ordered window per criterion suffices.
    """
    value = t[column]
    population = value.notnull() & (value > 0) if positive_only else value.notnull()
    group = keys(t, *GROUP)
    order = ibis.window(group_by=group, order_by=[value.isnull(), ibis.desc(value)])
    k = (population.cast("int64").sum().over(group_by=group) * share).ceil()
    return ((ibis.rank().over(order) + 1 <= k) & (value > 0)).fill_null(False)


def criteria(t: ir.Table, m: Methodology) -> ir.Table:
    """Every ECO and Panorama criterion in one pass (one ordered window per top-share test)."""
    positive = m.population == "positive"
    dynamism = (top_share(t, "growth_5y", m.dynamism_share) if m.panorama_dynamism
                else ibis.literal(False))
    return t.mutate(
        size=top_share(t, "employment", m.size_share, positive_only=positive),
        focus=top_share(t, "share_region", m.focus_share, positive_only=positive),
        productivity=top_share(t, "wage_per_employee", m.productivity_share, positive_only=positive),
        dynamism=dynamism,
        specialisation=(t.lq >= m.specialisation_lq).fill_null(False),
    )


def eco_classic(t: ir.Table, m: Methodology) -> ir.Table:
    """Add ``size``, ``specialisation``, ``focus`` and ``stars`` (§4a).

    Examples
    --------
    The test of methodology §4a: LQ A-x 2.667 and B-y 1.2; with two regions per category
    k = ceil(0.2) = 1, so the larger of the two qualifies on size and focus.
    A-x: size, specialisation, focus = 3 stars; B-y: size and focus = 2 stars.
    """
    t = criteria(t, m).drop("productivity", "dynamism")
    return t.mutate(stars=_count(t.size, t.specialisation, t.focus))


def panorama(t: ir.Table, m: Methodology) -> ir.Table:
    """Add ``size``, ``specialisation``, ``productivity``, ``dynamism``, ``stars``, ``rating_level`` (§4b)."""
    t = criteria(t, m).drop("focus")
    t = t.mutate(stars=_count(t.size, t.specialisation, t.productivity, t.dynamism))
    return t.mutate(rating_level=_level(t, m))


def eco_and_panorama(t: ir.Table, m: Methodology) -> ir.Table:
    """Both star methods from one pass: ``eco_stars``, ``panorama_stars``, ``rating_level``."""
    t = criteria(t, m)
    t = t.mutate(eco_stars=_count(t.size, t.specialisation, t.focus),
                 stars=_count(t.size, t.specialisation, t.productivity, t.dynamism))
    return t.mutate(rating_level=_level(t, m)).rename(panorama_stars="stars")


def _level(t: ir.Table, m: Methodology) -> ir.StringValue:
    """Panorama level by hypothesis H1, H2 (default) or H3 of §4b."""
    none = ibis.null().cast("string")
    if m.panorama_levels == "H1":
        return ibis.cases((t.stars >= 3, "high"), (t.stars == 2, "medium"), (t.stars == 1, "basic"),
                          else_=none)
    if m.panorama_levels == "H2":
        extra = t.size.cast("int8") + t.productivity.cast("int8")
        return ibis.cases((~t.specialisation, none), (extra == 2, "high"), (extra == 1, "medium"),
                          else_="basic")
    core = t.specialisation & t.size
    return ibis.cases((~core, none), (t.productivity, "high"),
                      ((t.relative_wage >= 1).fill_null(False), "medium"), else_="basic")


def _count(*flags: ir.BooleanValue) -> ir.IntegerValue:
    total: ir.IntegerValue = flags[0].cast("int8")
    for f in flags[1:]:
        total = total + f.cast("int8")
    return total.cast("int8")


def linear_quantile(value: ir.NumericValue, p: float, group: list[str]) -> ir.NumericValue:
    """The linear-interpolation quantile (numpy "linear", d3.quantile) of value within group."""
    return value.quantile(p).over(group_by=group)


def uscmp_strong(t: ir.Table, m: Methodology, traded: list[str]) -> ir.Table:
    """Add the published US strong-cluster flags (§4c, CMP); local categories get False.

    Quantiles are taken over the group's regions with E > 0; every region of the group,
    including E = 0, is then tested:
    ``strong = LQ >= q(LQ,.75) & E > q(E,.25) & N > q(N,.25) & LQ >= 1``.
    """
    q_strong, q_strong10, q_sig, q_qual, q_floor = m.uscmp_quantiles
    group = keys(t, *GROUP)
    pos = t.employment > 0
    lq_p = ibis.ifelse(pos, t.lq, ibis.null())
    e_p = ibis.ifelse(pos, t.employment, ibis.null())
    n_p = ibis.ifelse(pos, t.establishments, ibis.null())
    floor = (t.employment > linear_quantile(e_p, q_floor, group)) & (
        t.establishments > linear_quantile(n_p, q_floor, group))
    if "traded" in t.columns:
        is_traded = t.traded.fill_null(False)
    else:
        is_traded = t.category.isin(traded) if traded else ibis.literal(False)
    ok = floor & is_traded
    return t.mutate(
        strong=(ok & (t.lq >= linear_quantile(lq_p, q_strong, group)) & (t.lq >= 1)).fill_null(False),
        strong10=(ok & (t.lq >= linear_quantile(lq_p, q_strong10, group)) & (t.lq >= 1)).fill_null(False),
        significant=(ok & (t.lq > linear_quantile(lq_p, q_sig, group))).fill_null(False),
        qualifying=(ok & (t.lq > linear_quantile(lq_p, q_qual, group))).fill_null(False),
    ).mutate(stars=lambda s: s.strong.cast("int8"))

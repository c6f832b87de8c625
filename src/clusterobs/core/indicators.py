"""Cluster indicators (methodology §3), as Ibis expressions run by the store's engine.

For a cluster (region r x category c x year), with reference area A = the regions of the
same NUTS level in the run and base B (``total`` or ``traded`` employment):

- ``share_region = E(r,c)/E(r)``; ``share_ref = E(r,c)/E(c)``
- ``lq = [E(r,c)/E_B(r)] / [E(c)/E_B]`` (published ECO49 for ``total``, CMP for ``traded``)
- ``wage_per_employee = W(r,c)/E(r,c)`` (EOCIC productivity measure; wages in the unit the
  dataset declares, EUR for Eurostat after its scale of 1e6 is applied by the build);
  ``relative_wage = wage/[ΣW(c)/ΣE(c)]`` (RW_cat, our default)
- ``growth_1y = E_t/E_{t-1} - 1``; ``growth_5y = (E_t/E_{t-5})^(1/5) - 1`` (NULL on a 0 base)
- ``establishment_growth_1y = N_t/N_{t-1} - 1``

The same expressions run on DuckDB (default) and on PySpark (the ``[spark]`` extra).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from clusterobs.core.methodology import Methodology
from clusterobs.core.tables import keys

INDICATOR_COLUMNS = (
    "employment", "establishments", "wages", "share_region", "share_ref", "lq",
    "wage_per_employee", "relative_wage", "growth_1y", "growth_5y", "establishment_growth_1y",
)


def _ratio(num: ir.NumericValue, den: ir.NumericValue) -> ir.NumericValue:
    """num/den, NULL when den is 0 or NULL."""
    return ibis.ifelse(den > 0, num / den, ibis.null())


def cluster_indicators(
    clusters: ir.Table,
    region_totals: ir.Table,
    methodology: Methodology,
    traded: list[str] | None = None,
    reference: ir.Table | None = None,
    traded_lq: bool = False,
    sums: ir.Table | None = None,
) -> ir.Table:
    """Add every §3 indicator to an aggregated cluster table.

    Parameters
    ----------
    clusters:
        Output of :func:`clusterobs.core.schemes.aggregate`.
    region_totals:
        ``region, level, year, employment_total, wages_total``: the regions' business-economy
        totals (SBS: sections B-N excl. K plus S95).
    methodology:
        ``lq_base`` selects the LQ denominator.
    traded:
        The scheme's traded categories (needed for ``lq_base='traded'``).
    reference:
        Optional ``year, category, reference_share``: the reference share E(c)/E_B of a
        wider area (e.g. the nation, for metropolitan areas as CMP does); by default the
        reference area is all regions of the same level.
    sums:
        The reference area's sums (:func:`reference_sums`) when *clusters* holds only some
        of the regions (a build computing its clusters a slice of regions at a time); by
        default they are summed over *clusters*.

    Examples
    --------
    The ECO test of methodology §4a: A (x 200, y 50, total 1,000), B (x 100, y 450, total 3,000)
    gives LQ A-x = (200/1000)/(300/4000) = 2.667.

    >>> import pandas as pd
    >>> c = ibis.memtable(pd.DataFrame({"region": ["A", "A", "B", "B"], "level": 2, "year": 2014,
    ...     "category": ["x", "y", "x", "y"], "employment": [200.0, 50, 100, 450],
    ...     "establishments": 1.0, "wages": 1.0, "uncertain_share": 0.0}))
    >>> r = ibis.memtable(pd.DataFrame({"region": ["A", "B"], "level": 2, "year": 2014,
    ...     "employment_total": [1000.0, 3000], "wages_total": 1.0}))
    >>> out = cluster_indicators(c, r, Methodology()).order_by(["region", "category"]).to_pandas()
    >>> [round(v, 3) for v in out["lq"]]
    [2.667, 0.4, 0.444, 1.2]
    """
    t = with_bases(clusters, region_totals, methodology, traded, traded_lq)
    # the reference area's sums per (level, year, category): aggregated, then joined back (a
    # window over 9.1M clusters sorted them twice: 12 of the 20M generated rows' 25 s here)
    if sums is None:
        sums = reference_sums(t, traded_lq)
    t = _joined(t, sums, keys(t, "level", "year", "category"))
    if reference is not None:
        on = keys(reference, "year", "category")
        t = t.left_join(reference, on).select(t, reference.reference_share)
    else:
        t = t.mutate(reference_share=_ratio(t.category_observed, t.category_base))
    if traded_lq:
        t = t.mutate(lq_traded=_ratio(_ratio(t.employment, t.base_traded),
                                      _ratio(t.traded_observed, t.traded_base)).round(10))
    # rounded far below any published precision, so that parallel sums in another order
    # cannot flip a rating that sits exactly on a threshold between two identical builds
    t = t.mutate(
        share_region=_ratio(t.employment, t.employment_total).round(12),
        share_ref=_ratio(t.employment, t.category_employment).round(12),
        lq=_ratio(_ratio(t.employment, t.base_employment), t.reference_share).round(10),
        wage_per_employee=_ratio(t.wages, t.employment).round(6),
    )
    t = t.mutate(relative_wage=_ratio(t.wage_per_employee, t.category_wage))
    # growth from the aggregated clusters alone, joined on (not from the windowed table: its
    # self-joins would repeat every window, three times over, in the compiled query)
    by = keys(clusters, "region", "level", "category", "year")
    growth = _growth(clusters).select(*by, "growth_1y", "growth_5y", "establishment_growth_1y")
    t = t.left_join(growth, by).select(t, growth.growth_1y, growth.growth_5y, growth.establishment_growth_1y)
    return t.drop("category_wage", "category_employment", "category_observed", "category_base",
                  "base_employment", "reference_share",
                  *(("base_traded", "traded_observed", "traded_base") if traded_lq else ()))


def with_bases(clusters: ir.Table, region_totals: ir.Table, methodology: Methodology,
               traded: list[str] | None = None, traded_lq: bool = False) -> ir.Table:
    """*clusters* with their region's totals (``employment_total``, ``wages_total``) and LQ
    bases (``base_employment``; with *traded_lq* ``base_traded``): what
    :func:`reference_sums` sums, per region."""
    t = clusters.left_join(region_totals, ["region", "level", "year"]).select(
        clusters, region_totals.employment_total, region_totals.wages_total
    )
    return _with_bases(t, methodology, traded, traded_lq)


def reference_sums(t: ir.Table, traded_lq: bool = False) -> ir.Table:
    """The reference area's sums per (scheme,) level, year and category of the clusters *t*
    (:func:`with_bases`): employment, wage per employee, and the observed employment and
    base of the reference share E(c)/E_B (with *traded_lq* also on the traded base)."""
    wage_employment = ibis.ifelse(t.wages.notnull(), t.employment, ibis.null())
    return t.group_by(keys(t, "level", "year", "category")).aggregate(
        category_employment=t.employment.sum(),
        category_wage=_ratio(t.wages.sum(), wage_employment.sum()),
        **_reference_sums(t, t.base_employment, "category"),
        **(_reference_sums(t, t.base_traded, "traded") if traded_lq else {}),
    )


def _joined(t: ir.Table, sums: ir.Table, by: list[str]) -> ir.Table:
    """*t* with the other columns of *sums* (one row per *by* group of *t*) joined on *by*."""
    return t.left_join(sums, by).select(t, *(sums[c] for c in sums.columns if c not in by))


def _reference_sums(t: ir.Table, base: ir.NumericValue, prefix: str) -> dict[str, ir.Scalar]:
    """The two sums of the reference share E(c)/E_B on the LQ base *base*, as aggregates of
    a reference group: ``{prefix}_observed`` (employment) and ``{prefix}_base`` (base)."""
    # over the regions where the category is observed, so that regions with a missing
    # (confidential, not imputed) value do not bias E(c)/E_B downwards
    observed_base = ibis.ifelse(t.employment.notnull(), base, ibis.null())
    # and over the regions with a base (a region without a complete total is left out of the
    # reference share as it is of the ratings), so the LQs of a category average to 1
    observed_employment = ibis.ifelse(base.notnull(), t.employment, ibis.null())
    return {f"{prefix}_observed": observed_employment.sum(), f"{prefix}_base": observed_base.sum()}


def _with_bases(t: ir.Table, m: Methodology, traded: list[str] | None, traded_lq: bool) -> ir.Table:
    """*t* with E_B(r) per row as ``base_employment`` (``m.lq_base``: the region's total, or
    its traded or local employment), and with *traded_lq* the traded base as ``base_traded``."""
    if m.lq_base == "total" and not traded_lq:
        return t.mutate(base_employment=t.employment_total)
    # the traded flag of each row; with no category traded, the region's whole employment
    if "traded" in t.columns:
        t = t.mutate(_traded=t.traded.fill_null(False))
    else:
        t = t.mutate(_traded=t.category.isin(traded) if traded else ibis.literal(None, "boolean"))
    group = keys(t, "region", "level", "year")
    sums = t.group_by(group).aggregate(_traded_sum=ibis.ifelse(t._traded, t.employment, 0).sum(),
                                       _local_sum=ibis.ifelse(t._traded, 0, t.employment).sum(),
                                       _all_sum=t.employment.sum())
    t = _joined(t, sums, group)
    # E_B of the traded base: the traded (local) employment of the region for a traded (local)
    # category; the region's whole employment when no category is traded
    traded_base = (t._all_sum if "traded" not in t.columns and not traded
                   else ibis.ifelse(t._traded, t._traded_sum, t._local_sum))
    t = t.mutate(base_employment=t.employment_total if m.lq_base == "total" else traded_base)
    if traded_lq:
        t = t.mutate(base_traded=traded_base)
    return t.drop("_traded", "_traded_sum", "_local_sum", "_all_sum")


def _growth(t: ir.Table) -> ir.Table:
    """1-year and 5-year growth within each region x category, matched on exact years.

    A self-join on ``year - 1`` and ``year - 5`` (not a row lag), so a missing year never
    turns a 2-year change into a "1-year" one.
    """
    by = keys(t, "region", "level", "category")
    # a cluster whose industries with data differ between the years is not comparable
    # (e.g. construction divisions published from 2011 only): its growth stays NULL
    cover = t.coverage if "coverage" in t.columns else ibis.literal(1.0)
    t = t.mutate(_cover=cover)
    past = t.select(*by, year=t.year, past_employment=t.employment,
                    past_establishments=t.establishments, past_cover=t._cover)
    one = past.mutate(year=past.year + 1)
    five = past.select(*by, year=past.year + 5, employment_5=past.past_employment,
                       cover_5=past.past_cover)
    j = t.left_join(one, [*by, "year"]).select(t, one.past_employment, one.past_establishments,
                                                 one.past_cover)
    j = j.left_join(five, [*by, "year"]).select(j, five.employment_5, five.cover_5)
    same1 = (j.past_cover - j._cover).abs() < 1e-9
    same5 = (j.cover_5 - j._cover).abs() < 1e-9
    g1 = ibis.ifelse(same1 & (j.past_employment > 0), j.employment / j.past_employment - 1, ibis.null())
    n1 = ibis.ifelse(same1 & (j.past_establishments > 0),
                     j.establishments / j.past_establishments - 1, ibis.null())
    g5 = ibis.ifelse(same5 & (j.employment_5 > 0), (j.employment / j.employment_5).pow(0.2) - 1,
                     ibis.null())
    return j.mutate(growth_1y=g1, growth_5y=g5, establishment_growth_1y=n1).drop(
        "past_employment", "past_establishments", "employment_5", "past_cover", "cover_5", "_cover")

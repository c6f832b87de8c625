"""Trends analysis (methodology §6), as Ibis expressions run by the store's engine.

Inputs are cluster tables of one scheme and one NUTS level: ``region, category, year,
employment`` (plus ``lq`` for :func:`cluster_trends`), optionally the regions' totals
``region, year, employment_total``.

- growth over a period t0 -> t1: ``E_t1/E_t0 - 1`` and ``(E_t1/E_t0)^(1/(t1-t0)) - 1``
- classic shift-share (our default): ``NS = E0·g_R``, ``IM = E0·(g_c - g_R)``,
  ``RS = E0·(g_rc - g_c)``; base 0: ``RS = E1``, ``NS = IM = 0``, flag ``entry``;
  ``NS + IM + RS = E1 - E0`` is checked per cell by :func:`check_identity`
- specialisation: Krugman ``K(r) = Σ_c |s(r,c) - s(c)|``, Hoover ``HS = K/2``, Herfindahl
  ``HHI(r) = Σ_c s(r,c)²``, with an ``unassigned`` remainder so that shares sum to 1;
  per category Hoover ``HL(c)`` and ``HHI_geo(c)``
- rising/declining clusters from the slopes of LQ and employment over the period
- star transitions stars(t0) x stars(t1)

Cells with a missing (NULL) employment at either end of a period are left out of the
period's panel; reference growths are taken over that same panel.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import pandas as pd

from clusterobs.errors import MethodError

UNASSIGNED = "unassigned"
SHIFT_SHARE_EFFECTS = ("national_effect", "industry_mix", "competitive_effect")


def _ratio(num: ir.NumericValue, den: ir.NumericValue) -> ir.NumericValue:
    """num/den, NULL when den is 0 or NULL."""
    return ibis.ifelse(den > 0, num / den, ibis.null())


def default_period(coverage: pd.DataFrame, min_coverage: float = 0.95) -> tuple[int, int]:
    """The longest span t0 < t1 whose end years both hold data for most regions (our default).

    A pair qualifies when the regions with data in both years are at least *min_coverage* of
    all regions ever observed; the longest qualifying span wins, ties go to the later one.

    Examples
    --------
    Region A has 2008-2015, B lacks 2008-2009 (like FR), C lacks 2015:

    >>> years = {"A": range(2008, 2016), "B": range(2010, 2016), "C": range(2008, 2015)}
    >>> cov = pd.DataFrame([(r, y) for r, ys in years.items() for y in ys],
    ...                    columns=["region", "year"])
    >>> default_period(cov)
    (2010, 2014)
    """
    sets = coverage.groupby("year")["region"].agg(set).sort_index()
    total = coverage["region"].nunique()
    best: tuple[int, int] | None = None
    for t0 in sets.index:
        for t1 in sets.index[sets.index > t0]:
            ok = len(sets[t0] & sets[t1]) >= min_coverage * total
            if ok and (best is None or (t1 - t0, t1) >= (best[1] - best[0], best[1])):
                best = (int(t0), int(t1))
    if best is None:
        raise MethodError(f"no pair of years covers {min_coverage:.0%} of the regions")
    return best


def _panel(clusters: ir.Table, start: int, end: int) -> ir.Table:
    """``region, category, e0, e1``: cells with a value in both years."""
    if end <= start:
        raise MethodError(f"a period needs start_year < end_year: got {start} -> {end}")
    t0 = clusters.filter(clusters.year == start, clusters.employment.notnull())
    t1 = clusters.filter(clusters.year == end, clusters.employment.notnull())
    return t0.join(t1, ["region", "category"]).select(
        "region", "category", e0=t0.employment.cast("float64"), e1=t1.employment.cast("float64"))


def period_growth(clusters: ir.Table, start: int, end: int,
                  by: tuple[str, ...] = ("region", "category")) -> ir.Table:
    """Employment growth t0 -> t1 by *by* (any of region, category; () for the total).

    Examples
    --------
    >>> c = ibis.memtable(pd.DataFrame({"region": ["A", "A", "B", "B"], "category": "x",
    ...     "year": [2010, 2014, 2010, 2014], "employment": [100.0, 121, 100, 79]}))
    >>> out = period_growth(c, 2010, 2014, by=("category",)).to_pandas()
    >>> float(out.growth[0]), float(out.cagr[0])
    (0.0, 0.0)
    """
    p = _panel(clusters, start, end)
    g = p.group_by(list(by)).aggregate(employment_start=p.e0.sum(), employment_end=p.e1.sum())
    ratio = _ratio(g.employment_end, g.employment_start)
    return g.mutate(start_year=ibis.literal(start), end_year=ibis.literal(end),
                    change=g.employment_end - g.employment_start, growth=ratio - 1,
                    cagr=ratio.pow(1 / (end - start)) - 1)


def shift_share(clusters: ir.Table, start: int, end: int, *, totals: ir.Table | None = None,
                reference: str = "all") -> ir.Table:
    """Classic shift-share of each cluster t0 -> t1 (§6).

    Parameters
    ----------
    clusters:
        ``region, category, year, employment`` of one scheme and level.
    totals:
        ``region, year, employment_total``: g_R is then the growth of the regions' total
        employment (needed for overlapping schemes); by default Σ over categories.
    reference:
        ``all`` regions of the panel (our default) or the region's ``country``.

    Examples
    --------
    The §6 test: E0 100, E1 130, g_c = 0.10, g_R = 0.02 gives NS 2 + IM 8 + RS 20 = 30.
    Region A (x 100 -> 130), B (x 900 -> 970) give g_c = 1100/1000 - 1 = 0.10; with the
    totals A 1000 -> 1020, B 4000 -> 4080, g_R = 5100/5000 - 1 = 0.02.

    >>> c = ibis.memtable(pd.DataFrame({"region": ["A", "A", "B", "B"], "category": "x",
    ...     "year": [2010, 2014] * 2, "employment": [100.0, 130, 900, 970]}))
    >>> tot = ibis.memtable(pd.DataFrame({"region": ["A", "A", "B", "B"],
    ...     "year": [2010, 2014] * 2, "employment_total": [1000.0, 1020, 4000, 4080]}))
    >>> out = shift_share(c, 2010, 2014, totals=tot).order_by("region").to_pandas()
    >>> [round(v, 6) for v in out.loc[0, ["national_effect", "industry_mix",
    ...                                   "competitive_effect", "actual_change"]]]
    [2.0, 8.0, 20.0, 30.0]
    """
    p = _panel(clusters, start, end)
    ref = _reference(p.region, reference)
    p = p.mutate(ref=ref)
    g_c = (p.e1.sum().over(group_by=["ref", "category"])
           / p.e0.sum().over(group_by=["ref", "category"])) - 1
    p = p.mutate(g_c=ibis.ifelse(p.e0.sum().over(group_by=["ref", "category"]) > 0, g_c,
                                 ibis.null()))
    p = p.join(_reference_growth(p, start, end, totals, reference), "ref")
    entry = p.e0 == 0
    g_rc = _ratio(p.e1, p.e0) - 1
    return p.select(
        "region", "category", start_year=ibis.literal(start), end_year=ibis.literal(end),
        employment_start=p.e0, employment_end=p.e1, actual_change=p.e1 - p.e0,
        national_effect=ibis.ifelse(entry, 0.0, p.e0 * p.g_r),
        industry_mix=ibis.ifelse(entry, 0.0, p.e0 * (p.g_c - p.g_r)),
        competitive_effect=ibis.ifelse(entry, p.e1, p.e0 * (g_rc - p.g_c)),
        flag=ibis.ifelse(entry, "entry", ibis.null().cast("string")),
    )


def _reference(region: ir.StringValue, reference: str) -> ir.StringValue:
    if reference == "all":
        return ibis.literal("all")
    if reference == "country":
        return region.substr(0, 2)
    raise MethodError(f"reference must be 'all' or 'country': got {reference!r}")


def _reference_growth(p: ir.Table, start: int, end: int, totals: ir.Table | None,
                      reference: str) -> ir.Table:
    """``ref, g_r``: growth of the reference area over the panel's regions."""
    if totals is None:
        g = p.group_by("ref").aggregate(e0=p.e0.sum(), e1=p.e1.sum())
    else:
        regions = p.select("region", "ref").distinct()
        t0 = totals.filter(totals.year == start).select("region", t0=totals.employment_total)
        t1 = totals.filter(totals.year == end).select("region", t1=totals.employment_total)
        r = regions.join(t0, "region").join(t1, "region")
        r = r.filter(r.t0.notnull(), r.t1.notnull())
        g = r.group_by("ref").aggregate(e0=r.t0.sum(), e1=r.t1.sum())
    return g.select("ref", g_r=_ratio(g.e1, g.e0) - 1)


def check_identity(frame: pd.DataFrame, rtol: float = 1e-9) -> int:
    """Assert ``NS + IM + RS = E1 - E0`` in every row of an executed :func:`shift_share`.

    Returns the number of rows checked; raises :class:`MethodError` naming the worst cell.
    """
    parts = frame[list(SHIFT_SHARE_EFFECTS)].sum(axis=1, min_count=3)
    scale = frame[["employment_start", "employment_end"]].abs().max(axis=1).clip(lower=1.0)
    error = ((parts - frame["actual_change"]).abs() / scale).fillna(float("inf"))
    if len(frame) and error.max() > rtol:
        worst = frame.iloc[int(error.to_numpy().argmax())]
        raise MethodError(f"shift-share identity fails for {worst['region']} x "
                          f"{worst['category']}: relative error {error.max():.3g}")
    return len(frame)


def region_shift_share(ss: ir.Table) -> ir.Table:
    """Region totals of a :func:`shift_share` table: each effect summed over categories."""
    cols = ("actual_change", *SHIFT_SHARE_EFFECTS)
    return ss.group_by(["region", "start_year", "end_year"]).aggregate(
        **{c: ss[c].sum() for c in cols})


def _shares(clusters: ir.Table, totals: ir.Table | None) -> ir.Table:
    """Rectangular ``region, year, category, e, e_region, s``, with the unassigned rest."""
    cells = clusters.select("region", "year", "category",
                            e=clusters.employment.cast("float64").fill_null(0.0))
    grid = cells.select("region", "year").distinct().join(
        cells.select("year", "category").distinct(), "year")
    cells = grid.left_join(cells, ["region", "year", "category"]).select(
        grid, e=ibis.coalesce(cells.e, 0.0))
    r = cells.group_by(["region", "year"]).aggregate(assigned=cells.e.sum())
    if totals is not None:
        r = r.left_join(totals, ["region", "year"]).select(
            r.region, r.year, r.assigned,
            e_region=ibis.greatest(r.assigned, totals.employment_total.fill_null(0.0)))
    else:
        r = r.mutate(e_region=r.assigned)
    rest = r.select("region", "year", category=ibis.literal(UNASSIGNED),
                    e=r.e_region - r.assigned)
    cells = cells.union(rest).join(r.select("region", "year", "e_region"), ["region", "year"])
    return cells.mutate(s=_ratio(cells.e, cells.e_region))


def specialisation(clusters: ir.Table, totals: ir.Table | None = None) -> ir.Table:
    """Krugman, Hoover and Herfindahl indices of each region and year (§6).

    Examples
    --------
    A: x 30, y 10; B: x 10, y 50 (no totals: unassigned is 0). s(x) = 40/100, s(y) = 0.6;
    K(A) = |0.75 - 0.4| + |0.25 - 0.6| = 0.7, HS = 0.35, HHI = 0.75² + 0.25² = 0.625.

    >>> c = ibis.memtable(pd.DataFrame({"region": ["A", "A", "B", "B"], "year": 2014,
    ...     "category": ["x", "y", "x", "y"], "employment": [30.0, 10, 10, 50]}))
    >>> out = specialisation(c).order_by("region").to_pandas()
    >>> [round(v, 4) for v in out.loc[0, ["krugman", "hoover", "herfindahl"]]]
    [0.7, 0.35, 0.625]
    """
    t = _shares(clusters, totals)
    ref = t.e.sum().over(group_by=["year", "category"]) / t.e.sum().over(group_by="year")
    t = t.mutate(dev=(t.s - ref).abs())
    out = t.group_by(["region", "year"]).aggregate(krugman=t.dev.sum(),
                                                   herfindahl=(t.s * t.s).sum())
    return out.mutate(hoover=out.krugman / 2).select(
        "region", "year", "krugman", "hoover", "herfindahl")


def concentration(clusters: ir.Table, totals: ir.Table | None = None) -> ir.Table:
    """Geographic concentration of each category and year: Hoover HL(c) and HHI_geo(c) (§6).

    Examples
    --------
    x: A 30, B 10 -> shares 0.75, 0.25; region shares 40/100 and 60/100:
    HL(x) = ½(|0.75 - 0.4| + |0.25 - 0.6|) = 0.35; HHI_geo(x) = 0.625.

    >>> c = ibis.memtable(pd.DataFrame({"region": ["A", "A", "B", "B"], "year": 2014,
    ...     "category": ["x", "y", "x", "y"], "employment": [30.0, 10, 10, 50]}))
    >>> out = concentration(c).order_by("category").to_pandas()
    >>> [round(v, 4) for v in out.loc[0, ["hoover_location", "herfindahl_geo"]]]
    [0.35, 0.625]
    """
    t = _shares(clusters, totals)
    t = t.filter(t.category != UNASSIGNED)
    e_c = t.e.sum().over(group_by=["year", "category"])
    e_all = t.e_region.sum().over(group_by=["year", "category"])
    t = t.mutate(g=_ratio(t.e, e_c), w=t.e_region / e_all)
    out = t.group_by(["category", "year"]).aggregate(
        hoover_location=(t.g - t.w).abs().sum() / 2, herfindahl_geo=(t.g * t.g).sum())
    return out


def index_change(indices: ir.Table, start: int, end: int, key: str = "region") -> ir.Table:
    """Change t0 -> t1 of every numeric index column of :func:`specialisation` (or
    :func:`concentration` with ``key='category'``): ``<index>_start``, ``_end``, ``_change``."""
    names = [c for c in indices.columns if c not in (key, "year")]
    a = indices.filter(indices.year == start)
    b = indices.filter(indices.year == end)
    j = a.join(b, key)
    cols: dict[str, ir.Value] = {}
    for n in names:
        cols[f"{n}_start"], cols[f"{n}_end"] = a[n], b[n]
        cols[f"{n}_change"] = b[n] - a[n]
    return j.select(a[key], start_year=ibis.literal(start), end_year=ibis.literal(end), **cols)


def cluster_trends(clusters: ir.Table, start: int, end: int, min_years: int = 3) -> ir.Table:
    """Rising and declining clusters over t0..t1 from the OLS slopes of LQ and employment.

    ``lq_slope`` is in LQ points per year; ``employment_trend`` is the employment slope
    divided by the mean employment (about the yearly growth rate). ``trend`` is ``rising``
    when both are > 0, ``declining`` when both are < 0, else ``mixed`` (our default);
    clusters observed in fewer than *min_years* years of the period are left out.

    Examples
    --------
    >>> c = ibis.memtable(pd.DataFrame({"region": "A", "category": "x",
    ...     "year": [2010, 2011, 2012], "employment": [90.0, 100, 110], "lq": [1.0, 1.1, 1.2]}))
    >>> out = cluster_trends(c, 2010, 2012).to_pandas()
    >>> round(float(out.lq_slope[0]), 6), round(float(out.employment_trend[0]), 6), out.trend[0]
    (0.1, 0.1, 'rising')
    """
    t = clusters.filter(clusters.year.between(start, end), clusters.employment.notnull(),
                        clusters.lq.notnull())
    year = t.year.cast("float64")
    g = t.group_by(["region", "category"]).aggregate(
        years=t.count(), var_year=year.var(how="pop"),
        cov_lq=year.cov(t.lq, how="pop"), cov_e=year.cov(t.employment, how="pop"),
        mean_e=t.employment.mean())
    g = g.filter(g.years >= min_years)
    lq_slope = g.cov_lq / g.var_year
    trend = _ratio(g.cov_e / g.var_year, g.mean_e)
    g = g.mutate(lq_slope=lq_slope, employment_trend=trend)
    label = ibis.cases(((g.lq_slope > 0) & (g.employment_trend > 0), "rising"),
                       ((g.lq_slope < 0) & (g.employment_trend < 0), "declining"),
                       else_="mixed")
    return g.select("region", "category", "years", "lq_slope", "employment_trend",
                    trend=label, start_year=ibis.literal(start), end_year=ibis.literal(end))


def transitions(ratings: ir.Table, start: int, end: int) -> ir.Table:
    """Stars of each rated cluster at t0 and t1: ``scheme, method, region, category,
    start_year, end_year, stars_start, stars_end`` (clusters rated in both years)."""
    keys = ["scheme", "method", "region", "category"]
    a = ratings.filter(ratings.year == start).select(*keys, stars_start=ratings.stars)
    b = ratings.filter(ratings.year == end).select(*keys, stars_end=ratings.stars)
    j = a.join(b, keys)
    return j.select(*keys, start_year=ibis.literal(start), end_year=ibis.literal(end),
                    stars_start=j.stars_start.cast("int64"), stars_end=j.stars_end.cast("int64"))


def transition_matrix(tr: ir.Table) -> ir.Table:
    """Counts of clusters per (scheme, method, stars_start, stars_end), with ``change``
    ``gained``, ``lost`` or ``same``.

    Examples
    --------
    >>> r = ibis.memtable(pd.DataFrame({"scheme": "s", "method": "m",
    ...     "region": ["A", "B", "A", "B"], "category": "x", "year": [2010, 2010, 2014, 2014],
    ...     "stars": [1, 2, 2, 2]}))
    >>> out = transition_matrix(transitions(r, 2010, 2014)).order_by("stars_start").to_pandas()
    >>> out[["stars_start", "stars_end", "clusters", "change"]].values.tolist()
    [[1, 2, 1, 'gained'], [2, 2, 1, 'same']]
    """
    g = tr.group_by(["scheme", "method", "stars_start", "stars_end"]).aggregate(
        clusters=tr.count())
    change = ibis.cases((g.stars_end > g.stars_start, "gained"),
                        (g.stars_end < g.stars_start, "lost"), else_="same")
    return g.mutate(change=change)

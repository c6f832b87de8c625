"""A short plain-language summary of a region's clusters, generated from the numbers."""

from __future__ import annotations

import math
from typing import Any

METHOD_NAMES = {
    "eco-classic": "the European Cluster Observatory's classic star method",
    "panorama": "the Cluster Panorama method",
    "uscmp-strong": "the US Cluster Mapping strong-cluster test",
}


def _ok(value: Any) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def stars_text(r: dict[str, Any]) -> str:
    """"2 stars at 35% confidence": a rating is never stated without how sure it is."""
    stars = int(r["stars"] or 0)
    text = f"{stars} star{'s' if stars != 1 else ''}"
    conf = r.get("stars_confidence")
    return f"{text} at {float(conf):.0%} confidence" if _ok(conf) else f"{text}, confidence unknown"


def _cluster(r: dict[str, Any]) -> str:
    share = r.get("estimate_share")
    # an estimate is never stated as a fact: say when the employment rests mostly on estimates
    estimated = f", {float(share):.0%} of it estimated" if _ok(share) and float(share) > 0.5 else ""
    # a rating of the US rule rests on the LQ among traded categories: the plain LQ may be missing
    lq = f"LQ {float(r['lq']):.2f}" if _ok(r.get("lq")) else "LQ unknown"
    employment = f"{float(r['employment']):,.0f} employees" if _ok(r.get("employment")) else "employment unknown"
    return f"{r['category_name']} ({stars_text(r)}, {lq}, {employment}{estimated})"


def _names(rows: list[dict[str, Any]], n: int = 3) -> str:
    names = ", ".join(str(r["category_name"]) for r in rows[:n])
    return names + (f" and {len(rows) - n} more" if len(rows) > n else "")


def region_summary(
    region: dict[str, Any], records: list[dict[str, Any]], year: int, method: str,
    total_employment: float | None, level_name: str | None = None,
) -> list[str]:
    """Sentences about *region*'s clusters in *year* under *method* (records: cluster rows).

    Traded first (US Cluster Mapping practice): the strongest clusters are traded ones; local
    categories (``traded`` False), which serve the region's own market, are named apart. A
    rating resting mostly on employment apportioned from divisions shared with other
    categories (``apportioned`` True, :mod:`clusterobs.reports.purity`) is not called one of
    the strongest: the summary says it was left out, and why. Rows without ``traded`` (a
    scheme that does not distinguish) count as traded. *level_name* is what the served
    dataset's geography calls the region's level (``metro area (CBSA)``; default ``NUTS n``).
    """
    level = level_name or f"NUTS {region['level']}"
    name = f"{region['name']} ({region['region']}, {level})"
    if not records:
        return [f"{name} has no cluster results for {year} in this scheme."]
    out = []
    if total_employment:
        out.append(f"{name} had {total_employment:,.0f} people employed in the covered sectors in {year}.")
    rated = sorted((r for r in records if (r["stars"] or 0) >= 1),
                   key=lambda r: (-(r["stars"] or 0), -(r["employment"] or 0)))
    distinguishes = any(r.get("traded") is False for r in records)
    local = [r for r in rated if r.get("traded") is False]
    traded = [r for r in rated if r.get("traded") is not False]
    lead = [r for r in traded if not r.get("apportioned")]
    left_out = [r for r in traded if r.get("apportioned")]
    how = METHOD_NAMES.get(method, method)
    if rated:
        kinds = (f" ({len(traded)} traded, {len(local)} local; traded ones are ranked first)"
                 if distinguishes else "")
        text = (f"Under {how}, {len(rated)} of its {len(records)} clusters have at least one "
                f"star{kinds}.")
        if lead:
            text += " The strongest: " + "; ".join(_cluster(r) for r in lead[:3]) + "."
        elif traded:
            text += " None of its starred traded clusters rests mainly on its own divisions."
        else:
            text += " None of them is traded."
        out.append(text)
        if left_out:
            out.append(f"Left out of the strongest: {_names(left_out)}: most of their employment is "
                       "apportioned from divisions shared with other categories (see purity), so "
                       "their rating follows those divisions rather than the category itself.")
        if local:
            out.append(f"Local clusters, which serve the region's own market, are shown apart: "
                       f"{'; '.join(_cluster(r) for r in local[:2])}.")
        strong = [r for r in rated if (r["stars"] or 0) >= 2]
        if strong and total_employment:
            share = sum(r["employment"] or 0 for r in strong) / total_employment
            out.append(f"Its {len(strong)} clusters with two or more stars employ {share:.1%} "
                       "of the region's workforce in the covered sectors.")
    else:
        out.append(f"Under {how}, none of its {len(records)} clusters has a star in {year}.")
    pool = [r for r in records if r.get("traded") is not False and not r.get("apportioned")]
    special = [r for r in (pool or records) if _ok(r["lq"])]
    if special:
        best = max(special, key=lambda r: r["lq"])
        kind = " traded" if distinguishes and pool else ""
        out.append(f"Its most specialised{kind} cluster is {best['category_name']}, with "
                   f"{best['lq']:.1f} times the share of employment of all regions of the dataset.")
    grow = [r for r in lead if _ok(r.get("growth_5y"))]
    if grow:
        fast = max(grow, key=lambda r: r["growth_5y"])
        out.append(f"Among rated{' traded' if distinguishes else ''} clusters, {fast['category_name']} "
                   f"grew fastest over five years ({fast['growth_5y']:+.1%} a year).")
    return out

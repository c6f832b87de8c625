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
    return f"{r['category_name']} ({stars_text(r)}, LQ {r['lq']:.2f}, {r['employment']:,.0f} employees)"


def region_summary(
    region: dict[str, Any], records: list[dict[str, Any]], year: int, method: str,
    total_employment: float | None,
) -> list[str]:
    """Sentences about *region*'s clusters in *year* under *method* (records: cluster rows)."""
    name = f"{region['name']} ({region['region']}, NUTS {region['level']})"
    if not records:
        return [f"{name} has no cluster results for {year} in this scheme."]
    out = []
    if total_employment:
        out.append(f"{name} had {total_employment:,.0f} people employed in the covered sectors in {year}.")
    rated = sorted((r for r in records if (r["stars"] or 0) >= 1),
                   key=lambda r: (-(r["stars"] or 0), -(r["employment"] or 0)))
    how = METHOD_NAMES.get(method, method)
    if rated:
        top = "; ".join(_cluster(r) for r in rated[:3])
        out.append(f"Under {how}, {len(rated)} of its {len(records)} clusters have at least one star. "
                   f"The strongest: {top}.")
        strong = [r for r in rated if (r["stars"] or 0) >= 2]
        if strong and total_employment:
            share = sum(r["employment"] or 0 for r in strong) / total_employment
            out.append(f"Its {len(strong)} clusters with two or more stars employ {share:.1%} "
                       "of the region's workforce in the covered sectors.")
    else:
        out.append(f"Under {how}, none of its {len(records)} clusters has a star in {year}.")
    special = [r for r in records if _ok(r["lq"])]
    if special:
        best = max(special, key=lambda r: r["lq"])
        out.append(f"Its most specialised cluster is {best['category_name']}, with "
                   f"{best['lq']:.1f} times the share of employment of all regions of the dataset.")
    grow = [r for r in rated if _ok(r.get("growth_5y"))]
    if grow:
        fast = max(grow, key=lambda r: r["growth_5y"])
        out.append(f"Among rated clusters, {fast['category_name']} grew fastest over five years "
                   f"({fast['growth_5y']:+.1%} a year).")
    return out

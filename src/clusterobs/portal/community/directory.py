"""The member directory: one filter definition (MemberFilter) for the page and the API.

A filter only ever matches a field the viewer may see: filtering on a hidden field would
reveal it.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from clusterobs.portal.community.forms import MemberFilter
from clusterobs.portal.community.models import MEMBERS, PUBLIC, Profile


def _seen(field: str, viewer: Any) -> Q:
    levels = [PUBLIC, MEMBERS] if viewer is not None and viewer.is_authenticated else [PUBLIC]
    return Q(**{f"{field}__in": levels})


def members(params: Any, viewer: Any) -> tuple[MemberFilter, QuerySet[Profile]]:
    """The bound filter form and the profiles *viewer* may list that match it."""
    form = MemberFilter(params)
    qs = Profile.objects.filter(_seen("vis_profile", viewer), banned=False).select_related("user")
    if not form.is_valid():
        return form, qs.none()
    d = form.cleaned_data
    if d["q"]:
        q = Q(display_name__icontains=d["q"])
        q |= Q(organisation__icontains=d["q"]) & _seen("vis_organisation", viewer)
        q |= (Q(offers__icontains=d["q"]) | Q(seeks__icontains=d["q"])) & _seen("vis_offers", viewer)
        qs = qs.filter(q)
    if d["role"]:
        qs = qs.filter(_seen("vis_role", viewer), role=d["role"])
    if d["country"]:
        qs = qs.filter(_seen("vis_location", viewer), country__iexact=d["country"])
    if d["category"]:
        # JSON list membership, portable across SQLite and PostgreSQL
        ids = [p.pk for p in qs.filter(_seen("vis_interests", viewer)) if d["category"] in (p.categories or [])]
        qs = qs.filter(pk__in=ids)
    return form, qs


def pins(profiles: Any, viewer: Any, centroids: dict[str, tuple[float, float]]) -> list[dict[str, Any]]:
    """Map markers at region centroids, only for members whose location the viewer may see."""
    out = []
    for p in profiles:
        if p.region and p.visible("location", viewer) and p.region in centroids:
            lat, lon = centroids[p.region]
            out.append({"lat": round(lat, 4), "lon": round(lon, 4), "name": p.name, "region": p.region,
                        "url": f"/members/{p.pk}/"})
    return out

"""Views of the methodology pages: the index and one page per Markdown file."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from clusterobs.portal.filters import NotFound
from clusterobs.portal.methodology import docs


def index(request: HttpRequest) -> HttpResponse:
    """``/methodology/``: every methodology page, the rating explanations first."""
    pages = [{"slug": s, "title": docs.title(s)} for s in docs.slugs()]
    main = [p for p in pages if "/" not in p["slug"]]
    groups: dict[str, list[dict[str, str]]] = {}
    for p in pages:
        if "/" in p["slug"]:
            groups.setdefault(p["slug"].split("/")[0], []).append(p)
    return render(request, "methodology/index.html", {"pages": main, "groups": sorted(groups.items()),
                                                      "nav": "methodology"})


def page(request: HttpRequest, slug: str) -> HttpResponse:
    """``/methodology/<slug>/``: one Markdown file of ``docs/methodology/`` as a page."""
    doc = docs.load(slug)
    if doc is None:
        raise NotFound(f"There is no methodology page {slug[:60]!r}.", [
            {"url": f"/methodology/{s}/", "label": docs.title(s)} for s in docs.slugs()[:8]])
    return render(request, "methodology/page.html", {"doc": doc, "nav": "methodology"})

"""The NinjaAPI instance (/api/v1/) and its error handlers: 400/404/422 JSON, never a 500."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import ValidationError

from clusterobs.errors import StoreError
from clusterobs.portal.api import clusters, geometries, reference
from clusterobs.portal.api.rendering import RENDERER
from clusterobs.portal.filters import BadInput, NotFound

api = NinjaAPI(
    renderer=RENDERER,
    title="Cluster Observatory API",
    version="1",
    description="Clusters, ratings, regions and geometries of the edition being served. "
    "Boundaries © EuroGeographics for the administrative boundaries; Source: Eurostat.",
    urls_namespace="api-v1",
)
api.add_router("/", reference.router)
api.add_router("/", clusters.router)
api.add_router("/", geometries.router)
api.add_router("/", "clusterobs.portal.api.trends.router")
api.add_router("/", "clusterobs.portal.api.scoreboard.router")
api.add_router("/", "clusterobs.portal.api.showcases.router")
api.add_router("/", "clusterobs.portal.api.community.router")


@api.exception_handler(BadInput)
def bad_input(request: HttpRequest, exc: BadInput) -> HttpResponse:
    """A value that is well-formed but not allowed: 400 with the reason."""
    return api.create_response(request, {"message": exc.message}, status=400)


@api.exception_handler(NotFound)
def not_found(request: HttpRequest, exc: NotFound) -> HttpResponse:
    """An unknown region or category: 404 with the closest ones."""
    return api.create_response(request, {"message": exc.message, "suggestions": exc.suggestions}, status=404)


@api.exception_handler(ValidationError)
def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    """A malformed value (wrong type, out of range): 422 with a one-line message and details."""
    parts = []
    for err in exc.errors:
        where = ".".join(str(p) for p in err.get("loc", ())[1:]) or "request"
        parts.append(f"{where}: {err.get('msg', 'invalid')}")
    return api.create_response(request, {"message": "; ".join(parts), "detail": exc.errors}, status=422)


@api.exception_handler(StoreError)
def no_store(request: HttpRequest, exc: StoreError) -> HttpResponse:
    """The store is missing or unreadable: 503 saying what to run."""
    return api.create_response(request, {"message": str(exc)}, status=503)

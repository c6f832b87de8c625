"""Dataset and edition selectors: every data page can show any dataset, live or as edited.

``?dataset=gb-bres`` on any page (and every API endpoint) chooses that dataset's results
(Europe by default, as declared); ``?edition=2026-H1`` chooses that edition's frozen results
and ``?edition=live`` goes back to the live data. Both choices are remembered in cookies.
They are applied per request by :class:`EditionMiddleware` through a context variable that
:func:`clusterobs.portal.store.cursor` reads, so views need no change. An unknown dataset or
edition is a 400 with a message, never a fallback to other numbers.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.template.loader import render_to_string

from clusterobs import config
from clusterobs.errors import ClusterObsError, StoreError
from clusterobs.sources import declarations
from clusterobs.store import editions

COOKIE = "edition"
DATASET_COOKIE = "dataset"
LIVE = "live"
selected_store: contextvars.ContextVar[Path | None] = contextvars.ContextVar("edition_store", default=None)
selected_dataset: contextvars.ContextVar[str | None] = contextvars.ContextVar("dataset", default=None)
selected_edition: contextvars.ContextVar[str | None] = contextvars.ContextVar("edition", default=None)


def declared() -> dict[str, Any]:
    """The declared datasets (cached by :mod:`clusterobs.sources.declarations`)."""
    return declarations.all_datasets()


def default_id() -> str:
    """The default dataset's id."""
    return declarations.default_id()


def declaration(dataset_id: str) -> Any:
    """The declaration of *dataset_id* (its error for unknown ids)."""
    return declarations.get(dataset_id)


def _choice(request: HttpRequest, key: str = COOKIE) -> tuple[str | None, bool]:
    """(edition name or None for live, whether the request set it explicitly)."""
    if key in request.GET:
        value = request.GET[key].strip()
        return (None if value in ("", LIVE) else value), True
    return request.COOKIES.get(key) or None, False


def available_datasets() -> list[dict[str, Any]]:
    """The declared datasets whose results exist (live), default first: id, title."""
    out = []
    try:
        known = declared()
    except ClusterObsError:
        return out
    for ds in known.values():
        if config.results_path(ds.id).is_file():
            out.append({"id": ds.id, "title": ds.title, "default": ds.default})
    return out


def dataset_path(dataset: str | None, edition: str | None) -> Path:
    """The results file of *dataset* (None: the default) live or in *edition*."""
    ds_id = dataset or default_id()
    if edition is not None:
        main = editions.manifest(edition).get("dataset")
        return editions.store_path(edition, dataset=None if ds_id == main else ds_id)
    return config.results_path(ds_id)


def current_dataset() -> str:
    """The dataset of the request being served."""
    return selected_dataset.get() or default_id()


class EditionMiddleware:
    """Point the store at the chosen edition for the duration of one request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        name, explicit = _choice(request)
        dataset, ds_explicit = _choice(request, DATASET_COOKIE)
        if dataset is not None:
            try:
                dataset = declaration(dataset).id
            except ClusterObsError as exc:
                if ds_explicit:
                    return _bad(request, f"dataset: {exc}")
                dataset = None
        path = None
        if name is not None:
            try:
                path = dataset_path(dataset, name)
                if not path.is_file():
                    raise StoreError(f"edition {name!r} has no results of dataset {dataset or 'default'}")
            except StoreError as exc:
                if not explicit:  # a stale cookie: forget it, show the live data
                    name = None
                else:
                    return _bad(request, str(exc))
        if name is None and dataset is not None:
            path = dataset_path(dataset, None)
            if not path.is_file():
                if ds_explicit:
                    return _bad(request, f"dataset {dataset} is not built yet: run "
                                         f"`clusterobs build --dataset {dataset}`")
                dataset, path = None, None
        request.edition = name  # type: ignore[attr-defined]
        request.dataset = dataset or default_id()  # type: ignore[attr-defined]
        # resolved once per request: the default dataset and its file are asked for by every
        # cursor, the cache key and the API's naming (each lookup reads the declarations folder)
        token = selected_store.set(path or config.results_path(request.dataset))  # type: ignore[attr-defined]
        ds_token = selected_dataset.set(request.dataset)  # type: ignore[attr-defined]
        ed_token = selected_edition.set(name)
        try:
            response = self.get_response(request)
        finally:
            selected_store.reset(token)
            selected_dataset.reset(ds_token)
            selected_edition.reset(ed_token)
        # every answer says which data it shows (pages, API, downloads)
        response["X-Observatory-Dataset"] = request.dataset  # type: ignore[attr-defined]
        response["X-Observatory-Edition"] = name or LIVE
        if explicit:
            if name:
                response.set_cookie(COOKIE, name, max_age=30 * 86400, samesite="Lax", httponly=True)
            else:
                response.delete_cookie(COOKIE)
        if ds_explicit:
            if dataset and dataset != default_id():
                response.set_cookie(DATASET_COOKIE, dataset, max_age=30 * 86400, samesite="Lax",
                                    httponly=True)
            else:
                response.delete_cookie(DATASET_COOKIE)
        return response


def _bad(request: HttpRequest, message: str) -> HttpResponse:
    """A 400 answer: JSON for the API, the site's error page otherwise."""
    if request.path.startswith("/api/"):
        return JsonResponse({"message": message, "suggestions": []}, status=400)
    html = render_to_string("error.html", {"title": "Bad request", "status": 400, "message": message})
    return HttpResponseBadRequest(html)


def edition_context(request: HttpRequest) -> dict[str, Any]:
    """Template context: the editions to choose from and the one shown."""
    try:
        available = list(reversed(editions.names()))
    except StoreError:
        available = []
    datasets = available_datasets()
    shown = getattr(request, "dataset", None)
    try:
        ds = declaration(shown) if shown else None
    except ClusterObsError:
        ds = None
    try:
        published = editions.current_name()
    except StoreError:
        published = None
    return {"editions_available": available, "edition_shown": getattr(request, "edition", None),
            "edition_published": published,
            "datasets_available": datasets, "dataset_shown": shown,
            "dataset_title": ds.title if ds else shown,
            "dataset_attribution": ds.attribution.strip() if ds else "",
            "dataset_geography": ds.geography.kind if ds else "nuts"}

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

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils.html import escape

from clusterobs import config
from clusterobs.errors import ClusterObsError, StoreError
from clusterobs.sources import declarations
from clusterobs.store import editions

COOKIE = "edition"
DATASET_COOKIE = "dataset"
LIVE = "live"
selected_store: contextvars.ContextVar[Path | None] = contextvars.ContextVar("edition_store", default=None)
selected_dataset: contextvars.ContextVar[str | None] = contextvars.ContextVar("dataset", default=None)


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
        known = declarations.all_datasets()
    except ClusterObsError:
        return out
    for ds in known.values():
        if config.results_path(ds.id).is_file():
            out.append({"id": ds.id, "title": ds.title, "default": ds.default})
    return out


def dataset_path(dataset: str | None, edition: str | None) -> Path:
    """The results file of *dataset* (None: the default) live or in *edition*."""
    ds_id = dataset or declarations.default_id()
    if edition is not None:
        main = editions.manifest(edition).get("dataset")
        return editions.store_path(edition, dataset=None if ds_id == main else ds_id)
    return config.results_path(ds_id)


def current_dataset() -> str:
    """The dataset of the request being served."""
    return selected_dataset.get() or declarations.default_id()


class EditionMiddleware:
    """Point the store at the chosen edition for the duration of one request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        name, explicit = _choice(request)
        dataset, ds_explicit = _choice(request, DATASET_COOKIE)
        if dataset is not None:
            try:
                dataset = declarations.get(dataset).id
            except ClusterObsError as exc:
                if ds_explicit:
                    return HttpResponseBadRequest(f"<p>dataset: {escape(str(exc))}</p>")
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
                    return HttpResponseBadRequest(f"<p>{escape(str(exc))}</p>")
        if name is None and dataset is not None:
            path = dataset_path(dataset, None)
            if not path.is_file():
                if ds_explicit:
                    return HttpResponseBadRequest(
                        f"<p>dataset {escape(dataset)} is not built yet: run "
                        f"<code>clusterobs build --dataset {escape(dataset)}</code></p>")
                dataset, path = None, None
        request.edition = name  # type: ignore[attr-defined]
        request.dataset = dataset or declarations.default_id()  # type: ignore[attr-defined]
        token = selected_store.set(path)
        ds_token = selected_dataset.set(dataset)
        try:
            response = self.get_response(request)
        finally:
            selected_store.reset(token)
            selected_dataset.reset(ds_token)
        if explicit:
            if name:
                response.set_cookie(COOKIE, name, max_age=30 * 86400, samesite="Lax", httponly=True)
            else:
                response.delete_cookie(COOKIE)
        if ds_explicit:
            if dataset and dataset != declarations.default_id():
                response.set_cookie(DATASET_COOKIE, dataset, max_age=30 * 86400, samesite="Lax",
                                    httponly=True)
            else:
                response.delete_cookie(DATASET_COOKIE)
        return response


def edition_context(request: HttpRequest) -> dict[str, Any]:
    """Template context: the editions to choose from and the one shown."""
    try:
        available = list(reversed(editions.names()))
    except StoreError:
        available = []
    datasets = available_datasets()
    shown = getattr(request, "dataset", None)
    try:
        ds = declarations.get(shown) if shown else None
    except ClusterObsError:
        ds = None
    return {"editions_available": available, "edition_shown": getattr(request, "edition", None),
            "datasets_available": datasets, "dataset_shown": shown,
            "dataset_title": ds.title if ds else shown,
            "dataset_attribution": ds.attribution.strip() if ds else "",
            "dataset_geography": ds.geography.kind if ds else "nuts"}

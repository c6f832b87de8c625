"""HTTP caching of data pages and API responses: ETag, Last-Modified, 304, a response cache.

A data page is a function of the results file it reads, the dataset and edition, the URL,
the language and the code: :class:`DataCacheMiddleware` derives a weak ETag from exactly
these *before* the view runs, so a revalidation (``If-None-Match`` / ``If-Modified-Since``)
is a 304 that never touches the store, and a repeated request is answered from the
``responses`` cache (shared by the workers; keys hold the file identity, so a rebuild, which
replaces the file, can never serve old numbers). Bodies are stored gzip-compressed once and
sent compressed to clients that accept it.

Only anonymous GET/HEAD requests of the data paths (:data:`PREFIXES`) are handled: no
session cookie (signed-in visitors get fresh pages), no page that used a CSRF token, set a
cookie or wrote the session, only 200 answers. Cache-Control is public with
``settings.CACHE_MAX_AGE_EDITION`` for an edition's frozen data, ``CACHE_MAX_AGE_LIVE`` plus
must-revalidate for live data, private where ``?dataset=`` / ``?edition=`` set a cookie.
Responses vary on Cookie (the dataset and edition may come from cookies), Accept-Language
and Accept-Encoding.

Region pages also list policy showcases (ORM): saving or deleting one touches a stamp file
(:func:`bump`) that is part of every key.
"""

from __future__ import annotations

import fcntl
import gzip
import hashlib
import logging
import os
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.middleware.gzip import GZipMiddleware
from django.utils.cache import patch_vary_headers
from django.utils.http import http_date, parse_http_date_safe

from clusterobs import __version__, config

log = logging.getLogger(__name__)

#: URL prefixes of the store-backed pages and endpoints (``/`` itself is the home page)
PREFIXES = ("/map/", "/regions/", "/categories/", "/compare/", "/search.json", "/trends/",
            "/scoreboard/", "/panorama/", "/api/v1/")
#: never cached although under a prefix above: ORM-backed or per-user resources, files
EXCLUDED = ("/api/v1/community", "/api/v1/showcases", "/api/v1/docs")
COMPRESSIBLE = ("text/html", "text/csv", "text/plain", "application/json", "application/geo+json",
                "application/javascript", "image/svg+xml")
#: gzip level of cached answers: level 3 writes a region page (88 KB of HTML) in 0.6 ms
#: against 1.1 ms at the usual 6, for 11 % more bytes (14.8 against 13.4 KB; an API page of
#: 100 clusters: 7.9 against 7.1 KB, 0.28 against 0.57 ms)
GZIP_LEVEL = 3
MAX_BODY = 16 * 1024 * 1024
ACCEPTS_GZIP = re.compile(r"\bgzip\b")
STAMP = "portal-content.stamp"
#: headers of the view's response that are kept with a cached body
KEEP = ("Content-Type", "Content-Disposition", "Content-Language")


@cache
def code_version() -> str:
    """The package version and a hash of its files' sizes and times (templates included)."""
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha1(__version__.encode())
    for path in sorted(root.rglob("*")):
        if path.suffix in (".py", ".html", ".txt", ".css", ".js", ".json", ".sql", ".toml", ".yaml", ".mo"):
            st = path.stat()
            digest.update(f"{path.relative_to(root)}:{st.st_size}:{st.st_mtime_ns}".encode())
    return f"{__version__}+{digest.hexdigest()[:12]}"


def _stat(path: Path) -> tuple[int, int, int]:
    try:
        st = os.stat(path)
    except OSError:
        return (0, 0, 0)
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def bump(**_: Any) -> None:
    """Mark ORM content shown on data pages (policy showcases) as changed, for every worker."""
    path = config.var_dir() / STAMP
    try:
        path.touch()
        os.utime(path)
    except OSError as exc:
        log.warning("cannot touch %s: %s", path, exc)


post_save.connect(bump, sender="showcases.Case", weak=False, dispatch_uid="caching-case-save")
post_delete.connect(bump, sender="showcases.Case", weak=False, dispatch_uid="caching-case-delete")


def cacheable_request(request: HttpRequest) -> bool:
    """An anonymous GET/HEAD of a data path."""
    if request.method not in ("GET", "HEAD"):
        return False
    path = request.path
    if path != "/" and not path.startswith(PREFIXES):
        return False
    if path.startswith(EXCLUDED) or "/download/" in path:
        return False
    return settings.SESSION_COOKIE_NAME not in request.COOKIES


def fingerprint(request: HttpRequest) -> tuple[str, int] | None:
    """(ETag value, results file mtime in seconds) of the request, or None without results."""
    from clusterobs.portal import store

    data = store.data_path()
    ident = _stat(data)
    if ident == (0, 0, 0):
        return None
    var = config.var_dir()
    parts = [
        ident, _stat(config.editions_dir()), _stat(config.results_path("-").parent), _stat(var / STAMP),
        getattr(request, "dataset", None), getattr(request, "edition", None),
        getattr(request, "LANGUAGE_CODE", None), request.path,
        sorted(request.GET.lists()), code_version(),
    ]
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    return digest, ident[2] // 1_000_000_000


def _matches(header: str, etag: str) -> bool:
    """Weak comparison of an If-None-Match header with *etag* (``*`` matches)."""
    if header.strip() == "*":
        return True
    return any(tag.strip().removeprefix("W/") == f'"{etag}"' for tag in header.split(","))


def _not_modified(request: HttpRequest, etag: str, mtime: int) -> bool:
    inm = request.headers.get("If-None-Match")
    if inm is not None:
        return _matches(inm, etag)
    ims = request.headers.get("If-Modified-Since")
    if ims is not None:
        since = parse_http_date_safe(ims)
        return since is not None and mtime <= since
    return False


def _policy(request: HttpRequest, response: HttpResponse, etag: str, mtime: int) -> HttpResponse:
    """Add the validators, Cache-Control and Vary."""
    response["ETag"] = f'W/"{etag}"'
    response["Last-Modified"] = http_date(mtime)
    sets_cookie = "dataset" in request.GET or "edition" in request.GET
    if getattr(request, "edition", None):
        age, extra = settings.CACHE_MAX_AGE_EDITION, ""
    else:
        age, extra = settings.CACHE_MAX_AGE_LIVE, ", must-revalidate"
    response["Cache-Control"] = f"{'private' if sets_cookie else 'public'}, max-age={age}{extra}"
    patch_vary_headers(response, ("Cookie", "Accept-Language", "Accept-Encoding"))
    return response


def _entry(request: HttpRequest, response: HttpResponse) -> dict[str, Any] | None:
    """What to keep of a fresh response, or None when it must not be shared."""
    if response.status_code != 200 or response.streaming or response.cookies:
        return None
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE") or request.META.get("CSRF_COOKIE_USED"):
        return None
    session = getattr(request, "session", None)
    if session is not None and session.modified:
        return None
    if response.has_header("Content-Encoding") or len(response.content) > MAX_BODY:
        return None
    body = response.content
    headers = {h: response[h] for h in KEEP if response.has_header(h)}
    ctype = headers.get("Content-Type", "").split(";")[0].strip()
    gz = None
    if ctype in COMPRESSIBLE and len(body) >= 200:
        packed = gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)
        gz = packed if len(packed) < len(body) else None
    return {"headers": headers, "body": None if gz else body, "gz": gz}


def _respond(request: HttpRequest, entry: dict[str, Any]) -> HttpResponse:
    """A new response from a cached entry (compressed when the client accepts gzip)."""
    gz = entry["gz"]
    if gz is None:
        response = HttpResponse(entry["body"])
    elif ACCEPTS_GZIP.search(request.headers.get("Accept-Encoding", "")):
        response = HttpResponse(gz)
        response["Content-Encoding"] = "gzip"
    else:
        response = HttpResponse(gzip.decompress(gz))
    for name, value in entry["headers"].items():
        response[name] = value
    response["Content-Length"] = str(len(response.content))
    return response


def cache_get(key: str) -> dict[str, Any] | None:
    try:
        return caches["responses"].get(key)  # type: ignore[no-any-return]
    except Exception as exc:  # a read-only or full cache folder serves uncached, never fails
        log.warning("response cache unavailable: %s", exc)
        return None


def cache_set(key: str, entry: dict[str, Any]) -> None:
    try:
        caches["responses"].set(key, entry)
    except Exception as exc:
        log.warning("response cache unavailable: %s", exc)


#: lock files the workers share (a key's lock is one of them: no file per key to clean up)
LOCK_STRIPES = 4096
#: the longest a request waits for another worker computing the same answer, in seconds
LOCK_WAIT = 10.0


@cache
def _lock_folder(var: Path) -> Path:
    """``var/locks/responses``, created once per process (not on every uncached request)."""
    folder = var / "locks" / "responses"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@contextmanager
def single_flight(etag: str) -> Iterator[None]:
    """Hold the cross-process lock of *etag* while the answer is computed, so that concurrent
    requests for an answer not yet in the cache wait for the first and read its entry instead
    of each computing it (after a rebuild, or a crawler's burst: in the load test's cold
    start 46 of 229 slow answers were computed two or three times at once).

    Locks are ``flock`` on one of :data:`LOCK_STRIPES` files under ``var/locks`` (separate
    open files, so threads of one worker exclude each other too; the kernel releases a lock
    of a killed worker). Waiting stops after :data:`LOCK_WAIT` seconds and the request
    computes the answer itself; a folder that cannot hold lock files only loses the
    sharing, never the answer.
    """
    try:
        folder = _lock_folder(config.var_dir())
        handle = open(folder / f"{int(etag[:8], 16) % LOCK_STRIPES:04d}.lock", "ab")  # noqa: SIM115
    except (OSError, ValueError) as exc:
        log.warning("response cache lock unavailable: %s", exc)
        yield
        return
    try:
        deadline = time.monotonic() + LOCK_WAIT
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    break  # compute it ourselves
                time.sleep(0.005)
        yield
    finally:
        handle.close()  # releases the lock


class CompressMiddleware(GZipMiddleware):
    """Django's gzip (with its BREACH mitigation) for text: JSON, CSV, GeoJSON, HTML, ...

    Files that are already compressed (the editions' ZIP data packages, Parquet, XLSX,
    images) pass untouched, so they keep being sent straight from the file.
    """

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        ctype = response.get("Content-Type", "").split(";")[0].strip()
        if ctype not in COMPRESSIBLE:
            return response
        return super().process_response(request, response)  # type: ignore[no-any-return]


class DataCacheMiddleware:
    """ETag/Last-Modified/304 and a shared response cache for anonymous data requests.

    Must come after ``EditionMiddleware`` (it reads the resolved dataset and edition) and
    ``LocaleMiddleware`` (the language is part of the key).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not cacheable_request(request):
            return self.get_response(request)
        found = fingerprint(request)
        if found is None:
            return self.get_response(request)
        etag, mtime = found
        if _not_modified(request, etag, mtime):
            response: HttpResponse = HttpResponseNotModified()
            response["X-Cache"] = "revalidated"
            return _policy(request, response, etag, mtime)
        key = f"response:{etag}"
        entry = cache_get(key)
        state = "hit"
        if entry is None:
            with single_flight(etag):  # the same answer asked twice at once is computed once
                entry = cache_get(key)
                if entry is None:
                    fresh = self.get_response(request)
                    entry = _entry(request, fresh)
                    if entry is None:
                        return fresh
                    cache_set(key, entry)
                    state = "miss"
        response = _respond(request, entry)
        response["X-Cache"] = state
        return _policy(request, response, etag, mtime)

"""Fetch source files: from the local mirror, from the cache, or by download.

When ``CLUSTEROBS_MIRROR`` names a folder, :func:`fetch` takes the file of the same name
from anywhere below it and never touches the network. Otherwise it downloads into the cache
through an :class:`httpx.BaseTransport`, which tests replace by :class:`httpx.MockTransport`
serving real sample bytes. A download is written to a temporary file, checked and then
renamed, so the cache never holds half a file.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
from pathlib import Path

import httpx

from clusterobs.errors import FetchError
from clusterobs.sources.catalog import Dataset


def find_in_mirror(mirror: Path, file_name: str) -> Path | None:
    """The first file called *file_name* below *mirror* (sorted, so stable), or None."""
    hits = sorted(p for p in mirror.rglob(file_name) if p.is_file())
    return hits[0] if hits else None


def fetch(
    dataset: Dataset,
    *,
    cache: Path,
    mirror: Path | None = None,
    transport: httpx.BaseTransport | None = None,
    refresh: bool = False,
) -> Path:
    """Return a local path holding *dataset*'s file.

    Raises
    ------
    FetchError
        When the mirror lacks the file, the dataset has no download address, or the
        download fails or delivers something that is not the expected format.
    """
    if mirror is not None:
        # the file, or one of its other published forms (e.g. SDMX-CSV for a TSV dataset)
        for name in (dataset.file_name, *dataset.alternatives):
            found = find_in_mirror(mirror, name)
            if found is not None:
                return found
        raise FetchError(f"{dataset.file_name} not found below the mirror {mirror}")
    target = cache / dataset.file_name
    if target.exists() and not refresh:
        return target
    if dataset.url is None:
        raise FetchError(
            f"{dataset.id} has no download address: put {dataset.file_name} in a folder "
            "and point CLUSTEROBS_MIRROR at it"
        )
    return _download(dataset, target, transport)


def _download(dataset: Dataset, target: Path, transport: httpx.BaseTransport | None) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    url = dataset.url or ""
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out, httpx.Client(
            transport=transport, timeout=120, follow_redirects=True
        ) as client, client.stream("GET", url) as response:
            if response.status_code != 200:
                raise FetchError(f"download of {dataset.id} from {url} answered HTTP {response.status_code}")
            sink = gzip.GzipFile(fileobj=out, mode="wb", mtime=0) if dataset.gzip_download else out
            for chunk in response.iter_bytes():
                sink.write(chunk)
            if sink is not out:
                sink.close()
        _check_download(tmp, dataset)
        os.replace(tmp, target)
    except httpx.HTTPError as exc:
        raise FetchError(f"download of {dataset.id} from {url} failed: {exc}") from None
    finally:
        tmp.unlink(missing_ok=True)
    return target


#: how an HTML or XML page begins (an error or login page served with status 200)
_MARKUP = (b"<!doctype", b"<html", b"<?xml", b"<head", b"<body", b"<!--", b"<error", b"<title")


def _check_download(path: Path, dataset: Dataset) -> None:
    """Refuse a download before it enters the cache: empty, not gzip, truncated, or a web page.

    A ``.gz`` name must start with the gzip magic bytes and decompress completely; the
    (decompressed) start of the body must not be an HTML or XML page.
    """
    where = f"download of {dataset.id} from {dataset.url}"
    if path.stat().st_size == 0:
        raise FetchError(f"download of {dataset.id} is empty")
    with path.open("rb") as fh:
        head = fh.read(512)
    if dataset.file_name.endswith(".gz"):
        if head[:2] == b"\x1f\x8b":
            try:
                with gzip.open(path, "rb") as fh:
                    head = fh.read(512)
                    while fh.read(1 << 20):
                        pass
            except (OSError, EOFError) as exc:
                raise FetchError(f"download of {dataset.id} is not complete gzip data ({exc})") from None
        elif not _is_markup(head):
            raise FetchError(f"{where} is not gzip data (it begins {head[:20]!r}); expected "
                             f"{dataset.file_name}; nothing was cached")
    if _is_markup(head):
        first = head.decode("utf-8", "replace").strip().splitlines()[0][:40] if head.strip() else ""
        raise FetchError(f"{where} answered with an HTML or XML page, not data (it begins "
                         f"{first!r}); nothing was cached")


def _is_markup(head: bytes) -> bool:
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip().lower()
    return text.startswith(_MARKUP)


def sha256(path: Path) -> str:
    """Hex SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()

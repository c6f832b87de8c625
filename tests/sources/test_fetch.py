"""Fetching: the mirror, the cache and real downloads through a mock HTTP transport."""

from __future__ import annotations

import gzip
from pathlib import Path

import httpx
import pytest

from clusterobs.errors import FetchError
from clusterobs.sources import catalog, fetch


def serving(body: bytes, status: int = 200, seen: list[str] | None = None) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(str(request.url))
        return httpx.Response(status, content=body)

    return httpx.MockTransport(handler)


def test_mirror_file_is_found_anywhere_below(mirror: Path, tmp_path: Path) -> None:
    ds = catalog.get("sbs_r_nuts06_r2")
    path = fetch.fetch(ds, cache=tmp_path, mirror=mirror)
    assert path == mirror / "eurostat_sbs_regional" / "sbs_r_nuts06_r2.tsv.gz"
    assert list(tmp_path.iterdir()) == []  # the mirror is read in place, never copied


def test_download_real_bytes_into_the_cache(sbs_path: Path, tmp_path: Path) -> None:
    seen: list[str] = []
    ds = catalog.get("sbs_r_nuts06_r2")
    path = fetch.fetch(ds, cache=tmp_path, transport=serving(sbs_path.read_bytes(), seen=seen))
    assert seen == [ds.url]
    assert path.read_bytes() == sbs_path.read_bytes()
    again = fetch.fetch(ds, cache=tmp_path, transport=serving(b"", 500))  # cached: no request
    assert again == path


def test_gisco_geojson_is_gzipped_on_the_way_in(mirror: Path, tmp_path: Path) -> None:
    ds = catalog.get("gisco-nuts2016-l0")
    real = gzip.decompress(next(mirror.rglob(ds.file_name)).read_bytes())
    path = fetch.fetch(ds, cache=tmp_path, transport=serving(real))
    assert path.name == ds.file_name and gzip.decompress(path.read_bytes()) == real


def test_failed_or_truncated_download_leaves_nothing(sbs_path: Path, tmp_path: Path) -> None:
    ds = catalog.get("sbs_r_nuts06_r2")
    with pytest.raises(FetchError, match="answered HTTP 503"):
        fetch.fetch(ds, cache=tmp_path, transport=serving(b"busy", 503))
    with pytest.raises(FetchError, match="not complete gzip data"):
        fetch.fetch(ds, cache=tmp_path, transport=serving(sbs_path.read_bytes()[:5000]))
    assert list(tmp_path.iterdir()) == []


def test_missing_in_mirror_and_no_address(tmp_path: Path) -> None:
    with pytest.raises(FetchError, match="sbs_r_nuts06_r2.tsv.gz not found below the mirror"):
        fetch.fetch(catalog.get("sbs_r_nuts06_r2"), cache=tmp_path, mirror=tmp_path)
    with pytest.raises(FetchError, match="has no download address"):
        fetch.fetch(catalog.get("nace"), cache=tmp_path / "c")
    with pytest.raises(FetchError, match="unknown dataset 'nope': expected one of"):
        catalog.get("nope")

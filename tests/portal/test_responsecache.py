"""The response cache's file backend: values round-trip uncompressed, unreadable entries are
misses, and the folder is thinned once it passes its limit (a look every CULL_EVERY writes)."""

from __future__ import annotations

import gzip
import pickle
import zlib
from pathlib import Path

from clusterobs.portal import responsecache
from clusterobs.portal.responsecache import ResponseFileCache


def _cache(folder: Path, max_entries: int = 300) -> ResponseFileCache:
    return ResponseFileCache(str(folder), {"TIMEOUT": 60, "OPTIONS": {"MAX_ENTRIES": max_entries,
                                                                       "CULL_FREQUENCY": 4}})


def test_entry_round_trips_and_is_stored_without_a_second_compression(tmp_path: Path) -> None:
    cache = _cache(tmp_path)
    body = b"<p>" + b"Baden-W\xc3\xbcrttemberg " * 400 + b"</p>"
    entry = {"headers": {"Content-Type": "text/html"}, "body": None, "gz": gzip.compress(body, mtime=0)}
    cache.set("response:abc", entry)
    assert cache.get("response:abc") == entry
    (stored,) = tmp_path.glob("*.djcache")
    raw = stored.read_bytes()
    # the expiry, then the pickled entry itself: the gzip bytes appear verbatim
    assert entry["gz"] in raw
    assert len(raw) < len(entry["gz"]) + 200
    assert cache.has_key("response:abc") and not cache.has_key("response:other")
    assert cache.get("response:other", "missing") == "missing"


def test_unreadable_entries_are_misses(tmp_path: Path) -> None:
    cache = _cache(tmp_path)
    cache.set("a", {"x": 1})
    (stored,) = tmp_path.glob("*.djcache")
    expiry = pickle.dumps(10**12, pickle.HIGHEST_PROTOCOL)
    # what Django's FileBasedCache writes (zlib after the expiry), and a file cut short
    stored.write_bytes(expiry + zlib.compress(pickle.dumps({"x": 1})))
    assert cache.get("a", "miss") == "miss"
    stored.write_bytes(expiry + pickle.dumps({"x": 1})[:5])
    assert cache.get("a", "miss") == "miss"
    cache.set("a", {"x": 2})
    assert cache.get("a") == {"x": 2}


def test_folder_is_thinned_past_its_limit(tmp_path: Path) -> None:
    cache = _cache(tmp_path, max_entries=100)
    writes = 100 + 2 * responsecache.CULL_EVERY
    for i in range(writes):
        cache.set(f"k{i}", i)
    count = len(list(tmp_path.glob("*.djcache")))
    # without thinning every write would stay; with it the folder never passes the limit by
    # more than the writes between two looks
    assert count < writes
    assert count <= 100 + responsecache.CULL_EVERY
    cache.set("kept", {"x": 1})
    assert cache.touch("kept") is True and cache.get("kept") == {"x": 1}
    assert cache.touch("never-written") is False

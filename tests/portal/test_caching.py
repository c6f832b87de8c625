"""HTTP caching of data pages and the API (issue 16): ETag/Last-Modified, 304 on
revalidation, a new build changes the ETag, the shared response cache, gzip, and the row
caps of the clusters downloads."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import time
from pathlib import Path

import pytest
from django.test import Client

from clusterobs.portal import caching

API = "/api/v1/clusters?region=ITC4&year=2012"
PAGES = [API, "/regions/ITC4/?year=2012", "/map/?category=4&year=2012",
         "/api/v1/geometries?level=2&year=2012&category=4", "/api/v1/schemes"]


pytestmark = pytest.mark.usefixtures("response_cache")


@pytest.mark.django_db
@pytest.mark.parametrize("url", PAGES)
def test_validators_and_304(client: Client, url: str) -> None:
    first = client.get(url)
    assert first.status_code == 200
    etag, modified = first["ETag"], first["Last-Modified"]
    assert etag.startswith('W/"') and modified
    assert first["Cache-Control"] == "public, max-age=60, must-revalidate"
    assert {"Cookie", "Accept-Language", "Accept-Encoding"} <= {v.strip() for v in first["Vary"].split(",")}
    again = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == etag
    # a strong spelling of the same tag, and a list of tags, match too (weak comparison)
    assert client.get(url, HTTP_IF_NONE_MATCH=f'"x", {etag[2:]}').status_code == 304
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=modified).status_code == 304
    assert client.get(url, HTTP_IF_NONE_MATCH='W/"other"').status_code == 200


@pytest.mark.django_db
def test_repeat_request_is_served_from_the_cache(client: Client, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    url = "/regions/ITC4/?year=2012"
    first = client.get(url)
    assert first["X-Cache"] == "miss"
    with django_assert_num_queries(0):  # not even the showcases of the region
        start = time.perf_counter()
        second = client.get(url)
        elapsed = time.perf_counter() - start
    assert second["X-Cache"] == "hit" and second.content == first.content
    assert second["ETag"] == first["ETag"]
    assert elapsed < 0.05, f"a cached page took {elapsed * 1000:.0f} ms"


@pytest.mark.django_db
def test_the_query_string_order_does_not_matter_but_its_values_do(client: Client) -> None:
    a = client.get("/api/v1/clusters?region=ITC4&year=2012")
    b = client.get("/api/v1/clusters?year=2012&region=ITC4")
    c = client.get("/api/v1/clusters?year=2011&region=ITC4")
    assert a["ETag"] == b["ETag"] != c["ETag"]
    assert b["X-Cache"] == "hit"


@pytest.mark.django_db
def test_a_new_build_changes_the_etag(client: Client, built_store: Path, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The results file is replaced (as a build does: a new file renamed over the old one):
    the old ETag no longer revalidates and the page is computed again."""
    store = tmp_path / "store" / "observatory.duckdb"
    results = store.parent / "datasets" / built_store.name
    results.parent.mkdir(parents=True)
    shutil.copyfile(built_store, results)
    monkeypatch.setenv("CLUSTEROBS_STORE", str(store))
    before = client.get(API)
    assert before.status_code == 200, before.content[:300]
    assert client.get(API, HTTP_IF_NONE_MATCH=before["ETag"]).status_code == 304

    fresh = results.with_name(".rebuild.tmp")
    shutil.copyfile(built_store, fresh)
    os.replace(fresh, results)
    after = client.get(API, HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200
    assert after["ETag"] != before["ETag"] and after["X-Cache"] == "miss"
    assert json.loads(after.content) == json.loads(before.content)


@pytest.mark.django_db
def test_dataset_from_a_cookie_is_part_of_the_key(client: Client, built_datasets: dict[str, Path]) -> None:
    europe = client.get("/api/v1/schemes")
    client.cookies["dataset"] = "gb-bres"
    britain = client.get("/api/v1/schemes")
    assert britain["ETag"] != europe["ETag"] and britain["X-Cache"] == "miss"
    assert britain.content != europe.content
    assert "Cookie" in britain["Vary"]
    # the explicit choice sets a cookie: browsers may keep the answer, shared caches may not
    chosen = Client().get("/api/v1/schemes?dataset=gb-bres")
    assert chosen.cookies["dataset"].value == "gb-bres"
    assert chosen["Cache-Control"].startswith("private,")


@pytest.mark.django_db
def test_a_showcase_change_changes_the_region_page_etag(client: Client) -> None:
    from django.db.models.signals import post_save

    from clusterobs.portal.showcases.models import Case

    url = "/regions/ITC4/"
    before = client.get(url)["ETag"]
    time.sleep(0.01)
    assert post_save.has_listeners(Case)
    caching.bump()
    assert client.get(url)["ETag"] != before


@pytest.mark.django_db
def test_personal_and_unsafe_requests_are_not_cached(client: Client, django_user_model) -> None:  # type: ignore[no-untyped-def]
    assert not client.get("/api/v1/community/events").has_header("ETag")
    assert not client.get("/accounts/login/").has_header("ETag")
    assert client.post(API).status_code in (403, 405)
    user = django_user_model.objects.create_user(username="c1", email="c1@example.org", password="x-9-long-pass")
    client.force_login(user)
    signed_in = client.get(API)
    assert signed_in.status_code == 200 and not signed_in.has_header("ETag")


@pytest.mark.django_db
@pytest.mark.parametrize("url, media", [
    (API, "application/json"),
    ("/api/v1/geometries?level=2&year=2012&category=4", "application/geo+json"),
    ("/regions/ITC4/?year=2012", "text/html"),
    ("/api/v1/clusters?region=ITC4&format=csv", "text/csv"),
])
def test_text_answers_are_compressed(client: Client, url: str, media: str) -> None:
    plain = client.get(url)
    assert not plain.has_header("Content-Encoding")
    for _ in range(2):  # computed, then from the cache
        packed = client.get(url, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
        assert packed.status_code == 200 and packed["Content-Type"].startswith(media)
        assert packed["Content-Encoding"] == "gzip"
        assert gzip.decompress(packed.content) == plain.content
        assert len(packed.content) < len(plain.content) / 2


@pytest.mark.django_db
def test_binary_downloads_are_not_recompressed(client: Client) -> None:
    resp = client.get("/api/v1/clusters?region=ITC4&format=parquet", HTTP_ACCEPT_ENCODING="gzip")
    assert resp.status_code == 200 and not resp.has_header("Content-Encoding")
    assert resp.content[:4] == b"PAR1"


@pytest.mark.django_db
@pytest.mark.parametrize("fmt, cap", [("xlsx", "10,000"), ("csv", "100,000"), ("parquet", "100,000")])
def test_whole_table_downloads_are_refused_quickly(client: Client, fmt: str, cap: str) -> None:
    start = time.perf_counter()
    resp = client.get(f"/api/v1/clusters?format={fmt}")
    elapsed = time.perf_counter() - start
    assert resp.status_code == 400
    message = resp.json()["message"]
    assert f"at most {cap} rows" in message and "data package" in message and "/panorama/" in message
    assert elapsed < 10, f"refusing took {elapsed:.1f} s"


@pytest.mark.django_db
def test_filtered_xlsx_under_the_cap_is_served(client: Client) -> None:
    resp = client.get("/api/v1/clusters?region=ITC4&format=xlsx")
    assert resp.status_code == 200
    assert resp.content[:2] == b"PK"


def test_etag_depends_on_the_code_version() -> None:
    assert caching.code_version().startswith("0.")


def test_concurrent_requests_for_a_missing_answer_compute_it_once() -> None:
    """Single flight: four requests at once for an answer not yet cached run the view once;
    the others wait for it and are answered from its cache entry."""
    import threading

    from django.http import HttpResponse
    from django.test import RequestFactory

    calls: list[int] = []

    def slow_view(request):  # type: ignore[no-untyped-def]
        calls.append(1)
        time.sleep(0.3)
        return HttpResponse(json.dumps({"n": len(calls)}) * 20, content_type="application/json")

    middleware = caching.DataCacheMiddleware(slow_view)
    results: list[tuple[str, bytes]] = []

    def ask() -> None:
        response = middleware(RequestFactory().get("/api/v1/clusters?region=ITC4&year=2009&limit=7"))
        results.append((response["X-Cache"], response.content))

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1
    assert sorted(state for state, _ in results) == ["hit", "hit", "hit", "miss"]
    assert len({body for _, body in results}) == 1
    # a different answer is still computed (its own key)
    other = middleware(RequestFactory().get("/api/v1/clusters?region=ITC4&year=2010&limit=7"))
    assert other["X-Cache"] == "miss" and len(calls) == 2

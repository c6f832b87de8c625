"""Every integer query parameter of the API is bounded: a huge or out-of-range value is a 422
with the API's error schema (``message``, ``detail``), never a 500; path traversal under
/static/ is a 404 with the production setup (DEBUG off, whitenoise)."""

from __future__ import annotations

import pytest
from django.test import Client

from clusterobs.portal.api.schemas import MAX_OFFSET

HUGE = ["9223372036854775808", "99999999999999999999", str(MAX_OFFSET + 1), "1e30", "-1"]

#: (endpoint, integer parameter) for every list endpoint of the API
PARAMETERS = [
    ("/api/v1/clusters", "offset"),
    ("/api/v1/clusters", "limit"),
    ("/api/v1/clusters", "year"),
    ("/api/v1/clusters", "level"),
    ("/api/v1/clusters", "min_stars"),
    ("/api/v1/showcases", "offset"),
    ("/api/v1/showcases", "limit"),
    ("/api/v1/community/events", "offset"),
    ("/api/v1/community/events", "limit"),
    ("/api/v1/community/members", "offset"),
    ("/api/v1/community/members", "limit"),
    ("/api/v1/regions", "level"),
    ("/api/v1/geometries", "level"),
    ("/api/v1/geometries", "year"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("url", "name"), PARAMETERS)
@pytest.mark.parametrize("value", HUGE)
def test_out_of_range_integers_are_422(client, url, name, value) -> None:  # type: ignore[no-untyped-def]
    r = client.get(url, {name: value})
    assert r.status_code == 422, (url, name, value, r.status_code, r.content[:300])
    body = r.json()
    assert body["message"].startswith(f"{name}: ") and body["detail"], body


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/api/v1/clusters?offset=9223372036854775808",
                                 "/api/v1/showcases?offset=99999999999999999999"])
def test_the_reported_offsets_are_422(client, url) -> None:  # type: ignore[no-untyped-def]
    r = client.get(url)
    assert r.status_code == 422
    assert r.json()["message"] == f"offset: Input should be less than or equal to {MAX_OFFSET}"


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/api/v1/clusters", "/api/v1/showcases", "/api/v1/community/events",
                                 "/api/v1/community/members"])
def test_largest_allowed_offset_is_an_empty_page(client, url) -> None:  # type: ignore[no-untyped-def]
    r = client.get(url, {"offset": MAX_OFFSET})
    assert r.status_code == 200, r.content[:300]
    body = r.json()
    items = body if isinstance(body, list) else body["items"]
    assert items == []
    if isinstance(body, dict):
        assert body["offset"] == MAX_OFFSET and body["next_offset"] is None


def test_offset_bound_is_in_the_openapi_document(client) -> None:  # type: ignore[no-untyped-def]
    spec = client.get("/api/v1/openapi.json").json()
    for path in ("/api/v1/clusters", "/api/v1/showcases", "/api/v1/community/events", "/api/v1/community/members"):
        params = {p["name"]: p["schema"] for p in spec["paths"][path]["get"]["parameters"]}
        assert params["offset"].get("maximum") == MAX_OFFSET, (path, params["offset"])


@pytest.mark.django_db
@pytest.mark.parametrize("path", [
    "/static/..%2F..%2F..%2Fetc%2Fpasswd",
    "/static/../../../etc/passwd",
    "/static/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/static/..%5C..%5C..%5Cetc%5Cpasswd",
    "/static/..%2Fsecret.txt",
    "/static/vendor/..%2F..%2Fsecret.txt",
    "/static/%00",
])
def test_static_path_traversal_is_404_in_production(settings, tmp_path, path) -> None:  # type: ignore[no-untyped-def]
    # the production setup: DEBUG off, whitenoise serving the collected STATIC_ROOT in front
    # of Django (a new Client builds a new middleware chain, which reads these settings)
    root = tmp_path / "static"
    root.mkdir()
    (root / "ok.txt").write_text("served")
    (tmp_path / "secret.txt").write_text("root:x:0:0")
    settings.DEBUG = False
    settings.STATIC_ROOT = str(root)
    settings.WHITENOISE_AUTOREFRESH = False
    settings.WHITENOISE_USE_FINDERS = False
    assert "whitenoise.middleware.WhiteNoiseMiddleware" in settings.MIDDLEWARE
    c = Client(raise_request_exception=False)
    assert c.get("/static/ok.txt").status_code == 200  # whitenoise does serve the folder
    r = c.get(path)
    assert r.status_code == 404, (path, r.status_code)
    assert b"root:" not in r.content

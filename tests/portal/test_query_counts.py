"""Database queries per page and endpoint (issue 16): the committed counts below are checked
with Django's ``assertNumQueries`` (pytest-django's ``django_assert_num_queries``), so a
page that starts querying the portal database per row, or on every request, fails here.

The counts are those of an anonymous visitor with the response cache bypassed (each request
runs its view); a request answered from the response cache makes none (test_caching.py).
Store reads (DuckDB) are not ORM queries and are not counted here.
"""

from __future__ import annotations

import pytest
from django.test import Client

#: url -> ORM queries of one anonymous request
EXPECTED = {
    "/": 0,
    "/map/?category=4&year=2012": 0,
    "/map/panel/?category=4&year=2012": 0,
    "/regions/ITC4/?year=2012": 1,  # the policy showcases tied to the region
    "/categories/eu-clusters/4/": 0,
    "/compare/?regions=ITC4,DE21": 0,
    "/search.json?q=lomb": 0,
    "/api/v1/clusters?region=ITC4&year=2012": 0,
    "/api/v1/clusters?region=ITC4&format=csv": 0,
    "/api/v1/geometries?level=2&year=2012&category=4": 0,
    "/api/v1/geometries?level=0": 0,
    "/api/v1/schemes": 0,
    "/api/v1/categories": 0,
    "/api/v1/methods": 0,
    "/api/v1/regions?level=2": 0,
    "/api/v1/regions/ITC4": 0,
    "/api/v1/datasets": 0,
    "/api/v1/showcases": 2,  # count + page
    "/api/v1/community/events": 1,  # places left counted in the same query
    "/api/v1/community/members": 1,
    "/panorama/": 0,
    "/healthz": 5,  # a query, then a probe write rolled back inside a savepoint
}


@pytest.fixture(autouse=True)
def no_response_cache(settings) -> None:  # type: ignore[no-untyped-def]
    settings.CACHES = {**settings.CACHES, "responses": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}


@pytest.mark.django_db
@pytest.mark.parametrize("url", list(EXPECTED))
def test_queries_per_request(client: Client, url: str, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    client.get(url)  # the first request of a process fills per-process memos
    with django_assert_num_queries(EXPECTED[url]):
        resp = client.get(url)
    assert resp.status_code == 200, resp.content[:300]

"""API /api/v1/: resources equal the store; validation errors are 400/422 JSON with a message."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest

from tests.portal.conftest import scalar


def test_schemes_categories_methods(client, con):
    schemes = client.get("/api/v1/schemes").json()
    assert [s["scheme"] for s in schemes] == [r[0] for r in con.execute("SELECT scheme FROM schemes ORDER BY 1").fetchall()]
    cats = client.get("/api/v1/categories?scheme=emerging").json()
    assert len(cats) == scalar(con, "SELECT count(*) FROM categories WHERE scheme='emerging'")
    methods = {m["method"]: m for m in client.get("/api/v1/methods").json()}
    assert methods["uscmp-strong"]["schemes"] == ["eu-clusters"] and methods["uscmp-strong"]["max_stars"] == 1
    assert methods["panorama"]["criteria"] == ["size", "specialisation", "productivity", "dynamism"]
    only = [m["method"] for m in client.get("/api/v1/methods?scheme=ecosystems").json()]
    assert only == ["eco-classic", "panorama"]


def test_regions(client, con):
    level1 = client.get("/api/v1/regions?level=1").json()
    assert len(level1) == scalar(con, "SELECT count(DISTINCT region) FROM region_totals WHERE level=1")
    assert client.get("/api/v1/regions/ITC4").json() == {"dataset": "europe", "edition": "live", "region": "ITC4",
                                                          "name": "Lombardia", "level": 2, "country": "IT"}
    missing = client.get("/api/v1/regions/ITC9")
    assert missing.status_code == 404 and "ITC4" in [s["region"] for s in missing.json()["suggestions"]]


def test_clusters_values_equal_the_store(client, con):
    body = client.get("/api/v1/clusters?region=ITC4&year=2014&scheme=eu-clusters&method=panorama&limit=1000").json()
    expected = con.execute(
        """SELECT c.category, c.employment, c.lq, r.stars, r.productivity FROM clusters c
           JOIN ratings r USING (scheme, region, level, year, category)
           WHERE c.scheme='eu-clusters' AND r.method='panorama' AND c.region='ITC4' AND c.year=2014""").df()
    got = {i["category"]: i for i in body["items"]}
    assert len(got) == len(expected) and body["next_offset"] is None
    for row in expected.itertuples():
        item = got[row.category]
        assert item["employment"] == pytest.approx(row.employment) and item["stars"] == row.stars
        assert item["criteria"]["productivity"] == (None if pd.isna(row.productivity) else bool(row.productivity))


def test_clusters_pagination_and_min_stars(client, con):
    first = client.get("/api/v1/clusters?year=2014&category=4&level=2&limit=100").json()
    second = client.get(f"/api/v1/clusters?year=2014&category=4&level=2&limit=100&offset={first['next_offset']}").json()
    n = scalar(con, "SELECT count(*) FROM clusters WHERE scheme='eu-clusters' AND year=2014 AND category='4' AND level=2")
    assert first["next_offset"] == 100 and len(first["items"]) == 100
    codes = {i["region"] for i in first["items"]} | {i["region"] for i in second["items"]}
    assert len(codes) == min(n, 200)
    strong = client.get("/api/v1/clusters?year=2014&category=4&level=2&min_stars=3&limit=1000").json()["items"]
    assert len(strong) == scalar(con, """SELECT count(*) FROM ratings WHERE scheme='eu-clusters' AND method='eco-classic'
                                         AND year=2014 AND category='4' AND level=2 AND stars >= 3""")


def test_clusters_download(client, con):
    resp = client.get("/api/v1/clusters?region=DE21&year=2014&format=csv")
    assert resp.status_code == 200 and resp["Content-Type"].startswith("text/csv")
    assert len(pd.read_csv(io.BytesIO(resp.content))) == scalar(
        con, "SELECT count(*) FROM clusters WHERE scheme='eu-clusters' AND region='DE21' AND year=2014")


@pytest.mark.parametrize(("url", "status", "message"), [
    ("/api/v1/clusters?year=abc", 422, "year: Input should be a valid integer"),
    ("/api/v1/clusters?limit=0", 422, "limit: Input should be greater than or equal to 1"),
    ("/api/v1/clusters?min_stars=9", 422, "min_stars"),
    ("/api/v1/clusters?scheme=zzz", 400, "scheme='zzz' is not allowed"),
    ("/api/v1/clusters?scheme=emerging&method=uscmp-strong", 400, "method='uscmp-strong' is not allowed"),
    ("/api/v1/clusters?year=1990", 400, "year=1990 has no results"),
    ("/api/v1/clusters?category=nope", 400, "category='nope' is not a category"),
    ("/api/v1/clusters?format=pdf", 400, "format='pdf' is not allowed"),
    ("/api/v1/categories?scheme=zzz", 400, "scheme='zzz'"),
    ("/api/v1/regions?level=x", 422, "level"),
    ("/api/v1/geometries?level=3", 422, "level"),
    ("/api/v1/geometries?scheme=eu-clusters&category=zzz", 400, "category='zzz'"),
])
def test_bad_input_is_a_json_message(client, url, status, message):
    resp = client.get(url)
    assert resp.status_code == status, resp.content
    assert message in resp.json()["message"]


def test_geometries_geojson(client, con):
    resp = client.get("/api/v1/geometries?level=2")
    assert resp["Content-Type"] == "application/geo+json"
    body = json.loads(resp.content)
    assert len(body["features"]) == scalar(con, "SELECT count(*) FROM geometries WHERE level=2")
    assert len(resp.content) < 1_500_000
    valued = json.loads(client.get("/api/v1/geometries?level=2&scheme=eu-clusters&category=4&indicator=employment&year=2014").content)
    by_code = {f["properties"]["region"]: f["properties"].get("value") for f in valued["features"]}
    assert by_code["DE11"] == pytest.approx(scalar(
        con, "SELECT employment FROM clusters WHERE scheme='eu-clusters' AND category='4' AND year=2014 AND region='DE11'"))


def test_openapi_and_local_docs(client):
    spec = client.get("/api/v1/openapi.json").json()
    assert spec["openapi"].startswith("3.1") and "/api/v1/clusters" in spec["paths"]
    docs = client.get("/api/docs", follow=True).content.decode()
    assert "/static/ninja/" in docs and "cdn" not in docs.lower()


@pytest.mark.parametrize("query", [
    "region=ITC4&year=2014&scheme=eu-clusters&method=panorama&limit=1000",
    "year=2011&category=4&level=2&limit=50&offset=50",
    "region=DE91&method=uscmp-strong&limit=20",
    "scheme=emerging&year=2013&min_stars=1&limit=30",
])
def test_clusters_answer_is_what_its_schema_validates(client, query):
    """The clusters page is written without ninja's second validation (api/rendering.py):
    it must be exactly what validating it against ClusterPage gives, field for field."""
    from clusterobs.portal.api.schemas import ClusterPage

    body = client.get(f"/api/v1/clusters?{query}").json()
    assert body["items"], query
    assert body.pop("edition") == "live"
    checked = json.loads(ClusterPage.model_validate(body).model_dump_json())
    assert body == checked
    assert list(body["items"][0]) == list(checked["items"][0])  # the schema's field order

"""Geometries at the detail the zoom needs: coarser levels prepared at build time have fewer
coordinates and keep every region; ``?detail=`` and ``?zoom=`` choose among them."""

from __future__ import annotations

import json

import pytest

from clusterobs.store import queries


def _coordinates(geometry: dict) -> int:
    """Number of coordinate pairs of a (Multi)Polygon."""
    rings = geometry["coordinates"] if geometry["type"] == "Polygon" else \
        [ring for polygon in geometry["coordinates"] for ring in polygon]
    return sum(len(ring) for ring in rings)


def _features(client, query: str) -> dict[str, int]:  # type: ignore[no-untyped-def]
    resp = client.get(f"/api/v1/geometries?{query}", HTTP_ACCEPT_ENCODING="identity")
    assert resp.status_code == 200, resp.content[:200]
    return {f["id"]: _coordinates(f["geometry"]) for f in json.loads(resp.content)["features"]}


@pytest.mark.parametrize("level", [0, 1, 2])
def test_coarser_details_keep_every_region_with_fewer_coordinates(client, con, level: int) -> None:  # type: ignore[no-untyped-def]
    high = _features(client, f"level={level}")
    medium = _features(client, f"level={level}&detail=medium")
    low = _features(client, f"level={level}&detail=low")
    regions = {r[0] for r in con.execute("SELECT region FROM geometries WHERE level = ?", [level]).fetchall()}
    assert set(high) == set(medium) == set(low) == regions
    assert all(n >= 4 for n in low.values())  # every region still a closed ring
    assert sum(low.values()) < sum(medium.values()) < sum(high.values())
    assert sum(low.values()) < 0.85 * sum(high.values())
    assert _features(client, f"level={level}&detail=high") == high


def test_zoom_chooses_the_detail(client) -> None:  # type: ignore[no-untyped-def]
    assert [queries.detail_for_zoom(z) for z in (0, 4, 5, 6, 7, 18)] == ["low", "low", "medium", "medium",
                                                                         "high", "high"]
    assert _features(client, "level=2&zoom=3") == _features(client, "level=2&detail=low")
    assert _features(client, "level=2&zoom=6") == _features(client, "level=2&detail=medium")
    assert _features(client, "level=2&zoom=3&detail=high") == _features(client, "level=2")


def test_values_ride_on_coarse_shapes_too(client) -> None:  # type: ignore[no-untyped-def]
    resp = client.get("/api/v1/geometries?level=2&scheme=eu-clusters&category=4&year=2014&detail=low",
                      HTTP_ACCEPT_ENCODING="identity")
    features = json.loads(resp.content)["features"]
    assert any(f["properties"].get("value") is not None for f in features)


@pytest.mark.parametrize("query", ["detail=tiny", "zoom=19", "zoom=-1"])
def test_bad_detail_or_zoom_is_refused(client, query: str) -> None:  # type: ignore[no-untyped-def]
    resp = client.get(f"/api/v1/geometries?level=2&{query}")
    assert resp.status_code == 422 and "message" in resp.json()

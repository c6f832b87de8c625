"""The trends API returns the trend tables without drawing a chart (the pages draw them)."""

from __future__ import annotations

from typing import Any

import pytest

from clusterobs.portal.insights import charts

REGION = "DE21"


def _refuse(*_: Any, **__: Any) -> dict[str, Any]:
    raise AssertionError("the API drew a chart")


@pytest.fixture()
def no_charts(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("growth_bars", "network", "shift_share_bars", "index_lines", "dimension_bars"):
        monkeypatch.setattr(charts, name, _refuse)


def test_trends_api_draws_no_chart(client, sb, no_charts) -> None:  # type: ignore[no-untyped-def]
    resp = client.get(f"/api/v1/trends?region={REGION}")
    assert resp.status_code == 200, resp.content[:300]
    body = resp.json()
    assert body["region"] == REGION and body["growth"] and body["network"]
    assert not any(key.endswith("_chart") for key in body)
    opportunities = sb.execute("SELECT count(*) FROM opportunities WHERE region = ?", [REGION]).fetchone()[0]
    assert len(body["opportunities"]) == opportunities > 0
    assert all(r["category_name"] for r in body["opportunities"])


def test_region_trends_api_draws_no_chart(client, sb, no_charts) -> None:  # type: ignore[no-untyped-def]
    resp = client.get(f"/api/v1/trends/regions/{REGION}")
    assert resp.status_code == 200, resp.content[:300]
    body = resp.json()
    total = sb.execute("SELECT sum(actual_change) FROM shift_share WHERE region = ?", [REGION]).fetchone()[0]
    assert sum(r["actual_change"] for r in body["shift_share"]) == pytest.approx(total)
    assert body["specialisation"] and body["region"]["region"] == REGION


def test_the_page_still_draws_them(client) -> None:  # type: ignore[no-untyped-def]
    html = client.get(f"/trends/regions/{REGION}/").content.decode()
    assert "Specialisation indices" in html and "Shift-share of the ten largest changes" in html

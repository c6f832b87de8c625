"""The Panorama pages (issue 5 §4): edition list, downloads, change log with filters.

The pages read only what :mod:`clusterobs.store.editions` reads for them (manifest.json,
changes.parquet and the download files), so each test writes a small editions folder of
that exact layout into ``tmp_path`` and points ``CLUSTEROBS_EDITIONS`` at it: no built
store, no ``var/`` folder and no real edition are needed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from clusterobs.store import editions

FIRST, SECOND = "2025-H2", "2026-H1"
ROWS = 150  # more than one page of 100 rows
CAUSES = ("new_data_year", "data_revision", "methodology_change")


@pytest.fixture(scope="session", autouse=True)
def portal_store() -> Iterator[None]:
    """These pages never open the main store: skip the session's built store (slow to build)."""
    yield None


def _change_log() -> pd.DataFrame:
    rows = []
    for i in range(ROWS):
        rows.append({
            "kind": "rating" if i % 3 else "criterion", "scheme": "eu-clusters" if i % 2 else "ecosystems",
            "method": "panorama" if i % 5 else "eco-classic", "level": 2, "region": f"FR{i % 7}{i % 4}",
            "region_name": f"Region {i % 7}", "category": str(i % 11), "criterion": None if i % 3 else "size",
            "change": "gained" if i % 4 else "lost", "stars_t0": i % 3, "stars_t1": (i + 1) % 3,
            "value_t0": 1.0 + i / 7, "value_t1": 1.5 + i / 9, "cut_t0": 1.2, "cut_t1": 1.3,
            "rank_t0": None, "rank_t1": None, "cause": CAUSES[i % 3], "sub_cause": "-",
            "category_name": f"Category {i % 11}",
        })
    frame = pd.DataFrame(rows)
    for column in ("level", "stars_t0", "stars_t1", "rank_t0", "rank_t1"):
        frame[column] = frame[column].astype("Int64")
    return frame


def _write_edition(root: Path, name: str, previous: str | None, log: pd.DataFrame | None) -> None:
    folder = root / name
    folder.mkdir(parents=True)
    summary: list[dict] = []
    if log is not None:
        log.to_parquet(folder / "changes.parquet", index=False)
        log.to_csv(folder / "changes.csv", index=False)
        grouped = log.groupby(["kind", "change", "cause", "sub_cause"]).size()
        summary = [{"kind": k, "change": c, "cause": ca, "sub_cause": s, "rows": int(n)}
                   for (k, c, ca, s), n in grouped.items()]
    years = list(range(2008, 2014 if previous is None else 2015))
    manifest = {
        "name": name, "created_at": "2026-01-01T00:00:00+00:00", "headline_year": years[-1] - 1,
        "data_years": years, "max_data_year": years[-1], "fingerprint": f"fp-{name}", "previous": previous,
        "change_log": {"rows": 0 if log is None else len(log), "from": previous, "summary": summary,
                       "year_t0": 2012, "year_t1": 2013,
                       "transitions": {"eu-clusters/panorama": {
                           "index": ["not rated", "0", "1"], "columns": ["not rated", "0", "1"],
                           "rows": [[0, 3, 1], [2, 40, 5], [0, 4, 17]]}}},
    }
    (folder / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    (folder / "report.html").write_text(f"<!doctype html><title>Cluster Panorama {name}</title>", "utf-8")
    (folder / "report.pdf").write_bytes(b"%PDF-1.7\n% test\n%%EOF\n")


@pytest.fixture()
def editions_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Two editions (the second with a 150-row change log), the second published."""
    root = tmp_path / "editions"
    _write_edition(root, FIRST, None, None)
    _write_edition(root, SECOND, FIRST, _change_log())
    (root / "CURRENT").write_text(SECOND, "utf-8")
    (root / ".2026-H2.building-1").mkdir()  # a build in progress: never listed
    monkeypatch.setenv("CLUSTEROBS_EDITIONS", str(root))
    return root


def test_list_shows_every_edition_newest_first(client, editions_root: Path) -> None:  # type: ignore[no-untyped-def]
    expected = editions.list_editions()
    assert [e["name"] for e in expected] == [FIRST, SECOND]
    response = client.get("/panorama/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index(f'data-edition="{SECOND}"') < html.index(f'data-edition="{FIRST}"')
    assert "2026-H2" not in html
    assert html.count('data-current="true"') == 1
    rows = {e["name"]: e for e in response.context["editions"]}
    for item in expected:
        shown = rows[item["name"]]
        for key in ("current", "headline_year", "data_years", "previous", "change_log_rows"):
            assert shown[key] == item[key]
        assert f'<td class="n" data-field="headline_year">{item["headline_year"]}</td>' in html
        years = item["data_years"]
        assert f"{min(years)}–{max(years)}" in html
        for download in item["downloads"]:
            assert f'/panorama/{item["name"]}/download/{download["kind"]}/' in html
    assert f'<span class="n">{ROWS}</span> changes since {FIRST}' in html
    assert response.context["editions"][0]["current"] is True


def test_empty_folder_explains_how_to_build(client, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CLUSTEROBS_EDITIONS", str(tmp_path / "none"))
    response = client.get("/panorama/")
    assert response.status_code == 200
    assert "clusterobs panorama build" in response.content.decode()


def test_changes_page_counts_match_the_summary(client, editions_root: Path) -> None:  # type: ignore[no-untyped-def]
    summary = editions.change_summary(SECOND)
    response = client.get(f"/panorama/{SECOND}/changes/")
    assert response.status_code == 200
    html = response.content.decode()
    by_change: dict[str, int] = {}
    by_cause: dict[str, int] = {}
    for row in summary:
        by_change[row["change"]] = by_change.get(row["change"], 0) + row["rows"]
        by_cause[row["cause"]] = by_cause.get(row["cause"], 0) + row["rows"]
    assert dict(response.context["by_change"]) == by_change
    assert dict(response.context["by_cause"]) == by_cause
    for change, n in by_change.items():
        assert f'<td class="n" data-change="{change}">{n}</td>' in html
    for cause, n in by_cause.items():
        assert f'<td class="n" data-cause="{cause}">{n}</td>' in html
    assert f'<span id="total-changes">{ROWS}</span>' in html
    # the transition matrix, accessible tables, the first page of 100 rows, the CSV link
    assert "<caption>Transitions eu-clusters/panorama</caption>" in html
    assert '<label for="f-scheme">' in html and '<label for="f-region">' in html
    assert response.context["total"] == ROWS and len(response.context["rows"]) == 100
    assert f"/panorama/{SECOND}/download/changes_csv/" in html
    second = client.get(f"/panorama/{SECOND}/changes/?page=2")
    assert second.status_code == 200 and len(second.context["rows"]) == ROWS - 100


def test_filters_select_the_same_rows_as_the_store(client, editions_root: Path) -> None:  # type: ignore[no-untyped-def]
    expected = editions.changes(SECOND, scheme="eu-clusters", cause="data_revision")
    response = client.get(f"/panorama/{SECOND}/changes/", {"scheme": "eu-clusters", "cause": "data_revision"})
    assert response.status_code == 200
    assert response.context["total"] == len(expected) > 0
    region = str(expected["region"].iloc[0])
    by_region = client.get(f"/panorama/{SECOND}/changes/", {"region": region, "method": "panorama"})
    assert by_region.context["total"] == len(editions.changes(SECOND, region=region, method="panorama"))
    first = client.get(f"/panorama/{FIRST}/changes/")
    assert first.status_code == 200 and first.context["total"] == 0


@pytest.mark.parametrize("query", ["scheme=%27%3B+DROP+TABLE", "region=" + "x" * 80, "cause=a%20b",
                                   "page=abc", "page=0", "page=99"])
def test_bad_filter_is_a_400(client, editions_root: Path, query: str) -> None:  # type: ignore[no-untyped-def]
    response = client.get(f"/panorama/{SECOND}/changes/?{query}")
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()


def test_downloads_return_the_files(client, editions_root: Path) -> None:  # type: ignore[no-untyped-def]
    for item in editions.downloads(SECOND):
        response = client.get(f"/panorama/{SECOND}/download/{item['kind']}/")
        assert response.status_code == 200, item["kind"]
        assert response["Content-Type"] == item["media_type"]
        body = b"".join(response.streaming_content)
        assert body == Path(item["path"]).read_bytes()
    assert {d["kind"] for d in editions.downloads(SECOND)} >= {"report_html", "report_pdf", "changes_csv",
                                                               "manifest"}


@pytest.mark.parametrize("url", ["/panorama/2030-H1/changes/", "/panorama/not-an-edition/changes/",
                                 "/panorama/2030-H1/download/manifest/", f"/panorama/{SECOND}/download/secrets/",
                                 f"/panorama/{SECOND}/download/data/", "/panorama/..%2F..%2Fetc/download/manifest/"])
def test_unknown_edition_or_download_is_a_404(client, editions_root: Path, url: str) -> None:  # type: ignore[no-untyped-def]
    assert client.get(url).status_code == 404


def test_change_log_is_paged_in_the_query(client, editions_root: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    everything = editions.changes(SECOND)
    assert editions.change_count(SECOND) == len(everything) == ROWS
    page = editions.changes(SECOND, limit=100, offset=100)
    assert len(page) == ROWS - 100
    assert page["region"].tolist() == everything["region"].iloc[100:].tolist()
    assert editions.change_count(SECOND, scheme="eu-clusters") == int((everything["scheme"] == "eu-clusters").sum())
    assert editions.change_values(SECOND, ("scheme", "cause")) == {
        "scheme": ["ecosystems", "eu-clusters"], "cause": sorted(CAUSES)}
    assert editions.change_count(FIRST) == 0 and editions.change_values(FIRST, ("scheme",)) == {"scheme": []}
    # the page never reads the whole log: every read of rows asks for one page
    calls: list[dict] = []
    real = editions.changes

    def spy(name: str, root: Path | None = None, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(kwargs)
        return real(name, root, **kwargs)

    monkeypatch.setattr(editions, "changes", spy)
    second = client.get(f"/panorama/{SECOND}/changes/?page=2")
    assert second.status_code == 200
    assert second.context["total"] == ROWS and len(second.context["rows"]) == ROWS - 100
    assert [c.get("limit") for c in calls] == [100] and calls[0]["offset"] == 100
    calls.clear()
    filtered = client.get(f"/panorama/{SECOND}/changes/?cause=data_revision")
    want = everything[everything["cause"] == "data_revision"]
    assert filtered.context["total"] == len(want) and len(filtered.context["rows"]) == len(want) < 100
    assert calls == [{"limit": 100, "offset": 0, "cause": "data_revision"}]
    assert client.get(f"/panorama/{SECOND}/changes/?page=2&cause=data_revision").status_code == 400

"""Every data page can show a past edition: ?edition=NAME reads that edition's frozen store."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest


@pytest.fixture()
def editions_root(tmp_path: Path, built_store: Path, monkeypatch) -> Path:
    """One edition, 2025-H2, whose frozen store lacks Oberbayern (DE21) to tell it apart."""
    folder = tmp_path / "editions" / "2025-H2"
    folder.mkdir(parents=True)
    shutil.copyfile(built_store, folder / "store.duckdb")
    with duckdb.connect(str(folder / "store.duckdb")) as con:
        con.execute("DELETE FROM clusters WHERE region = 'DE21'")
        con.execute("DELETE FROM cluster_view WHERE region = 'DE21'")  # the read model (ratings: a view of it)
    (folder / "manifest.json").write_text(json.dumps({"name": "2025-H2"}), encoding="utf-8")
    monkeypatch.setenv("CLUSTEROBS_EDITIONS", str(tmp_path / "editions"))
    return tmp_path / "editions"


@pytest.mark.django_db
def test_edition_changes_the_numbers_and_is_remembered(client, editions_root) -> None:
    api = "/api/v1/clusters?region=DE21&year=2014&scheme=eu-clusters"
    live = client.get(api).json()
    assert len(live["items"]) > 0
    shown = client.get(api + "&edition=2025-H2")
    assert shown.status_code == 200 and shown.json()["items"] == []  # the edition lacks DE21
    assert shown.cookies["edition"].value == "2025-H2"
    assert client.get(api).json()["items"] == []  # the cookie keeps the edition
    home = client.get("/")
    assert b"frozen Panorama edition" in home.content and b"2025-H2" in home.content
    back = client.get(api + "&edition=live")
    assert back.json()["items"] == live["items"] and back.cookies["edition"].value == ""


@pytest.mark.django_db
def test_unknown_or_malformed_edition_is_a_400(client, editions_root) -> None:
    for value in ("2031-H1", "../etc", "<script>"):
        response = client.get(f"/map/?edition={value}")
        assert response.status_code == 400
        assert b"<script>" not in response.content

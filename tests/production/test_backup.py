"""Backup and restore round trip: database rows, store bytes and editions come back."""

from __future__ import annotations

import shutil
import tarfile
from pathlib import Path

import duckdb
import pytest
from django.contrib.auth import get_user_model

from clusterobs.errors import ClusterObsError
from clusterobs.portal import backup


@pytest.fixture()
def site(tmp_path: Path, monkeypatch) -> Path:
    store = tmp_path / "var" / "store" / "observatory.duckdb"
    store.parent.mkdir(parents=True)
    with duckdb.connect(str(store)) as con:
        con.execute("CREATE TABLE build_info AS SELECT 'round-trip' AS fingerprint")
    edition = tmp_path / "var" / "editions" / "2026-H1"
    edition.mkdir(parents=True)
    (edition / "manifest.json").write_text('{"name": "2026-H1"}', encoding="utf-8")
    monkeypatch.setenv("CLUSTEROBS_STORE", str(store))
    monkeypatch.setenv("CLUSTEROBS_EDITIONS", str(tmp_path / "var" / "editions"))
    return tmp_path


@pytest.mark.django_db(transaction=True)
def test_round_trip(site: Path) -> None:
    user_model = get_user_model()
    user_model.objects.create_user("ana", "ana@example.org", "a-long-passphrase-1")
    store = site / "var" / "store" / "observatory.duckdb"
    before = store.read_bytes()
    archive = site / "backup.tar.gz"
    manifest = backup.backup(archive)
    assert set(manifest["files"]) == {"app.json", "store.duckdb", "editions/2026-H1/manifest.json"}
    assert manifest["editions"] == ["2026-H1"]
    # disaster: the user is gone, the store damaged, the edition lost
    user_model.objects.all().delete()
    store.write_bytes(b"garbage")
    shutil.rmtree(site / "var" / "editions" / "2026-H1")
    backup.restore(archive)
    assert user_model.objects.get(username="ana").check_password("a-long-passphrase-1")
    assert store.read_bytes() == before
    assert (site / "var" / "editions" / "2026-H1" / "manifest.json").exists()


@pytest.mark.django_db(transaction=True)
def test_bad_archive_changes_nothing(site: Path) -> None:
    user_model = get_user_model()
    user_model.objects.create_user("ben", "ben@example.org", "a-long-passphrase-2")
    archive = site / "backup.tar.gz"
    backup.backup(archive)
    broken = site / "broken.tar.gz"
    with tarfile.open(archive) as src, tarfile.open(broken, "w:gz") as dst:
        for member in src.getmembers():
            data = src.extractfile(member)
            if member.name == "app.json" and data is not None:
                payload = data.read().replace(b"ben", b"eve")
                member.size = len(payload)
                import io

                dst.addfile(member, io.BytesIO(payload))
            else:
                dst.addfile(member, data)
    with pytest.raises(ClusterObsError, match="app.json does not match its checksum; nothing restored"):
        backup.restore(broken)
    assert user_model.objects.filter(username="ben").exists()
    (site / "junk.tar.gz").write_bytes(b"not an archive")
    with pytest.raises(ClusterObsError, match="not a readable backup archive"):
        backup.restore(site / "junk.tar.gz")

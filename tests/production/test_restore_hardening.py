"""Restore cannot destroy: damaged, altered and crafted archives change nothing (issue 17, item 1).

Each test snapshots the whole temporary folder (every file's bytes and mode, every folder's
mode) and the user table before a restore that must fail, and asserts both are unchanged
after it: no staging folder left behind, no file outside var touched.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import stat
import tarfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import duckdb
import pytest
from django.contrib.auth import get_user_model
from typer.testing import CliRunner

from clusterobs.errors import ClusterObsError
from clusterobs.portal import backup

pytestmark = pytest.mark.django_db(transaction=True)


def _store(path: Path, seed: int, rows: int = 20_000) -> None:
    """A small DuckDB file whose bytes depend on *seed* (random values compress badly)."""
    with duckdb.connect(str(path)) as con:
        con.execute("SELECT setseed(?)", [seed / 100])
        con.execute("CREATE TABLE build_info AS SELECT ? AS fingerprint", [f"seed-{seed}"])
        con.execute(f"CREATE TABLE noise AS SELECT random() AS v FROM range({rows})")


def _edition(root: Path, name: str, seed: int) -> None:
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text(json.dumps({"name": name}), encoding="utf-8")
    (folder / "report.html").write_text(f"<h1>Panorama {name}</h1>", encoding="utf-8")
    _store(folder / "store.duckdb", seed, rows=5_000)
    for path in folder.iterdir():  # frozen as pipeline.editions does: 0444 files, 0555 folder
        path.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    folder.chmod(0o555)


@pytest.fixture(autouse=True)
def fast_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture()
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """var/ with a store, two frozen editions, 2026-H1 published, and one user."""
    var = tmp_path / "var"
    (var / "store").mkdir(parents=True)
    _store(var / "store" / "observatory.duckdb", 1)
    editions = var / "editions"
    _edition(editions, "2025-H2", 2)
    _edition(editions, "2026-H1", 3)
    (editions / "CURRENT").write_text("2026-H1\n", encoding="utf-8")
    monkeypatch.setenv("CLUSTEROBS_VAR", str(var))
    monkeypatch.setenv("CLUSTEROBS_STORE", str(var / "store" / "observatory.duckdb"))
    monkeypatch.setenv("CLUSTEROBS_EDITIONS", str(editions))
    get_user_model().objects.create_user("ana", "ana@example.org", "a-long-passphrase-1")
    yield tmp_path
    for path in tmp_path.rglob("*"):  # let pytest remove the frozen folders
        if path.is_dir() and not path.is_symlink():
            path.chmod(0o755)


def snapshot(root: Path) -> dict[str, Any]:
    """Every path below *root*: (mode, sha256 of the bytes) for files, mode for folders, + users."""
    out: dict[str, Any] = {}
    for path in sorted(root.rglob("*")):
        rel = str(path.relative_to(root))
        if rel.endswith(".lock"):
            continue  # lock files are created empty by whoever takes the lock
        mode = stat.S_IMODE(path.lstat().st_mode)
        out[rel] = (mode, hashlib.sha256(path.read_bytes()).hexdigest()) if path.is_file() else mode
    out["users"] = sorted(get_user_model().objects.values_list("username", "email", "password"))
    return out


def _rewrite(archive: Path, out: Path, change: dict[str, bytes | None], manifest: Any = None,
             extra: Sequence[tuple[tarfile.TarInfo, bytes | None]] = ()) -> None:
    """Copy *archive* to *out* with member contents replaced (None: dropped) and a new manifest."""
    with tarfile.open(archive, "r:gz") as src, tarfile.open(out, "w:gz") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read() if member.isfile() else None  # type: ignore[union-attr]
            if member.name == "manifest.json" and manifest is not None:
                data = json.dumps(manifest).encode()
            elif member.name in change:
                data = change[member.name]
                if data is None:
                    continue
            member.size = len(data or b"")
            dst.addfile(member, io.BytesIO(data) if data is not None else None)
        for info, data in extra:
            dst.addfile(info, io.BytesIO(data) if data is not None else None)


def test_round_trip_brings_back_editions_pointer_and_modes(site: Path) -> None:
    var = site / "var"
    before = snapshot(site)
    archive = site / "backup.tar.gz"
    manifest = backup.backup(archive)
    assert manifest["editions"] == ["2025-H2", "2026-H1"] and manifest["current"] == "2026-H1"
    assert set(manifest["files"]) == {
        "app.json", "store.duckdb", "editions/CURRENT",
        *(f"editions/{n}/{f}" for n in ("2025-H2", "2026-H1")
          for f in ("manifest.json", "report.html", "store.duckdb"))}
    assert manifest["files"]["editions/2026-H1/report.html"]["mode"] == 0o444
    assert manifest["folders"] == {"editions/2025-H2": 0o555, "editions/2026-H1": 0o555}
    before = snapshot(site)  # now with the archive
    # disaster: the pointer gone, a report altered, the store damaged, the user deleted
    (var / "editions" / "CURRENT").unlink()
    (var / "editions" / "2026-H1").chmod(0o755)
    report = var / "editions" / "2026-H1" / "report.html"
    report.chmod(0o644)
    report.write_text("<h1>defaced</h1>", encoding="utf-8")
    (var / "store" / "observatory.duckdb").write_bytes(b"garbage")
    get_user_model().objects.all().delete()
    backup.restore(archive)
    assert snapshot(site) == before
    assert get_user_model().objects.get(username="ana").check_password("a-long-passphrase-1")


def test_restore_keeps_local_editions_the_archive_lacks(site: Path) -> None:
    archive = site / "backup.tar.gz"
    backup.backup(archive)
    _edition(site / "var" / "editions", "2026-H2", 4)
    newer = snapshot(site)["var/editions/2026-H2/store.duckdb"]
    backup.restore(archive)
    after = snapshot(site)
    assert after["var/editions/2026-H2/store.duckdb"] == newer and after["var/editions/2026-H2"] == 0o555
    assert (site / "var" / "editions" / "CURRENT").read_text() == "2026-H1\n"


@pytest.mark.parametrize("fraction", [0.05, 0.33, 0.5, 0.75, 0.97, "crc", "length"])
def test_flipped_byte_changes_nothing(site: Path, fraction: float | str) -> None:
    archive = site / "backup.tar.gz"
    backup.backup(archive)
    # after the backup: a new user and a rebuilt store that a restore would overwrite
    get_user_model().objects.create_user("ben", "ben@example.org", "a-long-passphrase-2")
    (site / "var" / "store" / "observatory.duckdb").unlink()
    _store(site / "var" / "store" / "observatory.duckdb", 9)
    data = bytearray(archive.read_bytes())
    offset = {"crc": len(data) - 6, "length": len(data) - 2}.get(str(fraction)) \
        or int(len(data) * float(fraction))
    data[offset] ^= 0x5A
    broken = site / "broken.tar.gz"
    broken.write_bytes(bytes(data))
    before = snapshot(site)
    with pytest.raises(ClusterObsError) as info:
        backup.restore(broken)
    message = str(info.value)
    assert "\n" not in message and message.startswith(f"{broken}: ")
    assert snapshot(site) == before, f"restore changed something after a flip at byte {offset}"


def test_tar_that_stops_at_a_bad_header_is_refused(site: Path) -> None:
    """A damaged header block: tarfile ends the archive there without an error."""
    archive = site / "backup.tar.gz"
    backup.backup(archive)
    raw = bytearray(gzip.decompress(archive.read_bytes()))
    with tarfile.open(fileobj=io.BytesIO(bytes(raw))) as tar:
        victim = [m for m in tar.getmembers() if m.name == "editions/2026-H1/manifest.json"][0]
    raw[victim.offset + 148] ^= 0x01  # the header's checksum field
    broken = site / "broken.tar.gz"
    broken.write_bytes(gzip.compress(bytes(raw)))
    with tarfile.open(broken) as tar:  # the failure mode itself: fewer members, no exception
        assert "editions/2026-H1/manifest.json" not in tar.getnames()
    get_user_model().objects.create_user("ben", "ben@example.org", "a-long-passphrase-2")
    before = snapshot(site)
    with pytest.raises(ClusterObsError, match=r"the archive ends early: \d+ files of the manifest are missing"):
        backup.restore(broken)
    assert snapshot(site) == before


def test_altered_edition_file_is_refused(site: Path) -> None:
    archive = site / "backup.tar.gz"
    backup.backup(archive)
    broken = site / "altered.tar.gz"
    _rewrite(archive, broken, {"editions/2026-H1/report.html": b"<h1>Panorama 2026-H1!</h1>"})
    (site / "var" / "editions" / "CURRENT").write_text("2025-H2\n", encoding="utf-8")
    before = snapshot(site)
    with pytest.raises(ClusterObsError, match="editions/2026-H1/report.html does not match its checksum"):
        backup.restore(broken)
    assert snapshot(site) == before


def _crafted(archive: Path, out: Path, edit: dict[str, Any], extra: list[tuple[str, bytes]]) -> None:
    """A consistent archive (checksums right) whose manifest has *edit* and *extra* members."""
    with tarfile.open(archive, "r:gz") as src:
        manifest = json.loads(src.extractfile("manifest.json").read())  # type: ignore[union-attr]
    infos = []
    for name, data in extra:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        infos.append((info, data))
        manifest["files"][name] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data),
                                   "mode": 0o644}
    manifest.update(edit)
    _rewrite(archive, out, {}, manifest, infos)


@pytest.mark.parametrize("case", ["edition-name", "file-name", "absolute", "current-outside"])
def test_crafted_manifest_cannot_touch_outside_var(site: Path, case: str) -> None:
    victim = site / "backup" / "victim_dir"
    victim.mkdir(parents=True)
    (victim / "precious.txt").write_text("keep me", encoding="utf-8")
    archive = site / "backup.tar.gz"
    backup.backup(archive)
    crafted = site / "crafted.tar.gz"
    evil = "../../../backup/victim_dir"
    if case == "edition-name":
        _crafted(archive, crafted, {"editions": ["2025-H2", "2026-H1", evil],
                                    "folders": {"editions/2025-H2": 0o555, "editions/2026-H1": 0o555,
                                                f"editions/{evil}": 0o755}},
                 [(f"editions/{evil}/manifest.json", b"{}")])
    elif case == "file-name":
        _crafted(archive, crafted, {}, [("editions/2026-H1/../../../backup/victim_dir/precious.txt", b"x")])
    elif case == "absolute":
        _crafted(archive, crafted, {}, [(str(victim / "precious.txt"), b"x")])
    else:
        _crafted(archive, crafted, {"current": evil}, [])
    before = snapshot(site)
    with pytest.raises(ClusterObsError, match="manifest") as info:
        backup.restore(crafted)
    assert "\n" not in str(info.value)
    assert snapshot(site) == before
    assert (victim / "precious.txt").read_text() == "keep me"


def test_member_not_in_manifest_or_a_link_is_refused(site: Path) -> None:
    archive = site / "backup.tar.gz"
    backup.backup(archive)
    link = tarfile.TarInfo("editions/2026-H1/report.html")
    link.type, link.linkname = tarfile.SYMTYPE, "../../../backup/victim_dir"
    crafted = site / "link.tar.gz"
    _rewrite(archive, crafted, {"editions/2026-H1/report.html": None}, None, [(link, None)])
    before = snapshot(site)
    with pytest.raises(ClusterObsError, match="'editions/2026-H1/report.html' is not a file listed"):
        backup.restore(crafted)
    assert snapshot(site) == before


def test_old_format_and_junk_are_one_line_errors(site: Path) -> None:
    archive = site / "backup.tar.gz"
    backup.backup(archive)
    with tarfile.open(archive, "r:gz") as src:
        manifest = json.loads(src.extractfile("manifest.json").read())  # type: ignore[union-attr]
    old = site / "old.tar.gz"
    _rewrite(archive, old, {}, {**manifest, "format": "cluster-observatory-backup/1"})
    junk = site / "junk.tar.gz"
    junk.write_bytes(b"not an archive")
    before = snapshot(site)
    with pytest.raises(ClusterObsError, match="expected 'cluster-observatory-backup/2'"):
        backup.restore(old)
    with pytest.raises(ClusterObsError, match="not a readable backup archive"):
        backup.restore(junk)
    assert snapshot(site) == before


def test_restore_command_prints_one_line_and_exits_1(site: Path) -> None:
    from clusterobs.cli import app

    archive = site / "backup.tar.gz"
    backup.backup(archive)
    data = bytearray(archive.read_bytes())
    data[len(data) // 3] ^= 0xFF
    broken = site / "broken.tar.gz"
    broken.write_bytes(bytes(data))
    before = snapshot(site)
    result = CliRunner().invoke(app, ["restore", str(broken)])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and str(broken) in lines[0].replace("\n", "")
    assert "Traceback" not in result.output
    assert snapshot(site) == before

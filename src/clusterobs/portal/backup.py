"""Backup and restore of everything an operator cannot rebuild from the sources.

A backup is one ``.tar.gz`` holding ``manifest.json``, ``app.json`` (the application
database as Django fixtures: portable between SQLite and PostgreSQL), ``store.duckdb`` (the
current store) and ``editions/`` (every Panorama edition). Restore checks the archive
first (manifest, checksums), then swaps the store in atomically, replaces the editions and
reloads the database in one transaction, so a bad archive changes nothing.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from django.core.management import call_command
from django.db import transaction

from clusterobs import __version__, config
from clusterobs.errors import ClusterObsError

EXCLUDED_MODELS = ["contenttypes", "auth.permission", "sessions", "admin.logentry", "axes"]
FORMAT = "cluster-observatory-backup/1"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def backup(out: Path) -> dict[str, object]:
    """Write a backup archive to *out* (atomically) and return its manifest."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        app = work / "app.json"
        with app.open("w", encoding="utf-8") as fh:
            call_command("dumpdata", natural_foreign=True, natural_primary=True,
                         exclude=EXCLUDED_MODELS, stdout=fh, indent=None)
        files = {"app.json": app}
        store = config.store_path()
        if store.exists():
            files["store.duckdb"] = store
        manifest = {
            "format": FORMAT, "created_at": datetime.now(UTC).isoformat(), "code_version": __version__,
            "files": {name: _sha256(path) for name, path in files.items()},
            "editions": sorted(p.name for p in config.editions_dir().glob("[0-9]*") if p.is_dir())
            if config.editions_dir().exists() else [],
        }
        out.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_out = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.")
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
            data = json.dumps(manifest, indent=2).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
            for name, path in files.items():
                tar.add(path, arcname=name)
            for name in manifest["editions"]:  # type: ignore[union-attr]
                tar.add(config.editions_dir() / name, arcname=f"editions/{name}")
        os.replace(tmp_out, out)
    return manifest


def _extract(archive: Path, into: Path) -> dict[str, object]:
    try:
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(into, filter="data")
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise ClusterObsError(f"{archive}: not a readable backup archive ({exc})") from None
    try:
        manifest = json.loads((into / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ClusterObsError(f"{archive}: manifest.json missing or unreadable ({exc})") from None
    if manifest.get("format") != FORMAT:
        raise ClusterObsError(f"{archive}: format {manifest.get('format')!r}, expected {FORMAT!r}")
    for name, digest in manifest["files"].items():
        if _sha256(into / name) != digest:
            raise ClusterObsError(f"{archive}: {name} does not match its checksum; nothing restored")
    return dict(manifest)


def _content_types_and_permissions() -> None:
    from django.apps import apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.contenttypes.management import create_contenttypes

    for app_config in apps.get_app_configs():
        create_contenttypes(app_config, verbosity=0)
        create_permissions(app_config, verbosity=0)


def restore(archive: Path) -> dict[str, object]:
    """Restore a backup written by :func:`backup`; nothing changes if the archive is bad."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        manifest = _extract(archive, work)
        with transaction.atomic():
            # no post_migrate handlers: rows they would create (groups, topic spaces) are in the
            # dump; content types and permissions, which the dump refers to, are made here
            call_command("flush", interactive=False, verbosity=0, inhibit_post_migrate=True)
            _content_types_and_permissions()
            call_command("loaddata", str(work / "app.json"), verbosity=0)
        if (work / "store.duckdb").exists():
            store = config.store_path()
            store.parent.mkdir(parents=True, exist_ok=True)
            staged = store.with_name(f".{store.name}.restore")
            shutil.copyfile(work / "store.duckdb", staged)
            os.replace(staged, store)
        editions = config.editions_dir()
        for name in manifest.get("editions", []):  # type: ignore[union-attr]
            target = editions / str(name)
            if target.exists():
                for path in target.rglob("*"):
                    path.chmod(0o755 if path.is_dir() else 0o644)
                shutil.rmtree(target)
            shutil.copytree(work / "editions" / str(name), target)
    return manifest

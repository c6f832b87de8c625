"""Backup and restore of everything an operator cannot rebuild from the sources.

A backup is one ``.tar.gz`` whose first member is ``manifest.json``, followed by
``app.json`` (the application database as Django fixtures: portable between SQLite and
PostgreSQL), ``store.duckdb`` (the current store) and ``editions/`` (every Panorama
edition, file by file, and the ``CURRENT`` pointer of the published one). The manifest
lists every file with its SHA-256, size and permission bits, and the permission bits of
every edition folder.

Restore cannot destroy (docs/hardening.md):

1. **Verify everything before touching anything.** The archive is read as a stream; the
   manifest comes first and every name in it must match a strict pattern (``app.json``,
   ``store.duckdb``, ``editions/CURRENT``, ``editions/<YEAR-Hn>/<file>``) and resolve inside
   the staging folder. Each member is written only into a hidden staging folder, and only
   if the manifest names it; its checksum and size must match. After the last member the
   rest of the gzip stream is read so that its CRC is checked, and the set of files seen
   must equal the manifest's: :mod:`tarfile` stops silently at a damaged header block,
   so a missing file is how such damage shows.
2. **Stage, then swap.** The new store and a complete new editions folder (the archive's
   editions with their read-only modes, plus local editions the archive does not have, as
   hard links) are built next to their targets. The database is reloaded in one
   transaction; inside it the store is replaced with :func:`os.replace` and the editions
   folder swapped with two renames. Any failure rolls back the database, puts the old
   store and editions back and removes the staging folders.

A bad archive gives one :class:`~clusterobs.errors.ClusterObsError` line and changes nothing.
"""

from __future__ import annotations

import fcntl
import gzip
import hashlib
import io
import json
import os
import re
import shutil
import stat
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from django.core.management import call_command
from django.db import DatabaseError, transaction

from clusterobs import __version__, config
from clusterobs.cli_support import describe_os_error
from clusterobs.errors import ClusterObsError
from clusterobs.store import editions as edition_store

__all__ = ["backup", "describe_os_error", "restore"]

EXCLUDED_MODELS = ["contenttypes", "auth.permission", "sessions", "admin.logentry", "axes"]
FORMAT = "cluster-observatory-backup/2"
MANIFEST = "manifest.json"
APP = "app.json"
STORE = "store.duckdb"
POINTER = f"editions/{edition_store.POINTER}"
#: a file inside an edition: no folder part, no leading dot, nothing but these characters
FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
#: permission bits a restored file or folder may get (never set-uid, set-gid or sticky)
MODE_BITS = 0o777
_CHUNK = 1 << 20


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def _entry(fh: IO[bytes], mode: int) -> dict[str, Any]:
    """SHA-256, size and permission bits of an open file (read from the start)."""
    fh.seek(0)
    digest, size = hashlib.sha256(), 0
    for block in iter(lambda: fh.read(_CHUNK), b""):
        digest.update(block)
        size += len(block)
    fh.seek(0)
    return {"sha256": digest.hexdigest(), "size": size, "mode": mode & MODE_BITS}


def _edition_files(root: Path) -> tuple[dict[str, Path], dict[str, int]]:
    """Archive name -> file, and archive name -> mode of each folder, of every complete edition."""
    files: dict[str, Path] = {}
    dirs: dict[str, int] = {}
    for name in edition_store.names(root):
        folder = root / name
        dirs[f"editions/{name}"] = folder.stat().st_mode & MODE_BITS
        for path in sorted(folder.iterdir()):
            if path.is_symlink() or not path.is_file() or not FILE_NAME.match(path.name):
                raise ClusterObsError(f"{path}: not a plain file of an edition; backup refused")
            files[f"editions/{name}/{path.name}"] = path
    pointer = root / edition_store.POINTER
    if pointer.is_file() and edition_store.current_name(root) is not None:
        files[POINTER] = pointer
    return files, dirs


def backup(out: Path) -> dict[str, Any]:
    """Write a backup archive to *out* (atomically) and return its manifest.

    Every file is opened once, checksummed and then copied from the same open file, so a
    store replaced during the backup is either wholly the old or wholly the new one.
    """
    out = out.resolve()
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        app = Path(tmp) / APP
        with app.open("w", encoding="utf-8") as dump:
            call_command("dumpdata", natural_foreign=True, natural_primary=True,
                         exclude=EXCLUDED_MODELS, stdout=dump, indent=None)
        paths: dict[str, Path] = {APP: app}
        store = config.store_path()
        if store.exists():
            paths[STORE] = store
        root = config.editions_dir()
        edition_paths, dir_modes = _edition_files(root) if root.is_dir() else ({}, {})
        paths.update(edition_paths)
        handles = {name: stack.enter_context(path.open("rb")) for name, path in paths.items()}
        entries = {name: _entry(fh, os.fstat(fh.fileno()).st_mode) for name, fh in handles.items()}
        manifest: dict[str, Any] = {
            "format": FORMAT, "created_at": datetime.now(UTC).isoformat(), "code_version": __version__,
            "files": entries, "folders": dir_modes,
            "editions": sorted(name.split("/")[1] for name in dir_modes),
            "current": edition_store.current_name(root) if POINTER in entries else None,
        }
        out.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_out = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.")
        try:
            with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
                data = json.dumps(manifest, indent=2).encode()
                tar.addfile(_info(MANIFEST, len(data), 0o644), io.BytesIO(data))
                for name, fh in handles.items():
                    entry = entries[name]
                    tar.addfile(_info(name, entry["size"], entry["mode"]), fh)
            os.replace(tmp_out, out)
        except BaseException:
            Path(tmp_out).unlink(missing_ok=True)
            raise
    return manifest


def _info(name: str, size: int, mode: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = size, mode, int(datetime.now(UTC).timestamp())
    return info


# ---------------------------------------------------------------------------- verification


def _check_name(name: object, editions: set[str]) -> str:
    """*name* if it is a file name a backup may hold, else a ClusterObsError."""
    if not isinstance(name, str):
        raise ClusterObsError(f"manifest names a file {name!r}: expected a string")
    if name in (APP, STORE, POINTER):
        return name
    parts = name.split("/")
    if (len(parts) == 3 and parts[0] == "editions" and parts[1] in editions
            and FILE_NAME.match(parts[2])):
        return name
    raise ClusterObsError(f"manifest names a file {name!r}: expected app.json, store.duckdb, "
                          "editions/CURRENT or editions/<YEAR-H1|YEAR-H2>/<file>")


def _check_manifest(manifest: Any) -> dict[str, Any]:
    """The manifest if its format, names, checksums, sizes and modes are all well formed."""
    if not isinstance(manifest, dict):
        raise ClusterObsError("manifest.json is not an object")
    if manifest.get("format") != FORMAT:
        raise ClusterObsError(f"format {manifest.get('format')!r}, expected {FORMAT!r} "
                              "(older archives lack checksums of the editions: make a new backup)")
    names = manifest.get("editions")
    if not isinstance(names, list):
        raise ClusterObsError("manifest field 'editions' is not a list")
    for name in names:
        if not isinstance(name, str) or not edition_store.NAME.match(name):
            raise ClusterObsError(f"manifest field 'editions' names {name!r}: expected YEAR-H1 or YEAR-H2")
    editions = set(names)
    files, folders = manifest.get("files"), manifest.get("folders")
    if not isinstance(files, dict) or APP not in files:
        raise ClusterObsError("manifest field 'files' is missing or lacks app.json")
    if not isinstance(folders, dict) or set(folders) != {f"editions/{n}" for n in editions}:
        raise ClusterObsError("manifest field 'folders' does not list exactly the editions")
    for name, entry in files.items():
        _check_name(name, editions)
        if (not isinstance(entry, dict) or not re.fullmatch(r"[0-9a-f]{64}", str(entry.get("sha256")))
                or not isinstance(entry.get("size"), int) or entry["size"] < 0
                or not isinstance(entry.get("mode"), int) or entry["mode"] & ~MODE_BITS):
            raise ClusterObsError(f"manifest entry of {name!r}: expected sha256, size and mode")
    for name, mode in folders.items():
        if not isinstance(mode, int) or mode & ~MODE_BITS or not mode & stat.S_IXUSR:
            raise ClusterObsError(f"manifest mode of folder {name!r} is not a folder's permission")
    for name in editions:
        if f"editions/{name}/{edition_store.MANIFEST}" not in files:
            raise ClusterObsError(f"manifest lists edition {name!r} without its {edition_store.MANIFEST}")
    current = manifest.get("current")
    if (current is None) != (POINTER not in files) or (current is not None and current not in editions):
        raise ClusterObsError(f"manifest field 'current' ({current!r}) is not one of the archived editions")
    return manifest


def _inside(base: Path, name: str) -> Path:
    """``base / name`` resolved, refused unless it stays inside *base*."""
    target = (base / name).resolve()
    if not target.is_relative_to(base.resolve()) or target == base.resolve():
        raise ClusterObsError(f"{name!r} resolves outside the restore folder; nothing restored")
    return target


def _copy_member(src: IO[bytes], target: Path, entry: dict[str, Any], name: str) -> None:
    digest, size = hashlib.sha256(), 0
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("xb") as out:
        for block in iter(lambda: src.read(_CHUNK), b""):
            digest.update(block)
            size += len(block)
            if size > entry["size"]:
                break
            out.write(block)
    if size != entry["size"] or digest.hexdigest() != entry["sha256"]:
        raise ClusterObsError(f"{name} does not match its checksum; nothing restored")


def _unpack(archive: Path, work: Path, edition_stage: Path) -> dict[str, Any]:
    """Stream *archive* into the staging folders and return its verified manifest.

    ``app.json`` and ``store.duckdb`` go to *work*, ``editions/...`` to *edition_stage*.
    Raises ClusterObsError (nothing outside the staging folders written) on any damage.
    """
    try:
        with gzip.open(archive, "rb") as gz, tarfile.open(fileobj=gz, mode="r|") as tar:
            members = iter(tar)
            first = next(members, None)
            if first is None or first.name != MANIFEST or not first.isfile() or first.size > 1 << 24:
                raise ClusterObsError("manifest.json is not the first member")
            raw = tar.extractfile(first)
            try:
                manifest = _check_manifest(json.loads(raw.read() if raw else b""))
            except ValueError as exc:
                raise ClusterObsError(f"manifest.json is not JSON ({exc})") from None
            files: dict[str, dict[str, Any]] = manifest["files"]
            seen: set[str] = set()
            for member in members:
                name = member.name
                if name not in files or name in seen or not member.isfile():
                    raise ClusterObsError(f"member {name!r} is not a file listed in the manifest")
                seen.add(name)
                base, rel = ((edition_stage, name.removeprefix("editions/"))
                             if name.startswith("editions/") else (work, name))
                src = tar.extractfile(member)
                assert src is not None  # a regular file, checked above
                _copy_member(src, _inside(base, rel), files[name], name)
            while gz.read(_CHUNK):  # the end of the stream: its CRC and length are checked here
                pass
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise ClusterObsError(f"not a readable backup archive ({exc or exc.__class__.__name__})") from None
    except OSError as exc:
        if exc.errno is None:  # damaged compressed data
            raise ClusterObsError(f"not a readable backup archive ({exc})") from None
        raise
    missing = sorted(set(files) - seen)
    if missing:
        raise ClusterObsError(f"the archive ends early: {len(missing)} files of the manifest are "
                              f"missing (first: {missing[0]}); it is damaged, nothing restored")
    return manifest


# ------------------------------------------------------------------------------- restore


@contextmanager
def _flock(path: Path, what: str) -> Iterator[None]:
    """Hold the lock file that writers of *what* hold, or fail at once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ClusterObsError(f"another process is writing {what}; try again when it ends") from None
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _writable(path: Path) -> None:
    if path.exists():
        for sub in [path, *path.rglob("*")]:
            if sub.is_dir() and not sub.is_symlink():
                sub.chmod(0o755)


def _remove(path: Path) -> None:
    """Remove a staging or replaced folder (its read-only edition folders made writable first)."""
    if path.is_symlink() or path.is_file():
        path.unlink(missing_ok=True)
    elif path.exists():
        _writable(path)
        shutil.rmtree(path, ignore_errors=True)


def _stage_editions(stage: Path, manifest: dict[str, Any], root: Path) -> None:
    """Apply the archive's modes, then link in local editions the archive does not have."""
    for name, entry in manifest["files"].items():
        if name.startswith("editions/"):
            (stage / name.removeprefix("editions/")).chmod(entry["mode"])
    archived = set(manifest["editions"])
    if root.is_dir():
        for name in edition_store.names(root):
            if name in archived:
                continue
            folder = stage / name
            folder.mkdir()
            for path in (root / name).iterdir():
                if path.is_file() and not path.is_symlink():
                    try:
                        os.link(path, folder / path.name)
                    except OSError:
                        shutil.copy2(path, folder / path.name)
            folder.chmod((root / name).stat().st_mode & MODE_BITS)
    for name, mode in manifest["folders"].items():
        (stage / name.removeprefix("editions/")).chmod(mode)


def _content_types_and_permissions() -> None:
    from django.apps import apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.contenttypes.management import create_contenttypes

    for app_config in apps.get_app_configs():
        create_contenttypes(app_config, verbosity=0)
        create_permissions(app_config, verbosity=0)


def restore(archive: Path) -> dict[str, Any]:
    """Restore a backup written by :func:`backup`; nothing changes if the archive is bad.

    Method: verify and stage the whole archive (:func:`_unpack`), then reload the database
    in one transaction and, inside it, swap the store and the editions folder; any error
    undoes the swaps and rolls the database back. Errors are one-line ClusterObsErrors
    naming the archive.
    """
    archive = archive.resolve()
    if not archive.is_file():
        raise ClusterObsError(f"{archive}: no such backup archive")
    store, root = config.store_path(), config.editions_dir()
    work = store.parent / f".restore-{os.getpid()}"
    stage = root.parent / f".{root.name}.restore-{os.getpid()}"
    old_root = root.parent / f".{root.name}.replaced-{os.getpid()}"
    old_store = store.with_name(f".{store.name}.replaced-{os.getpid()}")
    try:
        with (_flock(store.with_name(store.name + ".lock"), str(store)),
              _flock(root / ".lock", str(root))):
            for path in (work, stage, old_root, old_store):
                _remove(path)
            work.mkdir(parents=True)
            stage.mkdir(parents=True)
            manifest = _unpack(archive, work, stage)
            _stage_editions(stage, manifest, root)
            _swap(manifest, work, stage, store, root, old_store, old_root)
    except ClusterObsError as exc:
        raise ClusterObsError(f"{archive}: {exc}") from None
    except OSError as exc:
        raise ClusterObsError(f"{archive}: restore failed, nothing restored: {describe_os_error(exc)}") from None
    except DatabaseError as exc:
        raise ClusterObsError(f"{archive}: the application database refused the data "
                              f"({str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__}); "
                              "nothing restored") from None
    finally:
        for path in (work, stage, old_root, old_store):
            _remove(path)
    return manifest


def _swap(manifest: dict[str, Any], work: Path, stage: Path, store: Path, root: Path,
          old_store: Path, old_root: Path) -> None:
    """Reload the database and swap the staged files in; all or nothing."""
    new_store = work / STORE
    swapped_store = moved_root = swapped_root = False
    try:
        with transaction.atomic():
            # no post_migrate handlers: rows they would create (groups, topic spaces) are in the
            # dump; content types and permissions, which the dump refers to, are made here
            call_command("flush", interactive=False, verbosity=0, inhibit_post_migrate=True)
            _content_types_and_permissions()
            call_command("loaddata", str(work / APP), verbosity=0)
            if new_store.exists():
                if store.exists():
                    os.link(store, old_store)
                os.replace(new_store, store)
                swapped_store = True
            if root.exists():
                os.rename(root, old_root)
                moved_root = True
            os.rename(stage, root)
            swapped_root = True
    except BaseException:
        if swapped_store:
            if old_store.exists():
                os.replace(old_store, store)
            else:
                store.unlink(missing_ok=True)
        if swapped_root:
            os.rename(root, stage)
        if moved_root:
            os.rename(old_root, root)
        raise

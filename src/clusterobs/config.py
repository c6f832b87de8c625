"""Deployment settings, read from the environment.

Each setting is declared once in :data:`SETTINGS` with its help text; ``docs/settings.md``
lists them and a test checks that the page and this table agree.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path

from clusterobs.errors import ConfigError


@dataclass(frozen=True)
class Setting:
    """One environment variable: its name, default and meaning."""

    name: str
    default: str | None
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("CLUSTEROBS_VAR", "var", "Folder for runtime state: store, download cache, editions, reports."),
    Setting(
        "CLUSTEROBS_MIRROR",
        None,
        "Folder holding a local copy of the source files. When set, `data fetch` takes each file "
        "from anywhere below it instead of downloading it.",
    ),
    Setting("CLUSTEROBS_STORE", None, "Path of the DuckDB store file (default: $CLUSTEROBS_VAR/store/observatory.duckdb)."),
    Setting("CLUSTEROBS_CACHE", None, "Download cache folder (default: $CLUSTEROBS_VAR/cache)."),
    Setting("CLUSTEROBS_SPARK_WORK", None, "Folder where `build --engine spark` hands tables to Spark as Parquet: one the driver and the executors both see (default: next to the results file)."),
    Setting("CLUSTEROBS_SPARK_DRIVER_MEMORY", "4g", "Memory of a local Spark driver for `build --engine spark` (spark-submit's --driver-memory applies instead when set)."),
    Setting("CLUSTEROBS_SPARK_PARTITIONS", None, "Shuffle partitions of `build --engine spark` (default: 4 on local[N], 200 on a cluster)."),
    Setting("CLUSTEROBS_BUILD_MEMORY", "25%", "Memory DuckDB may hold while it writes a store or builds (a size such as 4GB, or a share of the machine's memory such as 25%); beyond it DuckDB spills to a temporary folder next to the file. Python's own arrays (the rating draws) come on top."),
    Setting("CLUSTEROBS_EDITIONS", None, "Folder of Panorama editions (default: $CLUSTEROBS_VAR/editions)."),
    Setting("DATABASE_URL", None, "Application database of the portal, e.g. postgres://user:pw@host:5432/db. Default: SQLite under $CLUSTEROBS_VAR."),
    Setting("DJANGO_SECRET_KEY", None, "Secret key of the portal; required when DJANGO_DEBUG is off."),
    Setting("DJANGO_DEBUG", "1", "1 for development, 0 for production."),
    Setting("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost", "Comma-separated host names the portal answers to."),
    Setting("DJANGO_CSRF_TRUSTED_ORIGINS", None, "Comma-separated origins (https://observatory.example.org) trusted for forms behind a proxy."),
    Setting(
        "DJANGO_TRUSTED_PROXIES",
        "127.0.0.1,::1",
        "Comma-separated addresses or networks of reverse proxies whose X-Forwarded-For is believed "
        "(sign-in lockouts and rate limits are keyed on the client address it gives); requests from "
        "other addresses are keyed on their own address.",
    ),
    Setting("DJANGO_SECURE_SSL_REDIRECT", "1", "With DJANGO_DEBUG=0: redirect plain HTTP to HTTPS (0 when the proxy already does)."),
    Setting("DJANGO_HSTS_SECONDS", "31536000", "With DJANGO_DEBUG=0: Strict-Transport-Security max-age in seconds."),
    Setting("DJANGO_EMAIL_HOST", None, "SMTP server for account and event emails; unset: emails are printed to the console log."),
    Setting("DJANGO_EMAIL_PORT", "587", "SMTP port (STARTTLS)."),
    Setting("DJANGO_EMAIL_USER", None, "SMTP user name."),
    Setting("DJANGO_EMAIL_PASSWORD", None, "SMTP password."),
    Setting("DJANGO_DEFAULT_FROM_EMAIL", "observatory@localhost", "Sender address of the portal's emails."),
    Setting("DJANGO_LOG_LEVEL", "INFO", "Level of the portal's JSON log lines on standard error."),
)

_BY_NAME = {s.name: s for s in SETTINGS}


def get(name: str) -> str | None:
    """Return the value of setting *name* from the environment, or its default."""
    try:
        setting = _BY_NAME[name]
    except KeyError as exc:  # a programming error, not a user error
        raise ConfigError(f"unknown setting {name!r}") from exc
    value = os.environ.get(name)
    return value if value not in (None, "") else setting.default


def build_memory() -> str:
    """DuckDB's ``memory_limit`` for writing connections (``CLUSTEROBS_BUILD_MEMORY``): a size
    as DuckDB reads it, or a percentage of the physical memory turned into one."""
    value = (get("CLUSTEROBS_BUILD_MEMORY") or "25%").strip()
    if value.endswith("%"):
        try:
            share = float(value[:-1]) / 100
        except ValueError:
            share = -1.0
        if not 0 < share <= 1:
            raise ConfigError(f"CLUSTEROBS_BUILD_MEMORY={value!r}: expected a size such as 4GB or a share such as 25%")
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        return f"{max(256, int(total * share / 2**20))}MB"
    return value


def var_dir() -> Path:
    """The runtime state folder, created on demand (once per process and setting: every
    request asks for it several times, and a resolve plus a mkdir each cost 0.1 ms)."""
    return _var_dir(get("CLUSTEROBS_VAR") or "var", os.getcwd())


@functools.lru_cache(maxsize=16)
def _var_dir(value: str, cwd: str) -> Path:
    path = (Path(cwd) / value).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def store_path() -> Path:
    """Path of the DuckDB store file."""
    explicit = get("CLUSTEROBS_STORE")
    return Path(explicit).resolve() if explicit else var_dir() / "store" / "observatory.duckdb"


def results_path(dataset: str) -> Path:
    """Path of the DuckDB file holding *dataset*'s built results (next to the store)."""
    return store_path().parent / "datasets" / f"{dataset}.duckdb"


def cache_dir() -> Path:
    """Folder of downloaded source files."""
    explicit = get("CLUSTEROBS_CACHE")
    return Path(explicit).resolve() if explicit else var_dir() / "cache"


def editions_dir() -> Path:
    """Folder of Panorama editions."""
    explicit = get("CLUSTEROBS_EDITIONS")
    return Path(explicit).resolve() if explicit else var_dir() / "editions"


def mirror_dir() -> Path | None:
    """The local mirror folder, or None when downloads go to the network."""
    value = get("CLUSTEROBS_MIRROR")
    if value is None:
        return None
    path = Path(value).resolve()
    if not path.is_dir():
        raise ConfigError(f"CLUSTEROBS_MIRROR={value!r} is not a folder")
    return path

"""Fixtures of the portal tests: the portal reads the session's real-data built store."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import duckdb
import pytest

from clusterobs.store import reader

# pytest-playwright's sync API runs an event loop in the test thread; the pages use no ORM,
# but Django's async-safety check would still refuse the live server's session setup.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--disable-quic", "--no-first-run"]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
AXE = Path(__file__).parent / "vendor" / "axe.min.js"


@pytest.fixture(scope="session", autouse=True)
def portal_store(built_store: Path, loaded_store: Path) -> Iterator[Path]:
    """Point the portal at the session's stores: CLUSTEROBS_STORE names the loaded store, next
    to which the default dataset's results are built (``datasets/<id>.duckdb``)."""
    patch = pytest.MonkeyPatch()
    patch.setenv("CLUSTEROBS_STORE", str(loaded_store))
    yield built_store
    patch.undo()


@pytest.fixture()
def response_cache(settings, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    """A private, empty response cache (and region report cache) for one test; modules that
    need it for every test mark themselves ``pytestmark = pytest.mark.usefixtures(...)``."""
    folder = tmp_path / "responses"
    settings.CACHES = {**settings.CACHES, "responses": {
        "BACKEND": "clusterobs.portal.responsecache.ResponseFileCache", "LOCATION": str(folder)}}
    return folder


@pytest.fixture(scope="session")
def con(built_store: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """An independent read-only connection to check the portal's numbers against."""
    connection = reader.connect(built_store)
    yield connection
    connection.close()


def scalar(con: duckdb.DuckDBPyConnection, sql: str, *params: object) -> object:
    """The first value of the first row of *sql*."""
    row = con.execute(sql, list(params)).fetchone()
    return None if row is None else row[0]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """Debian's Chromium (never a downloaded browser), with the arguments of stack.md §8."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": ARGS}


@pytest.fixture()
def local_page(page, live_server):  # type: ignore[no-untyped-def]
    """A browser page that fails the test if anything is requested from a non-local host."""
    hosts: list[str] = []
    page.on("request", lambda request: hosts.append(urlparse(request.url).hostname or ""))
    page.set_default_timeout(20_000)
    yield page
    foreign = sorted({h for h in hosts if h not in LOCAL_HOSTS and h != ""})
    assert not foreign, f"requests to non-local hosts: {foreign}"


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    """Let the tests inject axe-core and run their own predicates despite the site's CSP.

    The portal's Content-Security-Policy forbids inline and evaluated scripts, which is what
    Playwright's ``wait_for_function`` and ``add_script_tag`` use; the site's own pages are
    checked under the real policy in ``test_browser_csp.py``.
    """
    return {**browser_context_args, "bypass_csp": True}

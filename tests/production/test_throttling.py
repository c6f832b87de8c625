"""Sign-in throttling in the documented deployment shape (issue 17, item 2).

Two gunicorn processes (two workers that share nothing but the var folder: the SQLite
database, so the axes rows and the cache table) answer alternately, each request carrying
``X-Forwarded-For`` as nginx writes it and coming from 127.0.0.1, the trusted proxy.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from django.test import RequestFactory, override_settings

from clusterobs.portal.accounts.clientip import client_ip, resolve

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")
MISMATCH = "The email address and/or password you specified are not correct."
TOO_MANY = "Too many failed login attempts. Try again later."
PASSWORD = "a-long-passphrase-1"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[str]]:
    """Base URLs of two single-worker gunicorn processes sharing one var folder."""
    var = tmp_path_factory.mktemp("throttle-var")
    env = {**os.environ, "CLUSTEROBS_VAR": str(var), "DJANGO_DEBUG": "1",
           "DJANGO_SETTINGS_MODULE": "tests.production.throttle_settings",
           "DJANGO_TRUSTED_PROXIES": "127.0.0.1,::1", "PYTHONPATH": str(ROOT),
           "CLUSTEROBS_STORE": str(var / "no-store.duckdb"), "DJANGO_LOG_LEVEL": "ERROR"}
    for key in ("DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"):
        env.pop(key, None)
    setup = (
        "import django; django.setup()\n"
        "from django.core.management import call_command\n"
        "call_command('migrate', verbosity=0)\n"
        "from django.contrib.auth import get_user_model\n"
        "from allauth.account.models import EmailAddress\n"
        f"u = get_user_model().objects.create_user('ana', 'ana@example.org', {PASSWORD!r})\n"
        "EmailAddress.objects.create(user=u, email='ana@example.org', verified=True, primary=True)\n"
        "from django.db import connection\n"
        "assert 'clusterobs_cache' in connection.introspection.table_names()\n"
    )
    subprocess.run([sys.executable, "-c", setup], env=env, cwd=ROOT, check=True, timeout=120)
    ports = [_free_port(), _free_port()]
    procs = [subprocess.Popen([str(GUNICORN), "clusterobs.portal.wsgi", "-b", f"127.0.0.1:{port}", "-w", "1",
                               "--log-level", "warning"], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
             for port in ports]
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        deadline = time.monotonic() + 60
        for url in urls:
            while True:
                try:
                    httpx.get(f"{url}/healthz", timeout=2)
                    break
                except httpx.TransportError:
                    if time.monotonic() > deadline:
                        pytest.fail(f"gunicorn at {url} did not start")
                    time.sleep(0.2)
        yield urls
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)


def _attempt(client: httpx.Client, url: str, email: str, password: str, forwarded: str) -> httpx.Response:
    """GET the sign-in form from *url* (for the CSRF token), then POST the credentials."""
    headers = {"X-Forwarded-For": forwarded}
    form = client.get(f"{url}/accounts/login/", headers=headers)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
    assert token, form.text[:300]
    return client.post(f"{url}/accounts/login/", headers={**headers, "Referer": f"{url}/accounts/login/"},
                       data={"csrfmiddlewaretoken": token[1], "login": email, "password": password})


def test_a_stranger_locks_out_only_himself(workers: list[str]) -> None:
    attacker = httpx.Client(timeout=30)
    outcomes = []
    for i in range(6):  # alternately on each worker; a forged left part of the header changes nothing
        forged = f"198.51.100.{i}, 203.0.113.7"
        response = _attempt(attacker, workers[i % 2], "ana@example.org", f"guess-{i}", forged)
        outcomes.append((response.status_code, MISMATCH in response.text))
    # four failures answered normally; the fifth (counted over both workers) locks the pair
    assert outcomes == [(200, True)] * 4 + [(429, False)] * 2
    # even the right password is refused from the attacker's address for the next hour
    assert _attempt(attacker, workers[0], "ana@example.org", PASSWORD, "203.0.113.7").status_code == 429
    # ana, from her own address, signs in at once on either worker
    for url in workers:
        ana = httpx.Client(timeout=30)
        response = _attempt(ana, url, "ana@example.org", PASSWORD, "192.0.2.44")
        assert response.status_code == 302 and response.headers["location"] == "/community/"


def test_failed_sign_ins_are_counted_across_workers_per_address(workers: list[str]) -> None:
    """allauth's 10 failures a minute per address, counted in the shared cache table."""
    prober = httpx.Client(timeout=30)
    texts = [_attempt(prober, workers[i % 2], f"nobody{i}@example.org", "x" * 12, "203.0.113.99").text
             for i in range(11)]
    assert [MISMATCH in t for t in texts[:10]] == [True] * 10
    assert TOO_MANY in texts[10]  # with a per-worker cache each would have seen only 5 or 6
    # the lock is on that address only: a different client is not affected
    other = _attempt(httpx.Client(timeout=30), workers[1], "nobody@example.org", "x" * 12, "192.0.2.45")
    assert MISMATCH in other.text and TOO_MANY not in other.text
    ana = _attempt(httpx.Client(timeout=30), workers[0], "ana@example.org", PASSWORD, "192.0.2.46")
    assert ana.status_code == 302


@pytest.mark.parametrize(("remote", "header", "trusted", "expected"), [
    ("127.0.0.1", "203.0.113.7", ["127.0.0.1"], "203.0.113.7"),
    ("127.0.0.1", "6.6.6.6, 203.0.113.7", ["127.0.0.1"], "203.0.113.7"),  # forged left part ignored
    ("127.0.0.1", "203.0.113.7, 10.0.0.2", ["127.0.0.1", "10.0.0.0/8"], "203.0.113.7"),  # two proxies
    ("198.51.100.9", "203.0.113.7", ["127.0.0.1"], "198.51.100.9"),  # header from an untrusted peer
    ("127.0.0.1", None, ["127.0.0.1"], "127.0.0.1"),
    ("127.0.0.1", "203.0.113.7", [], "127.0.0.1"),  # no proxy trusted
    ("::1", "2001:db8::7", ["::1"], "2001:db8::7"),
    ("127.0.0.1", "junk, 203.0.113.7:51234", ["127.0.0.1"], "203.0.113.7"),
    ("::ffff:127.0.0.1", "203.0.113.7", ["127.0.0.1"], "203.0.113.7"),
])
def test_client_address(remote: str, header: str | None, trusted: list[str], expected: str) -> None:
    assert resolve(remote, header, trusted) == expected


def test_axes_and_allauth_use_the_same_address() -> None:
    from allauth.account.adapter import get_adapter
    from axes.helpers import get_client_ip_address

    request = RequestFactory().post("/accounts/login/", REMOTE_ADDR="127.0.0.1",
                                    HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7")
    with override_settings(TRUSTED_PROXIES=["127.0.0.1"]):
        assert client_ip(request) == "203.0.113.7"
        assert get_client_ip_address(request) == "203.0.113.7"
        assert get_adapter(request).get_client_ip(request) == "203.0.113.7"


def test_counters_live_in_a_cache_every_worker_shares() -> None:
    from django.conf import settings

    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]

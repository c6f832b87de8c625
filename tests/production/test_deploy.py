"""Production readiness: deployment checks, security headers, health endpoint."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.test import Client


def test_check_deploy_reports_no_issues(tmp_path) -> None:
    env = {**os.environ, "DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "x" * 30 + "-prod-secret-key-not-for-tests-0123456789",
           "DJANGO_ALLOWED_HOSTS": "observatory.example.org", "CLUSTEROBS_VAR": str(tmp_path),
           "DJANGO_SETTINGS_MODULE": "clusterobs.portal.settings"}
    env.pop("DATABASE_URL", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the browser tests' conftest, never in production
    done = subprocess.run([sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues (0 silenced)." in done.stdout


def test_production_refuses_to_start_without_a_secret(tmp_path) -> None:
    env = {**os.environ, "DJANGO_DEBUG": "0", "CLUSTEROBS_VAR": str(tmp_path),
           "DJANGO_SETTINGS_MODULE": "clusterobs.portal.settings"}
    env.pop("DJANGO_SECRET_KEY", None)
    done = subprocess.run([sys.executable, "-m", "django", "check"], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode != 0 and "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG=0" in done.stderr


@pytest.mark.django_db
def test_security_headers_and_healthz(client: Client, built_store, loaded_store, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("CLUSTEROBS_STORE", str(loaded_store))
    # no published edition (not the developer's var/editions after `make run`): no edition check
    monkeypatch.setenv("CLUSTEROBS_EDITIONS", str(tmp_path / "editions"))
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "store": "ok"}}
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_healthz_is_503_without_a_store(client: Client, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("CLUSTEROBS_STORE", str(tmp_path / "missing.duckdb"))
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json()["checks"]["store"].startswith("missing: no store at ")

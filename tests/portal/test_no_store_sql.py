"""The portal reads the store only through clusterobs.store's read functions: no SQL on the
store and no duckdb in portal/ (the read models own the queries)."""

from __future__ import annotations

import re
from pathlib import Path

PORTAL = Path(__file__).resolve().parents[2] / "src" / "clusterobs" / "portal"
SQL = re.compile(r"\b(SELECT|INSERT INTO|DELETE FROM|CREATE TABLE|read_parquet)\b")
#: Django's own application database (the health probe's query and rolled-back write)
DJANGO_DB = {"health.py"}


def test_no_store_sql_and_no_duckdb_in_the_portal() -> None:
    offenders = []
    files = sorted(PORTAL.rglob("*.py"))
    assert len(files) > 30
    for path in files:
        text = path.read_text(encoding="utf-8")
        if re.search(r"^\s*(import duckdb|from duckdb)", text, re.M):
            offenders.append(f"{path.name}: imports duckdb")
        if path.name not in DJANGO_DB and SQL.search(text):
            offenders.append(f"{path.relative_to(PORTAL)}: {SQL.search(text).group(0)}")  # type: ignore[union-attr]
    assert offenders == []

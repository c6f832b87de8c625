"""Why a growth value is empty: the build's SQL expression (coverage.reason_sql) gives the
same text as the per-request Python (coverage.reason) on every kind of case."""

from __future__ import annotations

import itertools

import duckdb

from clusterobs.store import coverage

YEARS = (2009, 2011, 2013, 2021, 2022)
EMPLOYMENT = (None, 0.0, 12.0)
PAST = (None, 0.0, -1.0, 10.0)
COVERS = ((None, None), (1.0, 1.0), (1.0, 0.8), (1.0, None), (float("nan"), 1.0), (0.5, 0.5 + 1e-12))


def test_sql_reason_is_the_python_reason() -> None:
    con = duckdb.connect()
    cases = list(itertools.product(YEARS, (1, 5), ((), (2021,), (2010, 2021)), EMPLOYMENT, PAST, COVERS))
    for span, breaks in {(c[1], c[2]) for c in cases}:
        mine = [c for c in cases if (c[1], c[2]) == (span, breaks)]
        expr = coverage.reason_sql("y", span, breaks, "e", "p", "cv", "pc")
        got = con.execute(
            f"SELECT i, {expr} FROM (SELECT unnest(?::INTEGER[]) AS i, unnest(?::INTEGER[]) AS y, "
            "unnest(?::DOUBLE[]) AS e, unnest(?::DOUBLE[]) AS p, unnest(?::DOUBLE[]) AS cv, "
            "unnest(?::DOUBLE[]) AS pc) ORDER BY i",
            [list(range(len(mine))), [c[0] for c in mine], [c[3] for c in mine], [c[4] for c in mine],
             [c[5][0] for c in mine], [c[5][1] for c in mine]]).fetchall()
        for (i, text), (year, _, _, emp, past, (cv, pc)) in zip(got, mine, strict=True):
            expected = coverage.reason(year, span, breaks, emp, past, cv, pc)
            assert text == expected, (year, span, breaks, emp, past, cv, pc, i)
    assert coverage.reason(2021, 1, (2021,), 1.0, 1.0) == "series break (new source from 2021)"

"""SDMX-CSV (Eurostat's current API format) loads into the same shape as the bulk TSV."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from clusterobs.errors import DataError, SchemaError
from clusterobs.sources import sdmx

V1 = "DATAFLOW,LAST UPDATE,freq,nace_r2,indic_sbs,geo,TIME_PERIOD,OBS_VALUE,OBS_FLAG\n"
V2 = "STRUCTURE,STRUCTURE_ID,freq,nace_r2,indic_sbs,geo,TIME_PERIOD,OBS_VALUE,OBS_FLAG,CONF_STATUS\n"


def parse(tmp_path: Path, text: str) -> list[tuple]:
    path = tmp_path / "d.csv"
    path.write_text(text, encoding="utf-8")
    con = duckdb.connect()
    header = sdmx.load_sdmx_csv(con, path, "t")
    assert header.dims == ("nace_r2", "indic_sbs", "geo")
    return con.execute("SELECT nace_r2, geo, year, value, flag, line FROM t ORDER BY line").fetchall()


def test_sdmx_csv_1_with_flags(tmp_path: Path) -> None:
    rows = parse(tmp_path, V1 + "ESTAT:SBS_R_NUTS2021(1.0),12/03/24 23:00:00,A,C,EMP_LOC_NR,AT11,2021,1200,\n"
                 "ESTAT:SBS_R_NUTS2021(1.0),12/03/24 23:00:00,A,C,EMP_LOC_NR,AT12,2021,,c\n"
                 "ESTAT:SBS_R_NUTS2021(1.0),12/03/24 23:00:00,A,C,EMP_LOC_NR,AT13,2021,15.5,e\n")
    assert rows == [("C", "AT11", 2021, 1200.0, None, 2), ("C", "AT12", 2021, None, "c", 3),
                    ("C", "AT13", 2021, 15.5, "e", 4)]


def test_sdmx_csv_2_confidential_status_and_labels(tmp_path: Path) -> None:
    rows = parse(tmp_path, V2 + "dataflow,ESTAT:X(1.0),A: Annual,C: Manufacturing,EMP: Employed,"
                 "AT11: Burgenland,2021,,,C\n")
    assert rows == [("C", "AT11", 2021, None, "c", 2)]


@pytest.mark.parametrize(("text", "error", "message"), [
    ("a;b;c\n1;2;3\n", SchemaError, r"d.csv:1: no comma in the header"),
    ("geo,OBS_VALUE\nAT,1\n", SchemaError, r"d.csv:1: header has no TIME_PERIOD"),
    (V1 + "x,y,A,C,E,AT11,2021,abc,\n", DataError, r"d.csv:2: OBS_VALUE 'abc' is not a number"),
    (V1 + "x,y,A,C,E,AT11,2021,1,q\n", DataError, r"d.csv:2: unknown OBS_FLAG 'q'"),
    (V1 + "x,y,A,C,E,AT11,2021,1,\nx,y,A,C,E,AT11,2021,2,\n", DataError,
     r"d.csv:3: duplicated observation \(same dimensions and period as line 2\)"),
])
def test_bad_sdmx_input(tmp_path: Path, text: str, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        parse(tmp_path, text)

"""Eurostat bulk TSV: parsing, flags, and every kind of bad input named by file and line."""

from __future__ import annotations

import gzip
from pathlib import Path

import duckdb
import pytest

from clusterobs.errors import DataError, SchemaError
from clusterobs.sources import eurostat
from tests.sbs_counts import count_values

HEADER = "nace_r2,indic_sb,geo\\time\t2014 \t2013 \n"


def write(tmp_path: Path, body: str, header: str = HEADER, name: str = "t.tsv.gz") -> Path:
    path = tmp_path / name
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.write(header + body)
    return path


def parse(path: Path) -> list[tuple]:
    con = duckdb.connect()
    eurostat.load_bulk_tsv(con, path, "t")
    return con.execute(
        "SELECT nace_r2, indic_sb, geo, year, value, flag, line FROM t ORDER BY line, year"
    ).fetchall()


def test_values_flags_and_missing_cells(tmp_path: Path) -> None:
    path = write(tmp_path, "C,V16110,AT11\t1200 \t1100 e\nC,V16110,AT12\t: c\t:\n")
    assert parse(path) == [
        ("C", "V16110", "AT11", 2013, 1100.0, "e", 2),
        ("C", "V16110", "AT11", 2014, 1200.0, None, 2),
        ("C", "V16110", "AT12", 2013, None, None, 3),  # ':' is missing, not zero
        ("C", "V16110", "AT12", 2014, None, "c", 3),  # confidential stays recognisable
    ]


def test_combined_flags_and_decimals(tmp_path: Path) -> None:
    path = write(tmp_path, "C,V13320,AT11\t12.5 bcd\t0 \n")
    rows = parse(path)
    assert rows[1][4:6] == (12.5, "bcd")
    assert rows[0][4:6] == (0.0, None)


def test_plain_uncompressed_file(tmp_path: Path) -> None:
    path = tmp_path / "t.tsv"
    path.write_text(HEADER + "C,V16110,AT11\t5 \t6 \n", encoding="utf-8")
    assert [r[4] for r in parse(path)] == [6.0, 5.0]


def test_new_api_header_with_time_period(tmp_path: Path) -> None:
    header = "freq,nace_r2,indic_sb,geo\\TIME_PERIOD\t2014\t2013\n"
    path = write(tmp_path, "A,C,V16110,AT11\t5\t6\n", header=header)
    con = duckdb.connect()
    h = eurostat.load_bulk_tsv(con, path, "t")
    assert h.dims == ("freq", "nace_r2", "indic_sb", "geo")
    assert con.execute("SELECT sum(value) FROM t").fetchone() == (11.0,)


def test_truncated_gzip_names_file_and_line(tmp_path: Path, sbs_path: Path) -> None:
    cut = tmp_path / "cut.tsv.gz"
    cut.write_bytes(sbs_path.read_bytes()[:200_000])
    with pytest.raises(DataError, match=r"cut\.tsv\.gz:\d+: truncated or corrupt gzip") as info:
        parse(cut)
    assert info.value.line and info.value.line > 1000


def test_wrong_delimiter(tmp_path: Path) -> None:
    path = write(tmp_path, "C;V16110;AT11;5;6\n", header="nace_r2,indic_sb,geo\\time;2014;2013\n")
    with pytest.raises(SchemaError, match=r"t\.tsv\.gz:1: no tab in the header"):
        parse(path)


def test_header_without_time_dimension(tmp_path: Path) -> None:
    path = write(tmp_path, "C,V16110,AT11\t5\t6\n", header="nace_r2,indic_sb,geo\t2014\t2013\n")
    with pytest.raises(SchemaError, match=r":1: header key 'nace_r2,indic_sb,geo' has no time dimension"):
        parse(path)


def test_non_period_header_column(tmp_path: Path) -> None:
    path = write(tmp_path, "C,V16110,AT11\t5\t6\n", header="nace_r2,indic_sb,geo\\time\t2014\ttotal\n")
    with pytest.raises(SchemaError, match=r"'total' is not a period"):
        parse(path)


def test_unknown_flag(tmp_path: Path) -> None:
    path = write(tmp_path, "C,V16110,AT11\t5 \t6 \nC,V16110,AT12\t5 x\t6 \n")
    with pytest.raises(DataError, match=r"t\.tsv\.gz:3: unknown flag 'x' in column 2014"):
        parse(path)


def test_non_numeric_value(tmp_path: Path) -> None:
    path = write(tmp_path, "C,V16110,AT11\t5 \t6 \nC,V16110,AT12\t5 \tabc\n")
    with pytest.raises(DataError, match=r"t\.tsv\.gz:3: value 'abc' in column 2013 is not a number"):
        parse(path)


def test_duplicated_key(tmp_path: Path) -> None:
    path = write(tmp_path, "C,V16110,AT11\t5 \t6 \nC,V16110,AT12\t1 \t2 \nC,V16110,AT11\t7 \t8 \n")
    with pytest.raises(DataError, match=r"t\.tsv\.gz:4: duplicated key 'C,V16110,AT11' \(also on line 2\)"):
        parse(path)


def test_key_with_wrong_number_of_parts(tmp_path: Path) -> None:
    path = write(tmp_path, "C,V16110,AT11\t5 \t6 \nC,AT12\t1 \t2 \n")
    with pytest.raises(DataError, match=r":3: key 'C,AT12' has 2 parts: expected 3"):
        parse(path)


def test_ragged_line(tmp_path: Path) -> None:
    path = write(tmp_path, "C,V16110,AT11\t5 \t6 \nC,V16110,AT12\t1 \n")
    with pytest.raises(DataError, match=r"t\.tsv\.gz:\d+: cannot parse as tab-separated values"):
        parse(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="file not found"):
        parse(tmp_path / "nope.tsv.gz")


def test_real_file_value_counts_match_an_independent_count(sbs_path: Path) -> None:
    """Count non-missing values per indicator and year with gzip + split, not DuckDB."""
    expected = count_values(sbs_path)
    con = duckdb.connect()
    eurostat.load_bulk_tsv(con, sbs_path, "t")
    got = {(i, y): n for i, y, n in con.execute(
        "SELECT indic_sb, year, count(value) FROM t GROUP BY ALL HAVING count(value) > 0").fetchall()}
    assert got == expected
    assert sum(expected.values()) == 1_100_929  # PROVENANCE.md §1

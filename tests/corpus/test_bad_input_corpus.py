"""The bad-input corpus: every file of tests/corpus/files through its loader.

Each case must fail with a one-line error naming the file (and line where there is one)
and the problem; cases that go through the store must leave it byte for byte unchanged.
The truncated gzip is cut from the real SBS file at test time (nothing of the data is kept
in the repository); the RIS workbooks are written from their CSV files at test time.
docs/hardening.md lists every case with its outcome.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import duckdb
import httpx
import pandas as pd
import pytest

from clusterobs import pipeline
from clusterobs.errors import ClusterObsError
from clusterobs.sources import gisco, indicators, sdmx
from clusterobs.sources.schemes import read_user_scheme

FILES = Path(__file__).parent / "files"
REFERENCE = ["nuts-names", "nuts-crosswalks", "nace"]

STORE_CASES = {  # Eurostat bulk TSV files loaded as sbs_r_nuts06_r2 into an existing store
    "tsv_non_numeric.tsv": r"sbs_r_nuts06_r2.tsv.gz:3: value 'six' in column 2013 is not a number",
    "tsv_unknown_flag.tsv": r"sbs_r_nuts06_r2.tsv.gz:2: unknown flag 'x' in column 2014",
    "tsv_no_time_dimension.tsv": r"sbs_r_nuts06_r2.tsv.gz:1: header key 'nace_r2,indic_sb,geo' has no time dimension",
    "tsv_wrong_delimiter.tsv": r"sbs_r_nuts06_r2.tsv.gz:1: no tab in the header",
    "tsv_duplicated_key.tsv": r"sbs_r_nuts06_r2.tsv.gz:3: duplicated key 'C,V16110,AT11' \(also on line 2\)",
    "tsv_short_key.tsv": r"sbs_r_nuts06_r2.tsv.gz:3: key 'C,V16110' has 2 parts: expected 3",
    "truncated": r"sbs_r_nuts06_r2.tsv.gz:\d+: truncated or corrupt gzip data",
    # issue 17, item 3: values that were stored (inf, nan, negative counts, impossible sizes)
    "tsv_infinite.tsv": r"sbs_r_nuts06_r2.tsv.gz:2: value '1e400' in column 2014 is not a finite number "
                        r"\(it overflows a double\): expected a number of plausible size$",
    "tsv_nan.tsv": r"sbs_r_nuts06_r2.tsv.gz:3: value 'nan' in column 2014 is not a number: expected a "
                   r"plain decimal number or ':', optionally followed by flags$",
    "tsv_inf.tsv": r"sbs_r_nuts06_r2.tsv.gz:3: value 'inf' in column 2013 is not a number: expected a "
                   r"plain decimal number or ':', optionally followed by flags$",
    "tsv_underscore.tsv": r"sbs_r_nuts06_r2.tsv.gz:3: value '1_000' in column 2014 is not a number",
    "tsv_negative_employment.tsv": r"sbs_r_nuts06_r2.tsv.gz:3: value '-5' in column 2014 is negative: "
                                   r"V16110 \(employment\) cannot be below 0$",
    "tsv_negative_local_units.tsv": r"sbs_r_nuts06_r2.tsv.gz:3: value '-1' in column 2013 is negative: "
                                    r"V11210 \(establishments\) cannot be below 0$",
    "tsv_huge.tsv": r"sbs_r_nuts06_r2.tsv.gz:3: value '123456789012345678901234567890' in column 2014 has an "
                    r"implausible magnitude: V16110 \(employment\) must lie between 0 and 5,000,000,000$",
    "tsv_huge_wages.tsv": r"sbs_r_nuts06_r2.tsv.gz:3: value '250000000' in column 2014 has an implausible "
                          r"magnitude: V13320 \(wages in EUR million\) must lie between -100,000,000 and "
                          r"100,000,000$",
    # header only (would empty the dataset), dimensions that do not match the declaration
    "tsv_header_only.tsv": r"sbs_r_nuts06_r2.tsv.gz: no observations in sbs_r_nuts06_r2: the file has a "
                           r"header but no values$",
    "tsv_extra_dimension.tsv": r"sbs_r_nuts06_r2.tsv.gz:1: dimensions nace_r2,indic_sb,unit,geo do not match "
                               r"the declaration of sbs_r_nuts06_r2: unexpected unit \(expected .*\)$",
    "tsv_missing_dimension.tsv": r"sbs_r_nuts06_r2.tsv.gz:1: dimensions nace_r2,geo do not match the "
                                 r"declaration of sbs_r_nuts06_r2: missing indic_sb \(expected .*\)$",
    # issue 17, item 4: tracebacks before
    "tsv_duplicated_dimension.tsv": r"sbs_r_nuts06_r2.tsv.gz:1: header key 'nace_r2,indic_sb,geo,geo\\\\time': "
                                    r"dimension 'geo' appears twice; expected distinct dimension names",
    "tsv_empty_dimension.tsv": r"sbs_r_nuts06_r2.tsv.gz:1: header key 'nace_r2,,geo\\\\time': dimension 2 has "
                               r"no name; expected distinct dimension names",
    "tsv_quarterly.tsv": r"sbs_r_nuts06_r2.tsv.gz:1: header has no annual column \(only 2014Q2, 2014Q1\): "
                         r"expected years like 2015$",
    "tsv_latin1.tsv": r"sbs_r_nuts06_r2.tsv.gz:4: text is not UTF-8: byte 0xe9 at byte 13 of the line "
                      r"\(Latin-1\?\); expected UTF-8 text$",
    # NUTS 2021/2024 codes in a file declared NUTS 2013
    "tsv_newer_nuts.tsv": r"sbs_r_nuts06_r2.tsv.gz:3: field geo: 2 region code\(s\) exist only in NUTS "
                          r"versions newer than 2013, the version sbs_r_nuts06_r2 is declared in: HR06 "
                          r"\(NUTS 2021\), NL36 \(NUTS 2024\); expected NUTS 2013 codes \(or older\)",
}

#: SDMX-CSV files loaded as sbs_r_nuts2021 (the current Eurostat dataset) into the same store
SDMX_CASES = {
    "sdmx_infinite.csv": r"sbs_r_nuts2021.csv.gz:3: OBS_VALUE '1e400' is not a finite number \(it overflows "
                         r"a double\): expected a number of plausible size$",
    "sdmx_nan.csv": r"sbs_r_nuts2021.csv.gz:3: OBS_VALUE 'NaN' is not a number: expected a plain decimal "
                    r"number or an empty cell$",
    "sdmx_underscore.csv": r"sbs_r_nuts2021.csv.gz:3: OBS_VALUE '1_000' is not a number",
    "sdmx_negative.csv": r"sbs_r_nuts2021.csv.gz:3: OBS_VALUE '-40' \(2021\) is negative: EMP_LOC_NR "
                         r"\(employment\) cannot be below 0$",
    "sdmx_huge.csv": r"sbs_r_nuts2021.csv.gz:3: OBS_VALUE '123456789012345678901234567890' \(2021\) has an "
                     r"implausible magnitude: EMP_LOC_NR \(employment\) must lie between 0 and 5,000,000,000$",
    "sdmx_huge_wages.csv": r"sbs_r_nuts2021.csv.gz:3: OBS_VALUE '3e9' \(2021\) has an implausible magnitude: "
                           r"WAGE_LOC_MEUR \(wages in EUR million\) must lie between -100,000,000 and "
                           r"100,000,000$",
    "sdmx_duplicated_column.csv": r"sbs_r_nuts2021.csv.gz:1: header column 'geo' appears twice: expected each "
                                  r"column once$",
    "sdmx_quarterly.csv": r"sbs_r_nuts2021.csv.gz:2: TIME_PERIOD '2021-Q1': no observation is annual; "
                          r"expected years like 2021$",
    "sdmx_latin1.csv": r"sbs_r_nuts2021.csv.gz:4: text is not UTF-8: byte 0xe9",
}

#: reference files loaded under the real file's name: mirror name, then the corpus cases
REFERENCE_CASES = {
    "names_header_only.csv": ("nuts_names_2013_2016_2021_2024.csv", "nuts-names",
                              r"nuts_names_2013_2016_2021_2024.csv:2: the file has a header but no rows: "
                              r"expected the NUTS names \(a header-only file would empty the regions table\)$"),
    "names_swapped_code_name.csv": ("nuts_names_2013_2016_2021_2024.csv", "nuts-names",
                                    r"nuts_names_2013_2016_2021_2024.csv:2: column 'code': 'Österreich' is not "
                                    r"a NUTS code of level 0"),
    "names_swapped_version_level.csv": ("nuts_names_2013_2016_2021_2024.csv", "nuts-names",
                                        r"nuts_names_2013_2016_2021_2024.csv:2: column 'nuts_version': '0' is "
                                        r"not a NUTS version \(a year such as 2016\)$"),
    "names_swapped_country_name.csv": ("nuts_names_2013_2016_2021_2024.csv", "nuts-names",
                                       r"nuts_names_2013_2016_2021_2024.csv:2: column 'country': 'Österreich' "
                                       r"is not a country code of two capital letters$"),
    "nace_header_only.csv": ("nace_rev2_structure.csv", "nace",
                             r"nace_rev2_structure.csv:2: the file has a header but no rows: expected the "
                             r"classification \(a header-only file would empty the industries table\)$"),
    "nace_swapped_code_eurostat_code.csv": ("nace_rev2_structure.csv", "nace",
                                            r"nace_rev2_structure.csv:3: column 'code': 'A01' is not a NACE "
                                            r"code like C, 20, 20.1 or 20.11$"),
    "nace_swapped_title_isic.csv": ("nace_rev2_structure.csv", "nace",
                                    r"nace_rev2_structure.csv:2: column 'title': 'A' is not a title "
                                    r"\(no word in it\)$"),
    "crosswalk_header_only.csv": ("jrc_nuts_converter_crosswalks_2006_2024.csv.gz", "nuts-crosswalks",
                                  r"jrc_nuts_converter_crosswalks_2006_2024.csv.gz:2: the file has a header "
                                  r"but no rows: expected the flows between NUTS versions$"),
    "geojson_no_features.geojson": ("NUTS_RG_20M_2016_4326_LEVL_0.geojson.gz", "gisco-nuts2016-l0",
                                    r"NUTS_RG_20M_2016_4326_LEVL_0.geojson.gz: field 'features' is empty: "
                                    r"expected the NUTS regions of the file"),
}

#: RIS sheets (written as xlsx from the CSV) whose columns are swapped in the header
RIS_CASES = {
    "ris_swapped_year_level.csv": r"ris.xlsx:2: column 'Year': '1' is not a year \(expected e.g. 2021\)$",
    "ris_swapped_year_value.csv": r"ris.xlsx:2: column 'Year': '0.41' is not a year \(expected e.g. 2021\)$",
    "ris_swapped_region_name.csv": r"ris.xlsx:2: column 'Region': 'Burgenland' is not a NUTS region code "
                                   r"\(expected e.g. AT13\)$",
    "ris_swapped_region_country.csv": r"ris.xlsx:2: column 'Country': 'AT11' is a region code, not a "
                                      r"country \(expected e.g. AT\)$",
}


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory, mirror: Path) -> tuple[Path, Path]:
    """A mirror folder (reference files linked from the real mirror) and a loaded store."""
    root = tmp_path_factory.mktemp("corpus")
    folder = root / "mirror"
    folder.mkdir()
    for name in ("nuts_names_2013_2016_2021_2024.csv", "jrc_nuts_converter_crosswalks_2006_2024.csv.gz",
                 "nace_rev2_structure.csv"):
        (folder / name).symlink_to(next(mirror.rglob(name)))
    with gzip.open(folder / "sbs_r_nuts06_r2.tsv.gz", "wt", encoding="utf-8") as fh:
        fh.write("nace_r2,indic_sb,geo\\time\t2014 \t2013 \nC,V16110,AT11\t5 \t6 \n")
    store = root / "store.duckdb"
    patch = pytest.MonkeyPatch()
    patch.setenv("CLUSTEROBS_MIRROR", str(folder))
    pipeline.load([*REFERENCE, "sbs_r_nuts06_r2"], store=store)
    patch.undo()
    return folder, store


@pytest.mark.parametrize("case", sorted(STORE_CASES))
def test_store_loads_refuse_and_change_nothing(case: str, base, mirror: Path, monkeypatch) -> None:
    folder, store = base
    target = folder / "sbs_r_nuts06_r2.tsv.gz"
    good = target.read_bytes()
    if case == "truncated":
        target.write_bytes((mirror / "eurostat_sbs_regional" / "sbs_r_nuts06_r2.tsv.gz").read_bytes()[:4000])
    else:
        target.write_bytes(gzip.compress((FILES / case).read_bytes()))
    before = store.read_bytes()
    monkeypatch.setenv("CLUSTEROBS_MIRROR", str(folder))
    try:
        with pytest.raises(ClusterObsError, match=STORE_CASES[case]) as info:
            pipeline.load(["sbs_r_nuts06_r2"], store=store)
        assert "\n" not in str(info.value)  # one line
        assert store.read_bytes() == before
    finally:
        target.write_bytes(good)


def _refused_unchanged(store: Path, ids: list[str], message: str) -> None:
    before = store.read_bytes()
    with pytest.raises(ClusterObsError, match=message) as info:
        pipeline.load(ids, store=store)
    assert "\n" not in str(info.value)  # one line
    assert store.read_bytes() == before


@pytest.mark.parametrize("case", sorted(SDMX_CASES))
def test_sdmx_loads_refuse_and_change_nothing(case: str, base, monkeypatch) -> None:
    folder, store = base
    target = folder / "sbs_r_nuts2021.csv.gz"
    target.write_bytes(gzip.compress((FILES / case).read_bytes()))
    monkeypatch.setenv("CLUSTEROBS_MIRROR", str(folder))
    try:
        _refused_unchanged(store, ["sbs_r_nuts2021"], SDMX_CASES[case])
    finally:
        target.unlink()


@pytest.mark.parametrize("case", sorted(REFERENCE_CASES))
def test_reference_loads_refuse_and_change_nothing(case: str, base, monkeypatch) -> None:
    folder, store = base
    name, dataset, message = REFERENCE_CASES[case]
    target = folder / name
    kept = target.with_name(name + ".kept")
    if target.exists() or target.is_symlink():
        target.rename(kept)
    data = (FILES / case).read_bytes()
    target.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    monkeypatch.setenv("CLUSTEROBS_MIRROR", str(folder))
    try:
        _refused_unchanged(store, [dataset], message)
    finally:
        target.unlink()
        if kept.is_symlink():
            kept.rename(target)


ACCEPTED = {  # case: (mirror file, source, rows, one stored observation)
    "tsv_bom.tsv": ("sbs_r_nuts06_r2.tsv.gz", "sbs_r_nuts06_r2", 2, ("AT11", "C", "employment", 5.0)),
    "sdmx_bom.csv": ("sbs_r_nuts2021.csv.gz", "sbs_r_nuts2021", 1, ("DE11", "C", "employment", 2200.0)),
    "tsv_negative_wages.tsv": ("sbs_r_nuts06_r2.tsv.gz", "sbs_r_nuts06_r2", 4, ("AT11", "B06", "wages", -8.3)),
}


@pytest.mark.parametrize("case", sorted(ACCEPTED))
def test_accepted_inputs(case: str, base, tmp_path: Path, monkeypatch) -> None:
    """A byte order mark is harmless; negative wages are published by Eurostat (NO06 B06 2014)."""
    folder, store = base
    name, source, rows, observation = ACCEPTED[case]
    copy = tmp_path / "store.duckdb"
    copy.write_bytes(store.read_bytes())
    target = folder / name
    good = target.read_bytes() if target.exists() else None
    target.write_bytes(gzip.compress((FILES / case).read_bytes()))
    monkeypatch.setenv("CLUSTEROBS_MIRROR", str(folder))
    try:
        report = pipeline.load([source], store=copy)
    finally:
        if good is None:
            target.unlink()
        else:
            target.write_bytes(good)
    assert report.datasets == [{"dataset": source, "rows": rows}]
    con = duckdb.connect(str(copy), read_only=True)
    values = con.execute("SELECT region, industry, measure, value FROM observations "
                         "WHERE dataset = ? ORDER BY ALL", [source]).fetchall()
    con.close()
    assert observation in values


@pytest.mark.parametrize("case", sorted(RIS_CASES))
def test_ris_swapped_columns_are_refused(case: str, tmp_path: Path) -> None:
    sheet = pd.read_csv(FILES / case, dtype=str)
    (tmp_path / "ris").mkdir()
    sheet.to_excel(tmp_path / "ris" / "ris.xlsx", index=False)
    spec = {"source": "ris/ris.xlsx", "reader": "ris", "args": {"indicator": "1.1.1"}, "nuts_version": "2016"}
    with pytest.raises(ClusterObsError, match=RIS_CASES[case]) as info:
        indicators.read_file_indicator(spec, tmp_path, pd.DataFrame(), {"AT11", "AT12"})
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(("name", "body", "message"), [
    ("sbs_r_nuts06_r2", b"<!DOCTYPE html>\n<html><body>Service unavailable</body></html>",
     r"download of sbs_r_nuts06_r2 from \S+ answered with an HTML or XML page, not data \(it begins "
     r"'<!DOCTYPE html>'\); nothing was cached$"),
    ("sbs_r_nuts06_r2", b"nace_r2,indic_sb,geo\\time\t2014 \nC,V16110,AT11\t5 \n",
     r"download of sbs_r_nuts06_r2 from \S+ is not gzip data \(it begins b'nace_r2,indic_sb,geo'\); "
     r"expected sbs_r_nuts06_r2.tsv.gz; nothing was cached$"),
    ("gisco-nuts2016-l0", b"<?xml version='1.0'?><Error><Code>AccessDenied</Code></Error>",
     r"download of gisco-nuts2016-l0 from \S+ answered with an HTML or XML page"),
])
def test_download_of_a_web_page_is_not_cached(name: str, body: bytes, message: str, base, tmp_path: Path,
                                              monkeypatch) -> None:
    _, store = base
    monkeypatch.delenv("CLUSTEROBS_MIRROR", raising=False)
    monkeypatch.setenv("CLUSTEROBS_VAR", str(tmp_path / "var"))
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=body))
    before = store.read_bytes()
    with pytest.raises(ClusterObsError, match=message) as info:
        pipeline.load([name], store=store, transport=transport)
    assert "\n" not in str(info.value)
    assert store.read_bytes() == before
    cached = [p for p in (tmp_path / "var").rglob("*") if p.is_file()]
    assert cached == []


@pytest.mark.parametrize(("name", "message"), [
    ("sdmx_duplicate.csv", r"sdmx_duplicate.csv:3: duplicated observation"),
    ("sdmx_no_time.csv", r"sdmx_no_time.csv:1: header has no TIME_PERIOD"),
])
def test_sdmx_corpus(name: str, message: str) -> None:
    with pytest.raises(ClusterObsError, match=message):
        sdmx.load_sdmx_csv(duckdb.connect(), FILES / name, "t")


@pytest.mark.parametrize(("name", "message"), [
    ("NUTS_RG_20M_2016_4326_LEVL_2.geojson", r"NUTS_RG_20M_2016_4326_LEVL_2.geojson"),
    ("NUTS_RG_20M_2016_4326_LEVL_1.geojson", r"NUTS_RG_20M_2016_4326_LEVL_1.geojson:1: not valid JSON"),
])
def test_geometry_corpus(name: str, message: str, tmp_path: Path) -> None:
    with pytest.raises(ClusterObsError, match=message):
        gisco.read_nuts_geometries(FILES / name)


def test_crosswalk_corpus() -> None:
    with pytest.raises(ClusterObsError, match=r"crosswalk_missing_columns.csv.*from_version"):
        gisco.read_nuts_crosswalk(FILES / "crosswalk_missing_columns.csv")


@pytest.mark.parametrize(("name", "message"), [
    ("scheme_weight_out_of_range.csv", r"weight 1.5 of industry C20 in category chem is outside \(0, 1\]"),
    ("scheme_overfull.csv", r"weights of industry C20 sum to 1.2 > 1"),
    ("scheme_weight_not_number.csv", r"scheme_weight_not_number.csv:2: weight 'abc' is not a number"),
    ("scheme_unknown_code.csv", r"industry codes unknown to NACE_R2: X99"),
])
def test_user_scheme_corpus(name: str, message: str) -> None:
    with pytest.raises(ClusterObsError, match=message):
        read_user_scheme(FILES / name, id="mine", known={"C20", "C21"})


def test_every_corpus_file_is_exercised() -> None:
    used = set(STORE_CASES) | set(SDMX_CASES) | set(REFERENCE_CASES) | set(RIS_CASES) | {
        *ACCEPTED} | {"sdmx_duplicate.csv", "sdmx_no_time.csv", "crosswalk_missing_columns.csv",
                               "NUTS_RG_20M_2016_4326_LEVL_2.geojson", "NUTS_RG_20M_2016_4326_LEVL_1.geojson",
                               "scheme_weight_out_of_range.csv", "scheme_overfull.csv",
                               "scheme_weight_not_number.csv", "scheme_unknown_code.csv"}
    assert {p.name for p in FILES.iterdir()} == used - {"truncated"}

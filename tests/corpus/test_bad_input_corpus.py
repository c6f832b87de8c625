"""The bad-input corpus: every file of tests/corpus/files through its loader.

Each case must fail with a one-line error naming the file (and line where there is one)
and the problem; cases that go through the store must leave it byte for byte unchanged.
The truncated gzip is cut from the real SBS file at test time (nothing of the data is kept
in the repository).
"""

from __future__ import annotations

import gzip
from pathlib import Path

import duckdb
import pytest

from clusterobs import pipeline
from clusterobs.errors import ClusterObsError
from clusterobs.sources import gisco, sdmx
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
    used = set(STORE_CASES) | {"sdmx_duplicate.csv", "sdmx_no_time.csv", "crosswalk_missing_columns.csv",
                               "NUTS_RG_20M_2016_4326_LEVL_2.geojson", "NUTS_RG_20M_2016_4326_LEVL_1.geojson",
                               "scheme_weight_out_of_range.csv", "scheme_overfull.csv",
                               "scheme_weight_not_number.csv", "scheme_unknown_code.csv"}
    assert {p.name for p in FILES.iterdir()} == used - {"truncated"}

"""GISCO NUTS geometries, names and JRC crosswalks, read from the real data mirror."""

from __future__ import annotations

import csv
import gzip
import json
import math
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely

from clusterobs.core.nuts import convert_regions, detect_nuts_version, harmonise
from clusterobs.errors import DataError, FetchError, SchemaError
from clusterobs.sources.gisco import (
    feature_collection,
    geometry_files,
    read_nuts_crosswalk,
    read_nuts_geometries,
    read_nuts_level,
    read_nuts_names,
    simplify_for_web,
)

SBS_VERSIONS = (2006, 2010, 2013)  # the SBS file (2017) predates NUTS 2016


@pytest.fixture(scope="module")
def mirror() -> Path:
    """The real data mirror: CLUSTEROBS_MIRROR, else /work/shared/data."""
    path = Path(os.environ.get("CLUSTEROBS_MIRROR") or "/work/shared/data")
    if not (path / "gisco_nuts").is_dir():
        pytest.fail(f"the real data mirror is missing at {path}: set CLUSTEROBS_MIRROR")
    return path


@pytest.fixture(scope="module")
def crosswalk(mirror: Path) -> pd.DataFrame:
    return read_nuts_crosswalk(
        mirror / "nuts_classification" / "jrc_nuts_converter_crosswalks_2006_2024.csv.gz"
    )


@pytest.fixture(scope="module")
def nuts2016(mirror: Path) -> pd.DataFrame:
    return pd.concat([read_nuts_level(mirror, 2016, lv) for lv in range(4)], ignore_index=True)


@pytest.fixture(scope="module")
def sbs(mirror: Path) -> pd.DataFrame:
    """Persons employed (V16110) in manufacturing (C) by region and year, from the SBS TSV."""
    rows = []
    path = mirror / "eurostat_sbs_regional" / "sbs_r_nuts06_r2.tsv.gz"
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        reader = csv.reader(fh, delimiter="\t")
        years = [int(y) for y in next(reader)[1:]]
        for rec in reader:
            nace, indic, geo = rec[0].split(",")
            if nace == "C" and indic == "V16110":
                for year, cell in zip(years, rec[1:], strict=True):
                    value, _, flag = cell.strip().partition(" ")
                    number = math.nan if value == ":" else float(value)
                    rows.append((geo, year, number, flag.strip()))
    return pd.DataFrame(rows, columns=["region", "year", "value", "flag"])


def sbs_nuts2_codes(mirror: Path) -> set[str]:
    path = mirror / "eurostat_sbs_regional" / "sbs_r_nuts06_r2.tsv.gz"
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        reader = csv.reader(fh, delimiter="\t")
        next(reader)
        return {row[0].split(",")[2] for row in reader if len(row[0].split(",")[2]) == 4}


def test_nuts2016_feature_counts_and_validity(nuts2016: pd.DataFrame) -> None:
    # PROVENANCE §5: 37 / 125 / 332 / 1522 features at levels 0-3
    assert nuts2016.groupby("level").size().to_dict() == {0: 37, 1: 125, 2: 332, 3: 1522}
    assert shapely.is_valid(np.asarray(nuts2016["geometry"])).all()
    assert (nuts2016["nuts_version"] == 2016).all()
    de21 = nuts2016.set_index("region").loc["DE21"]
    assert de21["country"] == "DE" and de21["name"] == "Oberbayern"


@pytest.mark.parametrize(
    ("version", "counts"),
    [(2021, {0: 37, 1: 125, 2: 334, 3: 1514}), (2024, {0: 39, 1: 115, 2: 299, 3: 1345})],
)
def test_geometry_files_of_other_versions(
    mirror: Path, version: int, counts: dict[int, int]
) -> None:
    files = geometry_files(mirror, version)
    assert sorted(files) == [0, 1, 2, 3]
    frames = {p: read_nuts_geometries(p) for p in set(files.values())}  # read each file once
    got = {lv: int((frames[p]["level"] == lv).sum()) for lv, p in files.items()}
    assert got == counts


def test_geometry_files_unknown_version(mirror: Path) -> None:
    with pytest.raises(FetchError, match="2013"):
        geometry_files(mirror, 2013)


def test_simplified_nuts2_payload(nuts2016: pd.DataFrame) -> None:
    regions = nuts2016[nuts2016["level"] == 2]
    web = simplify_for_web(regions)
    payload = feature_collection(web).encode("utf-8")
    assert len(payload) < 1_500_000  # about 0.29 MB
    doc = json.loads(payload)
    assert len(doc["features"]) == 332
    geoms = np.asarray(web["geometry"])
    assert shapely.is_valid(geoms).all() and not shapely.is_empty(geoms).any()
    # regions still look right: each keeps its area within 2 % (symmetric difference)
    before = np.asarray(regions["geometry"])
    change = shapely.area(shapely.symmetric_difference(before, geoms)) / shapely.area(before)
    assert change.max() < 0.02
    # outer rings clockwise (d3), coordinates rounded to 4 decimals
    polygons = shapely.get_parts(geoms)
    assert not shapely.is_ccw(shapely.get_exterior_ring(polygons)).any()
    ring = doc["features"][0]["geometry"]["coordinates"][0]
    assert all(round(x, 4) == x for x in np.ravel(ring))


def test_nuts_names(mirror: Path) -> None:
    names = read_nuts_names(mirror / "nuts_classification" / "nuts_names_2013_2016_2021_2024.csv")
    assert list(names.columns) == [
        "nuts_version",
        "region",
        "level",
        "country",
        "name",
        "name_latn",
    ]
    assert len(names) == 7734
    assert detect_nuts_version(["DE40", "FR24", "FRB0", "DE41"], names) == {
        "DE40": (2013, 2016, 2021, 2024),
        "DE41": (),
        "FR24": (2013,),
        "FRB0": (2016, 2021, 2024),
    }


def test_crosswalk_read(crosswalk: pd.DataFrame) -> None:
    assert len(crosswalk) == 66877
    assert set(crosswalk["from_version"]) == {2006, 2010, 2013, 2016, 2021, 2024}
    assert set(crosswalk["level"]) == {1, 2, 3}


def test_all_sbs_nuts2_codes_harmonise_to_2016_geometry(
    mirror: Path, crosswalk: pd.DataFrame, nuts2016: pd.DataFrame
) -> None:
    codes = sorted(c for c in sbs_nuts2_codes(mirror) if not c.endswith("ZZ"))
    assert len(codes) == 318  # PROVENANCE §1
    t = pd.DataFrame({"region": codes, "value": 1.0})
    geometry_codes = set(nuts2016["region"])
    r = harmonise(t, crosswalk, 2016, versions=SBS_VERSIONS, valid_targets=geometry_codes)
    assert r.unmatched == ()
    assert set(r.table["region"]) <= geometry_codes
    assert r.table["region"].nunique() == 288
    # without the geometry codes, the JRC level-2 artefact UKN1 (of UKN0) shows up
    raw = harmonise(t, crosswalk, 2016, versions=SBS_VERSIONS)
    assert set(raw.table["region"]) - geometry_codes == {"UKN1"}


def test_sbs_2013_to_2016_reports(mirror: Path, crosswalk: pd.DataFrame) -> None:
    codes = sorted(sbs_nuts2_codes(mirror))
    t = pd.DataFrame({"region": codes, "value": 1.0})
    r = convert_regions(t, crosswalk, 2013, 2016)
    assert r.split == ("HU10", "IE01", "IE02", "LT00", "PL12", "UKM2", "UKM3", "UKN0")
    assert r.merged == ("IE06", "UKM9")
    assert ("FR24", "FRB0") in r.renamed and len(r.renamed) == 31
    # codes of older versions (DE41, FI13, ...) and extra-regio codes are not 2013 codes
    assert {"DE41", "DE42", "FI13", "SI01", "CZZZ"} <= set(r.unmatched)


def test_converted_sbs_keeps_total_employment(
    sbs: pd.DataFrame, crosswalk: pd.DataFrame, nuts2016: pd.DataFrame
) -> None:
    # NUTS-2 of 2014, extra-regio left out: every code matched, so the total is kept
    t = sbs[(sbs["region"].str.len() == 4) & ~sbs["region"].str.endswith("ZZ")]
    t = t[t["year"] == 2014]
    valid = set(nuts2016["region"])
    r = harmonise(t, crosswalk, 2016, keys=["year"], versions=SBS_VERSIONS, valid_targets=valid)
    assert r.unmatched == ()
    assert r.table["value"].sum() == pytest.approx(t["value"].sum(), rel=1e-9)
    de21 = r.table.set_index("region").loc["DE21"]
    assert de21["value"] == 388509 and not de21["nuts_converted"]  # PROVENANCE §1
    assert r.table.set_index("region").loc["UKM9", "nuts_converted"]


def test_harmonise_avoids_double_counting_in_real_data(
    sbs: pd.DataFrame, crosswalk: pd.DataFrame, nuts2016: pd.DataFrame
) -> None:
    # 2008: DE40 is missing, DE41 35,680 + DE42 51,045 = 86,725 (= DE4);
    # 2012: DE40 120,044 is given and DE41/DE42 are missing
    t = sbs[sbs["region"].isin(["DE40", "DE41", "DE42"])]
    r = harmonise(t, crosswalk, 2016, keys=["year"], versions=SBS_VERSIONS)
    got = r.table.set_index("year")["value"]
    assert got[2008] == 86725 and got[2012] == 120044


def test_crosswalk_with_missing_columns_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "cw.csv"
    path.write_text("from_code,to_code,from_version\nAT11,AT11,2013\n", encoding="utf-8")
    with pytest.raises(SchemaError, match=r"cw\.csv:1: .*missing columns \['to_version'"):
        read_nuts_crosswalk(path)


def test_crosswalk_bad_value_names_line(tmp_path: Path) -> None:
    header = "from_code,to_code,from_version,to_version,level,country,areaKm,pop21,pop11,"
    header += "artif_surf18,artif_surf12,bu_vol\n"
    good = "AT11,AT11,2013,2016,2,Austria,1,2,3,4,5,6\n"
    path = tmp_path / "cw.csv.gz"
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.write(header + good + good.replace(",2,3,", ",x,3,"))
    with pytest.raises(DataError, match=r"cw\.csv\.gz:3: column 'pop21'"):
        read_nuts_crosswalk(path)


def test_names_with_missing_columns(tmp_path: Path) -> None:
    path = tmp_path / "names.csv"
    path.write_text("nuts_version,code,level\n2016,AT1,1\n", encoding="utf-8")
    with pytest.raises(SchemaError, match=r"names\.csv:1: .*missing columns \['country'"):
        read_nuts_names(path)


def test_geojson_without_required_property(tmp_path: Path) -> None:
    feature = {"type": "Feature", "properties": {"NUTS_ID": "AT1", "LEVL_CODE": 1},
               "geometry": {"type": "Point", "coordinates": [1, 2]}}  # fmt: skip
    path = tmp_path / "NUTS_RG_20M_2016_4326_LEVL_1.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    with pytest.raises(SchemaError, match=r"LEVL_1\.geojson: feature 0: missing .*CNTR_CODE"):
        read_nuts_geometries(path)


def test_region_code_of_unknown_version_is_unmatched(crosswalk: pd.DataFrame) -> None:
    t = pd.DataFrame({"region": ["AT11", "XX12", "DE41"], "year": 2014, "value": [1.0, 2.0, 3.0]})
    r = convert_regions(t, crosswalk, 2013, 2016)
    assert r.unmatched == ("DE41", "XX12")  # DE41 is a NUTS 2006 code
    assert r.table["region"].tolist() == ["AT11"]
    assert harmonise(t, crosswalk, 2016).unmatched == ("XX12",)

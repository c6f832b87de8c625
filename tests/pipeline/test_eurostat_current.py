"""Eurostat's current regional SBS (``sbs_r_nuts2021``) as the continuation of the old series.

The real file cannot be downloaded here: the tests write small files in the published layouts
(bulk TSV ``freq,indic_sbs,nace_r2,geo\\TIME_PERIOD`` and SDMX-CSV 1.0), load them next to a
small file in the old layout, and check that the two form one series whose 2020/2021 seam is
a break (no growth across it), with the new codes read through the declaration
(``EMP_LOC_NR`` persons employed, ``LOC_NR`` local units, ``WAGE_LOC_MEUR`` wages).
"""

from __future__ import annotations

import gzip
from pathlib import Path

import httpx
import pytest

from clusterobs import config, pipeline
from clusterobs.errors import DataError
from clusterobs.sources import catalog, fetch
from clusterobs.store import reader

REFERENCE = ("nuts_names_2013_2016_2021_2024.csv", "jrc_nuts_converter_crosswalks_2006_2024.csv.gz",
             "nace_rev2_structure.csv", "naics2017.csv",
             *(f"NUTS_RG_20M_2016_4326_LEVL_{level}.geojson.gz" for level in (0, 1, 2)))
OLD = ("nace_r2,indic_sb,geo\\time\t2020 \t2019 \n"
       "C,V16110,DE11\t2000 \t1800 \nC29,V16110,DE11\t1000 \t900 \n"
       "C,V16110,DE12\t3000 \t3000 \nC29,V16110,DE12\t500 \t500 \n"
       "F,V16110,DE11\t400 \t400 \nF,V16110,DE12\t600 \t600 \n")
# persons employed 2021/2022; wages in EUR million; local units
NEW_TSV = ("freq,indic_sbs,nace_r2,geo\\TIME_PERIOD\t2021 \t2022 \n"
           "A,EMP_LOC_NR,C,DE11\t2200 \t2420 \nA,EMP_LOC_NR,C29,DE11\t1100 \t1210 \n"
           "A,EMP_LOC_NR,C,DE12\t3000 \t3000 \nA,EMP_LOC_NR,C29,DE12\t500 \t450 p\n"
           "A,EMP_LOC_NR,F,DE11\t400 \t400 \nA,EMP_LOC_NR,F,DE12\t600 \t600 \n"
           "A,WAGE_LOC_MEUR,C29,DE11\t55 \t60.5 \nA,LOC_NR,C29,DE11\t12 \t12 \n")


def _sdmx(tsv: str) -> str:
    """The same observations as SDMX-CSV 1.0 (DATAFLOW, LAST UPDATE, dims, TIME_PERIOD, OBS_VALUE, OBS_FLAG)."""
    lines = tsv.strip("\n").split("\n")
    periods = [p.strip() for p in lines[0].split("\t")[1:]]
    out = ["DATAFLOW,LAST UPDATE,freq,indic_sbs,nace_r2,geo,TIME_PERIOD,OBS_VALUE,OBS_FLAG"]
    for line in lines[1:]:
        key, *cells = line.split("\t")
        for period, cell in zip(periods, cells, strict=True):
            value, _, flag = cell.strip().partition(" ")
            out.append(f"ESTAT:SBS_R_NUTS2021(1.0),01/06/26 23:00:00,{key},{period},{value},{flag}")
    return "\n".join(out) + "\n"


def _mirror(tmp_path: Path, mirror: Path, *, sdmx: bool) -> Path:
    folder = tmp_path / "mirror"
    folder.mkdir()
    for name in REFERENCE:
        (folder / name).symlink_to(next(mirror.rglob(name)))
    with gzip.open(folder / "sbs_r_nuts06_r2.tsv.gz", "wt", encoding="utf-8") as fh:
        fh.write(OLD)
    if sdmx:
        with gzip.open(folder / "sbs_r_nuts2021.csv.gz", "wt", encoding="utf-8") as fh:
            fh.write(_sdmx(NEW_TSV))
    else:
        with gzip.open(folder / "sbs_r_nuts2021.tsv.gz", "wt", encoding="utf-8") as fh:
            fh.write(NEW_TSV)
    return folder


@pytest.mark.parametrize("sdmx", [False, True], ids=["tsv", "sdmx-csv"])
def test_current_format_continues_the_series_with_a_break(tmp_path, mirror, monkeypatch, sdmx) -> None:
    monkeypatch.setenv("CLUSTEROBS_MIRROR", str(_mirror(tmp_path, mirror, sdmx=sdmx)))
    monkeypatch.setenv("CLUSTEROBS_VAR", str(tmp_path / "var"))
    monkeypatch.delenv("CLUSTEROBS_STORE", raising=False)
    ids = ["sbs_r_nuts06_r2", "sbs_r_nuts2021", "nuts-names", "nuts-crosswalks", "nace", "naics2017"]
    report = pipeline.load(ids)
    assert report.skipped == []
    pipeline.build(dataset="europe")
    with reader.connect(config.results_path("europe")) as con:
        rows = {(y, c): (e, w, g1) for y, c, e, w, g1 in con.execute(
            """SELECT year, category, employment, wage_per_employee, growth_1y FROM clusters
               WHERE scheme = 'nace-division' AND region = 'DE11'""").fetchall()}
        flags = dict(con.execute("""SELECT year, bool_or(uncertain) FROM region_industry
                                    WHERE region = 'DE12' AND industry = 'C29' GROUP BY 1""").fetchall())
        meta = con.execute("SELECT dataset_meta FROM build_info").fetchall()[0][0]
    # one series: old years and new years side by side
    assert rows[(2019, "C29")][0] == 900 and rows[(2022, "C29")][0] == 1210
    # growth within each part, none across the 2020/2021 seam
    assert rows[(2020, "C29")][2] == pytest.approx(1000 / 900 - 1)
    assert rows[(2022, "C29")][2] == pytest.approx(0.1)
    assert rows[(2021, "C29")][2] is None
    # WAGE_LOC_MEUR is in EUR million: 55e6 / 1100 persons = 50,000 EUR
    assert rows[(2021, "C29")][1] == pytest.approx(50_000)
    assert flags == {2019: False, 2020: False, 2021: False, 2022: True}  # 'p' provisional
    assert '"breaks": [2021]' in meta


def test_a_dimension_the_declaration_does_not_know_is_refused(tmp_path, mirror, monkeypatch) -> None:
    folder = _mirror(tmp_path, mirror, sdmx=False)
    with gzip.open(folder / "sbs_r_nuts2021.tsv.gz", "wt", encoding="utf-8") as fh:
        fh.write(NEW_TSV.replace("freq,indic_sbs,nace_r2,geo", "freq,unit,indic_sbs,nace_r2,geo")
                 .replace("A,", "A,NR,"))
    monkeypatch.setenv("CLUSTEROBS_MIRROR", str(folder))
    store = tmp_path / "store.duckdb"
    with pytest.raises(DataError, match=r"sbs_r_nuts2021.tsv.gz:1: dimensions freq,unit,indic_sbs,nace_r2,geo "
                                         r"do not match the declaration of sbs_r_nuts2021: unexpected unit"):
        pipeline.load(["nace", "naics2017", "sbs_r_nuts2021"], store=store)
    assert not store.exists()


def test_download_of_the_current_dataset(tmp_path: Path) -> None:
    """The real download path: Eurostat's API address, served here by a mock transport."""
    body = gzip.compress(NEW_TSV.encode())
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, content=body)

    ds = catalog.get("sbs_r_nuts2021")
    path = fetch.fetch(ds, cache=tmp_path, transport=httpx.MockTransport(handler))
    assert seen == ["https://ec.europa.eu/eurostat/api/dissemination/sdmx/2.1/data/sbs_r_nuts2021"
                    "?format=TSV&compressed=true"]
    assert gzip.decompress(path.read_bytes()).decode() == NEW_TSV


def test_without_the_current_file_the_old_series_loads_alone(tmp_path, mirror, monkeypatch) -> None:
    folder = _mirror(tmp_path, mirror, sdmx=False)
    (folder / "sbs_r_nuts2021.tsv.gz").unlink()
    monkeypatch.setenv("CLUSTEROBS_MIRROR", str(folder))
    report = pipeline.load(["europe"], store=tmp_path / "store.duckdb")
    assert report.skipped == ["sbs_r_nuts2021"]
    assert {d["dataset"] for d in report.datasets} >= {"sbs_r_nuts06_r2", "nace"}

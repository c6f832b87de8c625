"""The real Great Britain (BRES, NACE classes) and US (CBP metros) datasets, end to end.

Checked against independent counts of the files and against published figures: the BRES
classes summed to divisions against BRES's own 2-digit file, BRES against Eurostat SBS for the
same regions in 2015, CBP 2019 strong clusters against US Cluster Mapping's 2016 flags.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from clusterobs.pipeline import validate
from clusterobs.store import reader

BRES5 = "uk_bres/bres_open_employment_nuts2016_L2_sic2007_5digit_2015_2021.csv.gz"
BRES2 = "uk_bres/bres_open_employment_nuts2016_L2_sic2007_2digit_2015_2021.csv.gz"


def test_bres_load_equals_an_independent_count(loaded_store: Path, mirror: Path) -> None:
    raw = pd.read_csv(mirror / BRES5, dtype={"INDUSTRY_CODE": str})
    # subclasses of one class are summed; the agricultural aggregate 01000 is its own code
    cls = raw["INDUSTRY_CODE"].where(raw["INDUSTRY_CODE"] == "01000", raw["INDUSTRY_CODE"].str[:4])
    cells = raw.assign(cls=cls).groupby(["GEOGRAPHY_CODE", "cls", "DATE"])["COUNT"].sum(min_count=1)
    with reader.connect(loaded_store) as con:
        n, total, regions = con.execute(
            """SELECT count(*), sum(value), count(DISTINCT region) FROM observations
               WHERE dataset = 'uk-bres-sic5' AND measure = 'employment'""").fetchone()
        uki3 = con.execute("""SELECT value FROM observations WHERE dataset = 'uk-bres-sic5'
                              AND region = 'UKI3' AND industry = 'M7022' AND year = 2019""").fetchone()[0]
    assert n == len(cells) and regions == 40
    assert total == pytest.approx(raw["COUNT"].sum())
    sub = raw[(raw["GEOGRAPHY_CODE"] == "UKI3") & (raw["DATE"] == 2019) & raw["INDUSTRY_CODE"].str.startswith("7022")]
    assert uki3 == sub["COUNT"].sum()


def test_bres_classes_summed_to_divisions_match_the_two_digit_file(built_datasets, mirror: Path) -> None:
    two = pd.read_csv(mirror / BRES2, dtype={"INDUSTRY_CODE": str})
    with reader.connect(built_datasets["gb-bres"]) as con:
        ours = con.execute("""SELECT region, industry, year, employment FROM region_industry
                              WHERE length(industry) = 3""").df()
    ours["code"] = ours["industry"].str[1:]
    both = ours.merge(two, left_on=["region", "code", "year"],
                      right_on=["GEOGRAPHY_CODE", "INDUSTRY_CODE", "DATE"]).dropna(subset=["COUNT"])
    assert len(both) > 20_000
    # the same survey rounded at two levels of detail (PROVENANCE §15: r = 0.99985)
    assert np.corrcoef(both["employment"], both["COUNT"])[0, 1] > 0.9995
    m70 = both[(both["region"] == "UKI3") & (both["code"] == "70") & (both["year"] == 2015)]
    assert m70["COUNT"].iloc[0] == 156_000 and m70["employment"].iloc[0] == pytest.approx(156_000, rel=0.02)


def test_gb_is_built_at_class_level(built_datasets) -> None:
    with reader.connect(built_datasets["gb-bres"]) as con:
        title = con.execute("SELECT title FROM schemes WHERE scheme = 'eu-clusters'").fetchone()[0]
        classes = con.execute("""SELECT count(DISTINCT industry) FROM scheme_weights
                                 WHERE scheme = 'eu-clusters' AND length(industry) = 5""").fetchone()[0]
        years = [r[0] for r in con.execute("SELECT DISTINCT year FROM clusters ORDER BY 1").fetchall()]
        total = con.execute("""SELECT employment_total FROM region_totals
                               WHERE region = 'UKI3' AND year = 2015""").fetchone()[0]
        sections = con.execute("""SELECT sum(employment) FROM region_industry WHERE region = 'UKI3'
                                  AND year = 2015 AND industry IN ('B','C','D','E','F','G','H','I','J',
                                  'L','M','N','S95')""").fetchone()[0]
    assert "class level" in title and classes > 570
    assert years == list(range(2015, 2022))
    assert total == sections  # the business total as SBS defines it, summed from the classes


def test_gb_against_eurostat_sbs_2015(built_store: Path, built_datasets) -> None:
    """Same business register (PROVENANCE §15: r = 0.9994 over 2,284 cells)."""
    corr = validate.gb_vs_sbs(built_store, built_datasets["gb-bres"], 2015)
    assert corr.cells > 1_900
    assert corr.employment_r > 0.999 and corr.lq_r > 0.99
    assert 0.98 < corr.median_ratio < 1.05


def test_us_metros_against_the_published_2016_flags(built_datasets, mirror: Path) -> None:
    flags = validate.cbp_vs_uscmp_2016(built_datasets["us-cbp"], mirror)
    assert flags.cells > 15_000
    # a different year and CBP's suppressed cells: agreement well above chance, not identity
    assert flags.rate > 0.8 and flags.kappa > 0.4
    with reader.connect(built_datasets["us-cbp"]) as con:
        regions = con.execute("SELECT count(DISTINCT region) FROM clusters").fetchone()[0]
        boston = con.execute("""SELECT employment_total FROM region_totals WHERE region = '14460'""").fetchone()[0]
        parent = con.execute("SELECT parent, name FROM regions WHERE region = '14460'").fetchone()
        geometries = con.execute("SELECT count(*) FROM geometries").fetchone()[0]
    assert regions == 912 and geometries == 0
    assert parent == ("US-25", "Boston-Cambridge-Newton, MA-NH")
    assert boston == 2_595_753  # CBP 2019's all-industries row (naics 00) of the file

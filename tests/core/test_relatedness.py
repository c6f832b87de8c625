"""Relatedness and complexity (methodology §6 co-location, §7), py-ecomplexity as oracle."""

from __future__ import annotations

import contextlib
import doctest
import io
import warnings
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from clusterobs.core import relatedness as rel
from clusterobs.errors import MethodError
from clusterobs.sources.uscmp import read_related_clusters
from tests.core.test_trends import real_con, real_store  # noqa: F401  (fixtures)

US_RELATED = Path(__file__).resolve().parents[3] / "shared" / "data" / "us_cluster_mapping" \
    / "uscmp_related_clusters.csv.gz"
COLUMNS = ["rca", "mcp", "diversity", "ubiquity", "density", "eci", "pci", "coi", "cog"]


def test_docstring_examples() -> None:
    result = doctest.testmod(rel, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 10 and result.failed == 0


def test_rca_and_presence_tiny() -> None:
    # X = [[2, 2], [0, 4]]: row totals 4, 4; column totals 2, 6; total 8
    # RCA(A,x) = (2/4)/(2/8) = 2; RCA(A,y) = (2/4)/(6/8) = 2/3; RCA(B,y) = (4/4)/(6/8) = 4/3
    r = rel.rca(np.array([[2.0, 2.0], [0.0, 4.0]]))
    assert r == pytest.approx(np.array([[2.0, 2 / 3], [0.0, 4 / 3]]))


def test_proximity_density_tiny() -> None:
    # M: A = {x, y}, B = {y}, C = {y, z}; k_x 1, k_y 3, k_z 1
    # φ(x,y) = 1/max(1,3) = 1/3; φ(x,z) = 0/1 = 0; φ(y,z) = 1/3; diagonal 1
    m = np.array([[1.0, 1, 0], [0, 1, 0], [0, 1, 1]])
    phi = rel.proximity(m)
    assert phi == pytest.approx(np.array([[1, 1 / 3, 0], [1 / 3, 1, 1 / 3], [0, 1 / 3, 1]]))
    # ω(B,x) = Σ_c' M(B,c')φ(x,c') / Σ_c' φ(x,c') = (1/3)/(4/3) = 0.25
    # ω(B,y) = 1/(5/3) = 0.6
    omega = rel.density(m, phi)
    assert omega[1, 0] == pytest.approx(0.25)
    assert omega[1, 1] == pytest.approx(0.6)


def test_complexity_normalisation_and_sign() -> None:
    # a connected staircase: M = [11100, 01110, 00110, 00011, 00001]; region 0 makes the
    # most exclusive categories and gets the highest ECI
    x = np.array([[4.0, 4, 4, 4, 1], [0, 5, 5, 5, 2], [0, 0, 6, 6, 3], [0, 0, 0, 7, 9],
                  [1, 1, 1, 1, 20]])
    c = rel.year_complexity(x)
    assert c.eci.mean() == pytest.approx(0.0, abs=1e-12)
    assert c.eci.std() == pytest.approx(1.0)
    assert c.coi.std() == pytest.approx(1.0)
    assert np.argmax(c.eci) == 0
    # PCI on the ECI scale: ECI(r) = mean PCI of the region's categories, after normalisation
    # (the eigenvector relation kr = Σ_c M kp / k_r survives the common affine map)
    kr = (c.mcp @ c.pci) / c.mcp.sum(axis=1)
    assert kr == pytest.approx(c.eci)
    assert c.flag is None


def test_weak_eigengap_is_flagged() -> None:
    # three identical disconnected blocks: Ñ has eigenvalue 1 three times, λ2/λ3 = 1
    x = np.kron(np.eye(3), np.ones((2, 2)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        c = rel.year_complexity(x)
    assert c.eigengap == pytest.approx(1.0)
    assert c.flag == "weak_eigengap"
    long = pd.DataFrame([(f"r{i}", f"c{j}", 2014, x[i, j]) for i in range(6) for j in range(6)],
                        columns=["region", "category", "year", "employment"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert set(rel.complexity(long)["flag"]) == {"weak_eigengap"}


def test_complexity_drops_zero_rows_and_rejects_bad_input() -> None:
    f = pd.DataFrame({"region": ["A", "A", "B", "B", "C", "C"], "category": ["x", "y"] * 3,
                      "year": 2014, "employment": [3.0, 1, 1, 3, None, 0]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # two regions of equal diversity: ECI undefined
        out = rel.complexity(f)
    assert sorted(out["region"].unique()) == ["A", "B"]  # C has total 0
    assert len(out) == 4
    with pytest.raises(MethodError):
        rel.year_complexity(np.array([[1.0, -1.0]]))
    with pytest.raises(MethodError, match="lacks columns"):
        rel.complexity(f.drop(columns="year"))
    assert rel.complexity(f.iloc[:0]).empty


def test_opportunities_exclude_present_and_rank() -> None:
    r = pd.DataFrame({"year": 2014, "region": ["A"] * 3 + ["B"] * 2,
                      "category": ["x", "y", "z", "x", "y"], "mcp": [0, 0, 1, 0, 1],
                      "density": [0.3, 0.2, 0.9, 0.1, 0.5], "cog": [0.1, 0.4, 0.0, 0.2, 0.0],
                      "pci": [1.0, 2.0, 0.0, 1.0, 2.0], "flag": None})
    out = rel.opportunities(r)
    # A: x is 1st on density, 2nd on COG; y 2nd and 1st: tie on score, density breaks it
    assert out[out.region == "A"][["category", "rank"]].values.tolist() == [["x", 1], ["y", 2]]
    assert out[out.region == "B"]["complexity"].tolist() == [1.0]


@pytest.fixture(scope="module")
def eu_level2(real_store: Path) -> pd.DataFrame:  # noqa: F811
    con = duckdb.connect(str(real_store), read_only=True)
    try:
        return con.execute("""SELECT region, category, year::BIGINT AS year, employment
            FROM clusters WHERE scheme = 'eu-clusters' AND level = 2""").df()
    finally:
        con.close()


def test_agrees_with_py_ecomplexity(eu_level2: pd.DataFrame) -> None:
    """Level-2 regions x the 64 eu-clusters categories, two years: every output to 1e-8."""
    from ecomplexity import ecomplexity

    df = eu_level2[eu_level2.year.isin([2013, 2014])]
    ours = rel.complexity(df)
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        ref = ecomplexity(df, {"time": "year", "loc": "region", "prod": "category",
                               "val": "employment"}, check_logsupermodularity=False)
    ref = ref.dropna(subset=["eci"])
    both = ours.merge(ref, on=["year", "region", "category"], suffixes=("", "_ref"))
    assert len(both) == len(ours) == len(ref) > 30_000
    for column in COLUMNS:
        diff = (both[column] - both[f"{column}_ref"]).abs().max()
        assert diff < 1e-8, column


def test_colocation_vs_us_cluster_mapping(eu_level2: pd.DataFrame, real_con) -> None:  # noqa: F811
    traded = [r[0] for r in real_con.execute(
        "SELECT category FROM categories WHERE scheme = 'eu-clusters' AND traded").fetchall()]
    year = eu_level2[(eu_level2.year == 2014) & eu_level2.category.isin(traded)]
    cl = rel.colocation(year)
    assert np.allclose(np.diag(cl), 1.0) and np.allclose(cl, cl.T)
    rho, n = rel.spearman(cl, read_related_clusters(US_RELATED), "cr_lcemp")
    # recorded in docs/methodology/relatedness.md: rho = 0.531 over 1,225 pairs (2014)
    assert n == 1225
    assert 0.3 < rho < 0.8
    assert rho == pytest.approx(0.531, abs=0.01)

"""Relatedness and complexity (methodology §6 co-location, §7).

Reference: the Growth Lab's Stata ``ecomplexity`` outputs in ``data/stata_ecomplexity_1995.csv``
(py-ecomplexity's tests/fixtures/stata_ground_truth.csv, year 1995, MIT); PyPI
py-ecomplexity is a second oracle only on the columns where it agrees with Stata.
"""

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

STATA_1995 = Path(__file__).resolve().parent / "data" / "stata_ecomplexity_1995.csv"
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
    # φ(x,y) = 1/max(1,3) = 1/3; φ(x,z) = 0/1 = 0; φ(y,z) = 1/3; diagonal 0 (Stata)
    m = np.array([[1.0, 1, 0], [0, 1, 0], [0, 1, 1]])
    phi = rel.proximity(m)
    assert phi == pytest.approx(np.array([[0, 1 / 3, 0], [1 / 3, 0, 1 / 3], [0, 1 / 3, 0]]))
    # ω(r,c) = Σ_c' M(r,c')φ(c',c) / Σ_c' φ(c',c); column sums 1/3, 2/3, 1/3
    # ω(B,x) = φ(y,x)/(1/3) = 1; ω(B,y) = 0 (B has neither x nor z); ω(A,y) = (1/3)/(2/3)
    omega = rel.density(m, phi)
    assert omega[1] == pytest.approx([1.0, 0.0, 1.0])
    assert omega[0, 1] == pytest.approx(0.5)


def test_hand_fixture_every_column() -> None:
    """3 regions x 4 categories, every output computed by hand (Stata conventions)."""
    #        p  q  r  s   total
    # A      1  1  0  0   2
    # B      0  1  1  0   2
    # C      2  0  2  1   5
    # total  3  2  3  1   9
    wide = pd.DataFrame([[1.0, 1, 0, 0], [0, 1, 1, 0], [2, 0, 2, 1]], index=list("ABC"),
                        columns=list("pqrs"))
    long = wide.rename_axis(index="region", columns="category").stack().rename("employment")
    out = rel.complexity(long.reset_index().assign(year=2014))
    assert len(out) == 12 and set(out["flag"]) == {None}
    get = out.set_index(["region", "category"])
    # RCA = (X_rc/X_r)/(X_c/X): A,p (1/2)/(3/9) = 1.5; A,q (1/2)/(2/9) = 2.25;
    # B,q 2.25; B,r 1.5; C,p (2/5)/(3/9) = 1.2; C,r 1.2; C,s (1/5)/(1/9) = 1.8; zeros 0
    rca = [[1.5, 2.25, 0, 0], [0, 2.25, 1.5, 0], [1.2, 0, 1.2, 1.8]]
    assert get["rca"].to_numpy().reshape(3, 4) == pytest.approx(np.array(rca))
    # M = RCA > 1: A {p,q}, B {q,r}, C {p,r,s}; diversity 2, 2, 3; ubiquity 2, 2, 2, 1
    mcp = np.array([[1, 1, 0, 0], [0, 1, 1, 0], [1, 0, 1, 1]])
    assert (get["mcp"].to_numpy().reshape(3, 4) == mcp).all()
    assert get["diversity"].to_numpy().reshape(3, 4)[:, 0].tolist() == [2, 2, 3]
    assert get["ubiquity"].to_numpy()[:4].tolist() == [2, 2, 2, 1]
    # co-occurrence: p-q 1 (A), p-r 1 (C), p-s 1 (C), q-r 1 (B), q-s 0, r-s 1 (C), so
    # φ = 1/2 for every co-occurring pair (max ubiquity 2), 0 for q-s and the diagonal.
    # Column sums of φ: p 1.5, q 1, r 1.5, s 1.
    # ω(A,p) = φ(q,p)/1.5 = 1/3; ω(A,q) = φ(p,q)/1 = 1/2; ω(A,r) = (1/2+1/2)/1.5 = 2/3;
    # ω(A,s) = φ(p,s)/1 = 1/2; B mirrors A with p <-> r; ω(C,.) = 2/3, 1, 2/3, 1
    density = [[1 / 3, 1 / 2, 2 / 3, 1 / 2], [2 / 3, 1 / 2, 1 / 3, 1 / 2],
               [2 / 3, 1, 2 / 3, 1]]
    assert get["density"].to_numpy().reshape(3, 4) == pytest.approx(np.array(density))
    # Region-side Ñ_r(r,r') = Σ_c M_rc M_r'c/(k_r k_c) = [[1/2, 1/4, 1/4], [1/4, 1/2, 1/4],
    # [1/6, 1/6, 2/3]]: eigenvalues 1, 5/12 (vector (3, 3, -4)), 1/4 (vector (1, -1, 0)).
    # corr(diversity, (3, 3, -4)) < 0, so eci = (-3, -3, 4) and
    # pci = Mᵀ·eci/(k_c·λ2) = (1/2, -3, 1/2, 4)/(5/12) = (1.2, -7.2, 1.2, 9.6)
    # (check: eci_A = (1.2 - 7.2)/2 = -3). Over the 12 rows: mean eci = -2/3,
    # sd (ddof 1) = sqrt(4·(2·(7/3)² + (14/3)²)/11) = sqrt(392/33)
    sd = np.sqrt(392 / 33)
    eci = (np.array([-3, -3, 4]) + 2 / 3) / sd
    pci = (np.array([1.2, -7.2, 1.2, 9.6]) + 2 / 3) / sd
    assert get["eci"].to_numpy()[::4] == pytest.approx(eci)  # -0.677, -0.677, 1.354
    assert get["pci"].to_numpy()[:4] == pytest.approx(pci)  # 0.542, -1.896, 0.542, 2.979
    # COI(r) = Σ_c ω(1 - M)·pci_raw: A = 2/3·1.2 + 1/2·9.6 = 5.6; B = 5.6; C = 1·(-7.2);
    # mean 4/3, deviations 64/15, 64/15, -128/15; sd (ddof 1, 12 rows) = sqrt(98304/225/11)
    coi = np.array([64, 64, -128]) / 15 / np.sqrt(98304 / 225 / 11)
    assert get["coi"].to_numpy()[::4] == pytest.approx(coi)  # 0.677, 0.677, -1.354
    # COG(r,c) = (1 - M_rc)·Σ_c' (1 - M_rc')·φ(c',c)·pci_raw(c')/Σ_k φ(c',k) / sd, with
    # pci_raw/Σφ: p 0.8, q -7.2, r 0.8, s 9.6.
    # COG(A,r) = φ(s,r)·9.6 = 4.8; COG(A,s) = φ(r,s)·0.8 = 0.4; B: p 4.8, s 0.4;
    # COG(C,q) = φ(q,q)·(-7.2) = 0 (zero diagonal); present categories 0
    cog = np.array([[0, 0, 4.8, 0.4], [4.8, 0, 0, 0.4], [0, 0, 0, 0]]) / sd
    assert get["cog"].to_numpy().reshape(3, 4) == pytest.approx(cog, abs=1e-12)


def test_presence_is_strictly_above_the_threshold() -> None:
    # X = [[2, 2, 0], [0, 2, 2], [1, 0, 1]] (+ a 4th column to keep C diversified):
    # RCA(C,p) = (1/4)/(3/12) = 1 exactly: Stata's M = (RCA :> 1) leaves it absent
    x = np.array([[2.0, 2, 0, 0], [0, 2, 2, 0], [1, 0, 1, 2]])
    c = rel.year_complexity(x)
    assert c.rca[2, 0] == 1.0
    assert c.mcp[2, 0] == 0.0
    assert rel.year_complexity(x, threshold=0.999).mcp[2, 0] == 1.0


def _stata_1995() -> pd.DataFrame:
    return pd.read_csv(STATA_1995, dtype={"hs92": str})


@pytest.mark.parametrize("single_precision", [True, False])
def test_reproduces_stata_reference(single_precision: bool) -> None:
    """Every output column of Stata ``ecomplexity`` (10 countries x 30 HS92 products, 1995).

    Stata stored the input as float (single precision): read that way, every column agrees
    to 1e-14; read from the CSV's decimals, RCA differs by 1.4e-8 and the rest as before.
    """
    ref = _stata_1995().rename(columns={"origin": "region", "hs92": "category", "M": "mcp"})
    value = ref["export_val"].astype("float32" if single_precision else "float64")
    long = ref[["region", "category", "year"]].assign(employment=value.astype("float64"))
    ours = rel.complexity(long)
    both = ours.merge(ref, on=["year", "region", "category"], suffixes=("", "_stata"))
    assert len(both) == len(ours) == len(ref) == 300
    tolerance = 1e-12 if single_precision else 1e-6
    for column in COLUMNS:
        diff = (both[column] - both[f"{column}_stata"]).abs().max()
        assert diff < tolerance, (column, diff)
    assert set(both["flag"]) == {None}


def test_py_ecomplexity_second_oracle_where_it_agrees() -> None:
    """PyPI py-ecomplexity on the Stata fixture: equal RCA, M, diversity and ubiquity; its
    ECI and PCI are the same up to their common scale (z-scores over regions, ddof 0). Its
    density keeps the proximity diagonal, so its density, COI and COG differ from Stata
    (by up to 0.073, 0.023 and 0.42 here): not compared."""
    from ecomplexity import ecomplexity

    ref = _stata_1995()
    long = pd.DataFrame({"region": ref["origin"], "category": ref["hs92"], "year": ref["year"],
                         "employment": ref["export_val"]})
    ours = rel.complexity(long)
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        theirs = ecomplexity(long, {"time": "year", "loc": "region", "prod": "category",
                                    "val": "employment"}, check_logsupermodularity=False)
    both = ours.merge(theirs, on=["year", "region", "category"], suffixes=("", "_py"))
    assert len(both) == 300
    for column in ("rca", "diversity", "ubiquity"):
        assert (both[column] - both[f"{column}_py"]).abs().max() < 1e-12, column
    assert (both["mcp"] == both["mcp_py"]).all()  # no RCA is exactly 1 here
    scale = both["eci"].std() / both["eci_py"].std()
    for column in ("eci", "pci"):
        assert both[column].to_numpy() == pytest.approx(
            scale * both[f"{column}_py"].to_numpy(), abs=1e-9), column


def test_complexity_normalisation_and_sign() -> None:
    # a connected staircase: M = [11100, 01110, 00110, 00011, 00001]; region 0 makes the
    # most exclusive categories and gets the highest ECI
    x = np.array([[4.0, 4, 4, 4, 1], [0, 5, 5, 5, 2], [0, 0, 6, 6, 3], [0, 0, 0, 7, 9],
                  [1, 1, 1, 1, 20]])
    c = rel.year_complexity(x)
    # Stata summarize over the 25 region x category rows: mean 0, sd (ddof 1) 1
    assert rel.row_moments(c.eci, 5) == pytest.approx((0.0, 1.0), abs=1e-12)
    assert rel.row_moments(c.coi, 5) == pytest.approx((0.0, 1.0), abs=1e-12)
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
    """Level-2 regions x the 64 eu-clusters categories, two years, on the columns where PyPI
    py-ecomplexity agrees with Stata (its ECI and PCI up to their common scale)."""
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
    at_one = both["rca"] == 1.0  # PyPI: RCA >= 1; Stata: RCA > 1
    for column in ("rca", "diversity", "ubiquity", "mcp"):
        rows = both if column == "rca" else both[~at_one]
        diff = (rows[column] - rows[f"{column}_ref"]).abs().max()
        assert diff < 1e-8, column
    for _, year in both.groupby("year"):
        scale = year["eci"].std() / year["eci_ref"].std()
        for column in ("eci", "pci"):
            assert year[column].to_numpy() == pytest.approx(
                scale * year[f"{column}_ref"].to_numpy(), abs=1e-8), column


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

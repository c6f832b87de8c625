"""The rating rules on arrays (what the build runs) give the ratings of the Ibis reference
(``clusterobs.core.stars``): hand-made groups with ties, zeros and missing values, and every
cluster of the real European build."""

from __future__ import annotations

from pathlib import Path

import ibis
import numpy as np
import pandas as pd
import pytest

from clusterobs.core import star_arrays, stars
from clusterobs.core.methodology import Methodology
from clusterobs.store import reader

KEY = ["scheme", "region", "level", "year", "category"]
ECO_PANORAMA = ["size", "specialisation", "focus", "productivity", "dynamism", "eco_stars",
                "panorama_stars", "rating_level"]
US = ["strong", "strong10", "significant", "qualifying", "stars"]


def _both(frame: pd.DataFrame, m: Methodology, us: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(arrays, reference) ratings of *frame*, in *frame*'s row order."""
    frame = frame.reset_index(drop=True).assign(_row=lambda d: np.arange(len(d)))
    group = frame.groupby(["scheme", "level", "year", "category"], sort=False).ngroup().to_numpy(dtype=np.int64)
    n = int(group.max()) + 1
    if us:
        fast = star_arrays.uscmp_strong(frame, group, n, m)[US]
        slow = stars.uscmp_strong(ibis.memtable(frame), m, []).to_pandas()
        columns = US
    else:
        fast = star_arrays.eco_and_panorama(frame, group, n, m)[ECO_PANORAMA]
        slow = stars.eco_and_panorama(ibis.memtable(frame), m).to_pandas()
        columns = ECO_PANORAMA
    slow = slow.sort_values("_row").reset_index(drop=True)[columns]
    return fast.reset_index(drop=True), slow


def _assert_same(fast: pd.DataFrame, slow: pd.DataFrame) -> None:
    for c in fast.columns:
        a = fast[c].astype(object).where(fast[c].notna(), None).tolist()
        b = slow[c].astype(object).where(slow[c].notna(), None).tolist()
        if c.endswith("stars"):
            a, b = [int(x) for x in a], [int(x) for x in b]
        else:
            a = [bool(x) if isinstance(x, (bool, np.bool_)) else x for x in a]
            b = [bool(x) if isinstance(x, (bool, np.bool_)) else x for x in b]
        different = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        assert not different, (c, different[:5], [a[i] for i in different[:5]], [b[i] for i in different[:5]])


def test_hand_made_groups_with_ties_zeros_and_gaps() -> None:
    # one group of 11 (k = 2: the two largest and a tie), one of 3 with a zero and a gap
    rows = [{"scheme": "s", "region": f"R{i}", "level": 2, "year": 2014, "category": "x",
             "employment": float(v), "establishments": float(v), "share_region": v / 100,
             "wage_per_employee": float(20 - i), "relative_wage": 1.1 - i / 20, "growth_5y": i / 100,
             "lq": 0.5 + i / 4, "traded": True}
            for i, v in enumerate([1, 2, 3, 4, 5, 6, 7, 8, 10, 10, 9])]
    rows += [{"scheme": "s", "region": r, "level": 2, "year": 2014, "category": "y",
              "employment": e, "establishments": 3.0, "share_region": e, "wage_per_employee": e,
              "relative_wage": None, "growth_5y": None, "lq": lq, "traded": False}
             for r, e, lq in (("A", 0.0, 3.0), ("B", None, 2.5), ("C", 5.0, 1.0))]
    frame = pd.DataFrame(rows)
    m = Methodology(panorama_dynamism=True)
    fast, slow = _both(frame, m, us=False)
    assert fast["size"].tolist()[8:11] == [True, True, False]  # the tied 10s are the top 2
    assert not fast["size"].iloc[11]  # a zero never qualifies
    _assert_same(fast, slow)
    _assert_same(*_both(frame, m, us=True))


@pytest.fixture(scope="module")
def clusters(built_store: Path) -> pd.DataFrame:
    with reader.connect(built_store) as con:
        return con.execute(
            f"""SELECT {', '.join(KEY)}, employment, establishments, lq, lq_traded, share_region,
                       wage_per_employee, relative_wage, growth_5y, traded
                FROM clusters ORDER BY ALL""").df()


@pytest.mark.parametrize("m", [Methodology(), Methodology(panorama_dynamism=True, panorama_levels="H3"),
                               Methodology(population="positive", panorama_levels="H1", size_share=0.2)],
                         ids=["default", "dynamism-H3", "positive-H1"])
def test_eco_and_panorama_equal_the_reference_on_every_european_cluster(clusters: pd.DataFrame,
                                                                        m: Methodology) -> None:
    fast, slow = _both(clusters, m, us=False)
    assert len(fast) > 100_000 and fast["eco_stars"].max() == 3
    _assert_same(fast, slow)


def test_the_us_rule_equals_the_reference_on_every_european_cluster(clusters: pd.DataFrame) -> None:
    traded = clusters[clusters["scheme"] == "eu-clusters"].assign(lq=lambda d: d["lq_traded"])
    fast, slow = _both(traded, Methodology(), us=True)
    assert 0 < fast["strong"].sum() < len(fast)
    _assert_same(fast, slow)

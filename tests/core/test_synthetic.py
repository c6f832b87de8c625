"""The generator of synthetic fine-geography data (clusterobs.core.synthetic)."""

from __future__ import annotations

import pandas as pd
import pytest

from clusterobs.core import synthetic

CLASSES = [f"{s}{d:02d}{k}{j}" for s, d in (("C", 10), ("C", 29), ("G", 47)) for k in (1, 2) for j in (1, 2)]
SIZES = synthetic.Sizes(countries=3, larger=6, small=20, first_year=2010, last_year=2014)


def table(rows: int = 900, seed: int = 5, chunk: int = 200) -> pd.DataFrame:
    return pd.concat(synthetic.generate(rows, seed, CLASSES, SIZES, chunk_regions=chunk), ignore_index=True)


def test_same_seed_same_rows_whatever_the_chunking() -> None:
    one = table()
    pd.testing.assert_frame_equal(one, table(chunk=3))
    pd.testing.assert_frame_equal(one, table())
    assert not one.equals(table(seed=6))


def test_exactly_the_rows_asked_and_no_duplicate_key() -> None:
    for rows in (1, 37, 900, int(0.9 * 20 * len(CLASSES) * 5)):
        t = table(rows)
        assert len(t) == rows
        assert not t.duplicated(["region", "industry", "year"]).any()
    with pytest.raises(ValueError, match="rows must be 1-"):
        table(20 * len(CLASSES) * 5)


def test_hierarchy_small_in_larger_in_countries() -> None:
    geo = synthetic.regions(SIZES)
    assert geo["level"].value_counts().to_dict() == {0: 3, 1: 6, 2: 20}
    by_code = geo.set_index("region")
    for code, row in by_code.iterrows():
        if row["level"] == 0:
            assert pd.isna(row["parent"]) and row["country"] == code
        else:  # NUTS-like codes: the parent is the code less its last character
            parent = by_code.loc[row["parent"]]
            assert parent["level"] == row["level"] - 1 and row["parent"] == code[:-1]
            assert row["country"] == parent["country"]
    assert set(table()["region"]) <= set(geo.loc[geo["level"] == 2, "region"])


def test_values_skewed_and_confidential_cells_withheld() -> None:
    t = table(1000)
    withheld = t["flag"].eq("c")
    assert t.loc[withheld, ["employment", "establishments", "wages"]].isna().all().all()
    assert t.loc[~withheld, ["employment", "establishments", "wages"]].notna().all().all()
    assert withheld.any()
    assert (t.loc[~withheld, "establishments"] >= synthetic.MIN_ESTABLISHMENTS).all()
    emp = t.loc[~withheld, "employment"]
    assert emp.min() >= 1 and emp.mean() > 1.5 * emp.median()  # right-skewed
    # secondary suppression: no division of a region-year has exactly one withheld class
    t["division"] = t["industry"].str[:3]
    lone = t.groupby(["region", "year", "division"])["flag"].apply(lambda f: (f == "c").sum() == 1
                                                                    and len(f) > 1)
    assert not lone.any()


def test_cells_per_region_sum_exactly_and_respect_capacity() -> None:
    import numpy as np

    out = synthetic.cells_per_region(1000, np.array([1.0, 4.0, 10_000.0]), capacity=500)
    assert out.sum() == 1000 and out.max() <= 500 and out[2] == 500


def test_automatic_sizes_hold_any_rows_up_to_the_codes_capacity() -> None:
    """``sizes_for`` sizes a valid geography for every size up to what the codes hold
    (78 countries x 36 larger x 36 small regions at 90% of the cells): a billion rows
    included, the most and one more than the most."""
    most = int(0.9 * 78 * 36 * 36 * 615 * 20)
    for rows in (1, 999, 10**6, 20 * 10**6, 94_980_601, 10**8, 5 * 10**8, 10**9, most):
        sizes = synthetic.sizes_for(rows)
        sizes.check(rows, 615)
    assert synthetic.sizes_for(60 * 10**6) == synthetic.Sizes(50, 1774, 8870)  # the bench's sizes, unchanged
    with pytest.raises(ValueError, match=f"rows must be 1-{most:,} for 101,088 small regions"):
        synthetic.sizes_for(most + 1).check(most + 1, 615)

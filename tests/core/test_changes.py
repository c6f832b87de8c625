"""Change log between editions (methodology §6): hand-made editions with the arithmetic in comments."""

from __future__ import annotations

import pandas as pd
import pytest

from clusterobs.core import changes
from clusterobs.core.changes import Snapshot
from clusterobs.core.methodology import Methodology

M = Methodology()


def edition(rows: dict[str, tuple[float, float, float, bool, bool, bool]]) -> pd.DataFrame:
    """region -> (employment, lq, share_region, size, specialisation, focus); eco-classic, 'x'."""
    frame = pd.DataFrame(
        [{"scheme": "s", "method": "eco-classic", "level": 2, "region": r, "category": "x",
          "employment": e, "lq": lq, "share_region": sh, "size": size, "specialisation": spec,
          "focus": focus} for r, (e, lq, sh, size, spec, focus) in rows.items()])
    frame["stars"] = frame[["size", "specialisation", "focus"]].sum(axis=1).astype(int)
    return frame


def example() -> tuple[Snapshot, Snapshot]:
    # 10 regions in each edition: size k = ceil(0.1 * 10) = 1, the cut is the largest value.
    # t0: employment R0 100, R1 90, R2..R9 10 -> cut_t0 = 100, R0 meets size.
    # t1: R0 80, R1 95, R9 replaced by R10 -> cut_t1 = 95, R1 meets size.
    # R2's LQ rises from 1.9 to 2.1 (specialisation, fixed cut 2.0); R3 keeps focus (share .5).
    # R10 (LQ 3) is new in t1: specialisation gained, not covered in t0.
    base = {f"R{i}": (10.0, 1.0, 0.01, False, False, False) for i in range(2, 10)}
    t0 = {**base, "R0": (100.0, 1.0, 0.01, True, False, False), "R1": (90.0, 1.0, 0.01, False, False, False),
          "R2": (10.0, 1.9, 0.01, False, False, False), "R3": (10.0, 1.0, 0.5, False, False, True)}
    t1 = {**t0, "R0": (80.0, 1.0, 0.01, False, False, False), "R1": (95.0, 1.0, 0.01, True, False, False),
          "R2": (10.0, 2.1, 0.01, False, True, False), "R10": (10.0, 3.0, 0.01, False, True, False)}
    del t1["R9"]
    return Snapshot("2025-H1", 2013, M, edition(t0)), Snapshot("2025-H2", 2014, M, edition(t1))


def test_cuts_follow_the_top_share_rule() -> None:
    t0, t1 = example()
    cuts = changes.with_cuts(t1).set_index("region")
    assert cuts.loc["R0", "cut_size"] == 95.0  # largest of ten
    assert cuts.loc["R0", "cut_specialisation"] == 2.0
    assert cuts.loc["R0", "cut_focus"] == 0.5


def test_rating_rows_with_sub_causes() -> None:
    t0, t1 = example()
    log = changes.change_log(t0, t1)
    ratings = log[log["kind"] == "rating"].set_index("region")
    # R0 1 -> 0: its own value 80 is below the old cut 100 (own_value)
    # R1 0 -> 1: 95 is still below the old cut 100; the cut fell to 95 (threshold_shift)
    # R2 0 -> 1: LQ 2.1 >= 2.0 (own_value); R10 absent in t0 (not_covered)
    assert sorted(ratings.index) == ["R0", "R1", "R10", "R2"]
    assert ratings.loc["R0", ["stars_t0", "stars_t1", "change"]].tolist() == [1, 0, "lost"]
    assert ratings["sub_cause"].to_dict() == {"R0": "own_value", "R1": "threshold_shift",
                                              "R10": "not_covered", "R2": "own_value"}
    assert set(log["cause"]) == {"new_data_year"}


def test_criterion_rows_carry_values_and_cuts() -> None:
    t0, t1 = example()
    log = changes.change_log(t0, t1)
    size = log[(log["kind"] == "criterion") & (log["criterion"] == "size")].set_index("region")
    assert size.loc["R0", ["value_t0", "value_t1", "cut_t0", "cut_t1"]].tolist() == [100.0, 80.0, 100.0, 95.0]
    assert size.loc["R1", ["change", "sub_cause"]].tolist() == ["gained", "threshold_shift"]
    spec = log[(log["kind"] == "criterion") & (log["criterion"] == "specialisation")]
    assert sorted(spec["region"]) == ["R10", "R2"]


def test_rank_moves() -> None:
    # top 3 by employment, moves of >= 2 places.
    # t0: A 50, B 40, C 30, D 20, E 10 -> top {A, B, C}, cut_t0 = 30
    # t1: A 50, D 45, E 35, C 30, B 10 -> top {A, D, E}
    # B leaves: 10 < 30 (own_value); C leaves while still at the old cut 30 (threshold_shift);
    # D and E enter with values above the old cut (own_value).
    def snap(values: dict[str, float], year: int) -> Snapshot:
        rows = {r: (e, 1.0, 0.1, False, False, False) for r, e in values.items()}
        return Snapshot("e", year, M, edition(rows))

    t0 = snap({"A": 50, "B": 40, "C": 30, "D": 20, "E": 10}, 2013)
    t1 = snap({"A": 50, "B": 10, "C": 30, "D": 45, "E": 35}, 2014)
    ranks = changes.rank_changes(t0, t1, top=3, move=2).set_index("region")
    assert ranks["change"].to_dict() == {"B": "left_top", "C": "left_top", "D": "entered_top",
                                         "E": "entered_top"}
    assert ranks["sub_cause"].to_dict() == {"B": "own_value", "C": "threshold_shift",
                                            "D": "own_value", "E": "own_value"}
    assert ranks.loc["D", ["rank_t0", "rank_t1"]].tolist() == [4, 2]


def test_transition_matrix_counts_every_cluster() -> None:
    t0, t1 = example()
    tm = changes.transition_matrix(t0, t1, "s", "eco-classic")
    assert tm.loc["1", "0"] == 1 and tm.loc["0", "1"] == 2  # R0; R1, R2
    assert tm.loc["not rated", "1"] == 1 and tm.loc["0", "not rated"] == 1  # R10; R9
    assert tm.to_numpy().sum() == 11


@pytest.mark.parametrize(("changes_t1", "year", "expected"), [
    ({"specialisation_lq": 2.1}, 2014, "methodology"),
    ({"nuts_version": 2013}, 2014, "nuts"),
    ({}, 2013, "data_revision"),
    ({}, 2014, "new_data_year"),
])
def test_cause_first_match(changes_t1: dict, year: int, expected: str) -> None:
    t0, t1 = example()
    t1 = Snapshot(t1.name, year, M.with_(**changes_t1), t1.ratings)
    assert set(changes.change_log(t0, t1)["cause"]) == {expected}


def test_scheme_version_change() -> None:
    t0, t1 = example()
    t1 = Snapshot(t1.name, t1.year, M, t1.ratings, {"s": "2"})
    assert changes.cause(t0, t1, "s") == "scheme"


def test_t0_revision_wins_over_new_data_year() -> None:
    t0, t1 = example()
    revised = t0.ratings.copy()
    revised.loc[revised["region"] == "R0", "employment"] = 99.0  # t1's view of 2013 differs for R0
    log = changes.change_log(t0, t1, Snapshot("2025-H2", 2013, M, revised))
    by_region = log[log["kind"] == "rating"].set_index("region")["cause"]
    assert by_region["R0"] == "data_revision"
    assert by_region.drop("R0").eq("new_data_year").all()
    assert log.loc[log["cause"] == "data_revision", "sub_cause"].isna().all()


def test_identical_editions_have_an_empty_log() -> None:
    t0, _ = example()
    log = changes.change_log(t0, Snapshot("b", 2014, M, t0.ratings))
    assert log.empty and list(log.columns) == changes.COLUMNS
    assert changes.summary(log).empty

"""Confidence of ratings: certain ratings score 1, borderline ones less, reproducibly."""

from __future__ import annotations

import numpy as np
import pandas as pd

from clusterobs.core.confidence import star_confidence
from clusterobs.core.methodology import Methodology


def frame() -> pd.DataFrame:
    # 20 regions of one category; R0 is far above every cut, R19 far below,
    # R1 sits just at the top-10% cut (k = 2) and R2 has LQ exactly 2.0
    emp = [1000.0, 100.0, 99.0] + [10.0] * 16 + [0.0]
    lq = [5.0, 1.0, 2.0] + [0.5] * 16 + [0.0]
    df = pd.DataFrame({"level": 2, "year": 2014, "category": "x", "employment": emp, "lq": lq,
                       "share_region": [e / 1e4 for e in emp], "wage_per_employee": 1.0,
                       "establishments": 1.0, "uncertain_share": 0.0})
    df["size"] = df["employment"] >= 100.0
    df["focus"] = df["share_region"] >= 0.01
    df["specialisation"] = df["lq"] >= 2.0
    df["stars"] = df[["size", "focus", "specialisation"]].sum(axis=1)
    return df


def test_certain_and_borderline_ratings() -> None:
    conf = star_confidence(frame(), "eco-classic", Methodology())
    assert conf[0] == 1.0  # 3 stars whatever the perturbation
    assert conf[-1] == 1.0  # 0 employment: never rated
    assert 0.0 < conf[1] < 1.0  # on the size cut: +/-5% employment flips it
    assert 0.0 < conf[2] < 1.0  # LQ 2.0 with a threshold drawn in [1.8, 2.2]
    assert np.all(conf[3:-1] == 1.0)  # far below every cut


def test_reproducible_and_uncertain_cells_are_less_sure() -> None:
    m = Methodology()
    a, b = star_confidence(frame(), "eco-classic", m), star_confidence(frame(), "eco-classic", m)
    assert np.array_equal(a, b)
    loose = frame().assign(uncertain_share=1.0)
    flagged = star_confidence(loose, "eco-classic", m)
    assert flagged[1] <= a[1] + 0.1  # wider noise never makes a borderline rating much surer

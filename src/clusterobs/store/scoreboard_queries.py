"""Read-only queries of the Regional Ecosystem Scoreboard (methodology §8): pages and API.

The tables are written by :func:`clusterobs.pipeline.scoreboard.build_scoreboard`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import duckdb
import pandas as pd

from clusterobs.errors import StoreError

__all__ = ["coverage", "meta", "ranking", "region_profile"]

_STATUS_WORDS = {"strength": "a strength", "weakness": "a weakness"}


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): (None if pd.isna(v) else v) for k, v in row.items()}
            for row in df.to_dict("records")]  # fmt: skip


def meta(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Method, year, catalogue, coverage and load warnings of the scoreboard build."""
    try:
        rows = con.execute("SELECT key, value FROM scoreboard_meta").fetchall()
    except duckdb.CatalogException as exc:
        raise StoreError("the store holds no scoreboard: run the scoreboard build first") from exc
    return {str(k): json.loads(v) for k, v in rows}


def ranking(con: duckdb.DuckDBPyConnection, dimension: str | None = None) -> list[dict[str, Any]]:
    """Regions ranked on one dimension (default ``overall``), with rank ranges and status."""
    dim = dimension or "overall"
    df = con.execute(
        """SELECT s.region, r.name, s.score, s.rank, s.rank_p05, s.rank_median, s.rank_p95,
                  s.rel_eu, s.status_eu, s.robust
           FROM scoreboard_scores s
           LEFT JOIN regions r ON r.region = s.region AND r.nuts_version = 2016
           WHERE s.dimension = ? AND s.score IS NOT NULL ORDER BY s.rank, s.region""",
        [dim],
    ).df()
    if df.empty and dim not in set(meta(con)["coverage"]):
        raise StoreError(f"unknown scoreboard dimension {dim!r}")
    return _records(df)


def _sentence(title: Any, rel: Any, status: Any, against: str, robust: Any) -> str | None:
    if status not in _STATUS_WORDS:
        return None
    sure = "" if robust is None or pd.isna(robust) else (" (robust)" if robust else " (not robust)")
    return f"{title} is {_STATUS_WORDS[status]}: {rel:.0f}% of the {against} average{sure}."


def _peer_rel(con: duckdb.DuckDBPyConnection, region: str, peers: Sequence[str]) -> pd.DataFrame:
    """rel_peers against user-chosen peers (up to 5), computed on the stored scores."""
    if len(peers) > 5:
        raise StoreError(f"at most 5 peers can be chosen, got {len(peers)}")
    s = con.execute(
        "SELECT region, dimension, score FROM scoreboard_scores WHERE region IN (SELECT unnest(?))",
        [[region, *peers]],
    ).df()
    own = s[s["region"] == region].set_index("dimension")["score"]
    mean = s[s["region"] != region].groupby("dimension")["score"].mean()
    rel = 100 * own / mean.reindex(own.index)
    status = rel.map(lambda r: None if pd.isna(r) else
                     "strength" if r >= 110 else "weakness" if r <= 90 else "neutral")  # fmt: skip
    return pd.DataFrame({"rel_peers": rel, "status_peers": status})


def region_profile(con: duckdb.DuckDBPyConnection, region: str,
                   peers: Sequence[str] | None = None) -> dict[str, Any]:  # fmt: skip
    """One region's scoreboard: dimension bars vs EU and peers, indicators, sentences.

    ``peers`` replaces the suggested peers by up to 5 chosen regions (rel_peers recomputed;
    robustness refers to the EU comparison).
    """
    info = meta(con)
    dims = con.execute(
        "SELECT * FROM scoreboard_scores WHERE region = ? ORDER BY dimension", [region]
    ).df()
    if dims.empty:
        raise StoreError(f"region {region!r} is not in the scoreboard")
    suggested = con.execute(
        "SELECT peer, distance FROM scoreboard_peers WHERE region = ? ORDER BY distance", [region]
    ).df()
    if peers:
        dims = dims.drop(columns=["rel_peers", "status_peers"]).join(
            _peer_rel(con, region, peers), on="dimension")  # fmt: skip
    eu_mean = con.execute(
        "SELECT dimension, avg(score) AS eu_mean FROM scoreboard_scores GROUP BY dimension"
    ).df()
    dims = dims.merge(eu_mean, on="dimension", how="left")
    titles = {k: v.get("title", k) for k, v in info["coverage"].items()} | {"overall": "Overall"}
    dims["title"] = dims["dimension"].map(titles)
    cat = pd.DataFrame(info["catalogue"])[["indicator", "title", "dimension", "sub_dimension",
                                           "unit", "direction", "is_proxy"]]  # fmt: skip
    ind = con.execute(
        "SELECT * EXCLUDE (region) FROM scoreboard_indicators WHERE region = ?", [region]
    ).df().merge(cat, on="indicator", how="left")
    sentences = [s for r in dims.itertuples() for s in (
        _sentence(r.title, r.rel_eu, r.status_eu, "EU", r.robust),
        _sentence(r.title, r.rel_peers, r.status_peers, "peer", None)) if s]  # fmt: skip
    lacking = {d: v["lacking_data"] for d, v in info["coverage"].items() if v.get("lacking_data")}
    return {
        "region": region, "year": info["year"], "dimensions": _records(dims),
        "indicators": _records(ind), "sentences": sentences,
        "peers": list(peers) if peers else list(suggested["peer"]),
        "suggested_peers": _records(suggested), "lacking_data": lacking,
    }  # fmt: skip


def coverage(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Per dimension: indicators and years, regions scored, values imputed, lacking data."""
    info = meta(con)
    return {"year": info["year"], "dimensions": info["coverage"], "warnings": info["warnings"]}


EXPORT_COLUMNS = ("region", "name", "year", "dimension", "title", "score", "rank", "rank_p05",
                  "rank_median", "rank_p95", "rel_eu", "status_eu", "rel_peers", "status_peers",
                  "robust")


def export_scoreboard(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The scoreboard as one long table (``clusterobs export --table scoreboard``).

    One row per region x dimension (``overall`` included): composite score, rank and its
    Monte Carlo range (5th percentile, median, 95th percentile), the score relative to the
    EU average and to the suggested peers (100 = equal) with strength/weakness status.
    """
    info = meta(con)
    titles = {k: v.get("title", k) for k, v in info["coverage"].items()} | {"overall": "Overall"}
    df = con.execute(
        """SELECT s.region, r.name, s.dimension, s.score, s.rank, s.rank_p05, s.rank_median,
                  s.rank_p95, s.rel_eu, s.status_eu, s.rel_peers, s.status_peers, s.robust
           FROM scoreboard_scores s
           LEFT JOIN regions r ON r.region = s.region AND r.nuts_version = 2016
           ORDER BY s.region, s.dimension"""
    ).df()
    df["year"] = info["year"]
    df["title"] = df["dimension"].map(titles)
    return df[list(EXPORT_COLUMNS)]


def peer_means(con: duckdb.DuckDBPyConnection, peers: list[str]) -> dict[str, float]:
    """Dimension -> the average score of the *peers* regions."""
    rows = con.execute("SELECT dimension, avg(score) FROM scoreboard_scores WHERE region IN (SELECT unnest(?)) "
                       "GROUP BY dimension", [peers]).fetchall()
    return {str(d): m for d, m in rows}

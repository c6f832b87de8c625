"""Build the committed category-scheme tables of ``clusterobs/data/schemes/`` (methodology §2).

:func:`build_scheme_tables` reads the classification, concordance, USCMP and CBP files of a
data mirror plus the hand-written ``schemes.yaml`` (metadata and our-default compositions),
computes the weights with :mod:`clusterobs.core.concordance` and writes one CSV per scheme.
:func:`purity_report` renders the purity tables of ``docs/methodology/schemes.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from clusterobs.core import concordance as cc
from clusterobs.errors import DataError, SchemeError
from clusterobs.sources import nace, uscmp

SCHEMES_DIR = Path(__file__).resolve().parents[1] / "data" / "schemes"
SCHEME_COLUMNS = [
    "scheme", "scheme_version", "classification", "industry", "category", "category_name",
    "weight", "traded", "basis", "purity",
]  # fmt: skip
CRISP = "crisp"


@dataclass(frozen=True)
class Inputs:
    """The source tables a build needs, read once from the mirror."""

    mirror: Path
    structure: pd.DataFrame
    naics: pd.DataFrame
    links: pd.DataFrame
    crosswalk: pd.DataFrame
    clusters: pd.DataFrame
    employment: pd.DataFrame

    @property
    def categories(self) -> pd.DataFrame:
        """NAICS -> category code (str; None = unassigned) as the core expects."""
        codes = self.crosswalk["cluster_code"].map(lambda v: None if pd.isna(v) else str(int(v)))
        return pd.DataFrame({"naics": self.crosswalk["naics"], "category": codes.astype(object)})


def load_inputs(mirror: Path) -> Inputs:
    """Read the files of §2b from *mirror* (paths as in ``shared/data/PROVENANCE.md``)."""
    cbp = uscmp.read_cbp(mirror / "us_cbp" / "cbp2019_cbsa_naics2017.csv.gz", naics_level=6)
    return Inputs(
        mirror=mirror,
        structure=nace.read_nace_structure(mirror / "nace" / "nace_rev2_structure.csv"),
        naics=nace.read_naics(mirror / "nace" / "naics2017.csv"),
        links=nace.read_naics_nace_concordance(mirror / "nace" / "naics2017_to_nace_rev2.csv"),
        crosswalk=uscmp.read_crosswalk(
            mirror / "us_cluster_mapping" / "naics_to_uscmp_cluster_crosswalk.csv"
        ),
        clusters=uscmp.read_clusters(mirror / "us_cluster_mapping" / "uscmp_clusters.csv"),
        employment=cc.naics_employment(cbp),
    )


def load_metadata(path: Path = SCHEMES_DIR / "schemes.yaml") -> dict[str, dict[str, Any]]:
    """The entries of ``schemes.yaml`` by scheme id."""
    with path.open(encoding="utf-8") as handle:
        document = yaml.safe_load(handle)
    return {entry["id"]: entry for entry in document["schemes"]}


def carry(inputs: Inputs, method: str = "residual_major") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Class weights and class totals of §2b for link method *method*."""
    shares = cc.link_shares(inputs.links, method)
    return (
        cc.class_weights(shares, inputs.categories, inputs.employment),
        cc.class_totals(shares, inputs.categories, inputs.employment),
    )


def _finish(frame: pd.DataFrame, meta: dict[str, Any], order: dict[str, int]) -> pd.DataFrame:
    """Add the scheme columns, sort by industry then category order, keep SCHEME_COLUMNS."""
    out = frame.assign(scheme=meta["id"], scheme_version=int(meta["version"]))
    out["classification"] = meta["classification"]
    for column in ("traded", "purity"):
        if column not in out.columns:
            out[column] = None
    out = out.assign(_order=out["category"].map(order)).sort_values(["industry", "_order"])
    return out[SCHEME_COLUMNS].reset_index(drop=True)


def nace_division_table(inputs: Inputs, meta: dict[str, Any]) -> pd.DataFrame:
    """§2a: the 88 divisions, each its own category with weight 1."""
    divisions = inputs.structure[inputs.structure["level"] == 2]
    frame = pd.DataFrame(
        {
            "industry": divisions["code"],
            "category": divisions["code"],
            "category_name": divisions["title"],
            "weight": 1.0,
            "basis": CRISP,
        }
    )
    return _finish(frame, meta, {c: i for i, c in enumerate(divisions["code"])})


def _cluster_columns(inputs: Inputs) -> tuple[dict[str, str], dict[str, bool], dict[str, int]]:
    codes = inputs.clusters["cluster_code"].astype(str)
    names = dict(zip(codes, inputs.clusters["cluster_name"], strict=True))
    traded = dict(zip(codes, inputs.clusters["traded"], strict=True))
    return names, traded, {c: i for i, c in enumerate(codes)}


def uscmp_table(inputs: Inputs, meta: dict[str, Any]) -> pd.DataFrame:
    """§2b: NAICS 2017 6-digit codes -> the 51 + 16 categories (published crosswalk)."""
    six = set(inputs.naics.loc[inputs.naics["level"] == 6, "code"])
    cats = inputs.categories
    rows = cats[cats["category"].notna() & cats["naics"].isin(six)]
    names, traded, order = _cluster_columns(inputs)
    frame = pd.DataFrame(
        {
            "industry": rows["naics"],
            "category": rows["category"],
            "category_name": rows["category"].map(names),
            "weight": 1.0,
            "traded": rows["category"].map(traded),
            "basis": CRISP,
        }
    )
    return _finish(frame, meta, order)


def eu_clusters_tables(
    inputs: Inputs, meta: dict[str, Any], carried: tuple[pd.DataFrame, pd.DataFrame]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """§2b: data-level and class-level weights of the 51 + 16 categories, with purity.

    *carried* is the output of :func:`carry` for the scheme's ``link_method``.
    """
    weights, totals = carried
    data_code = {j: cc.data_level_code(j) for j in totals.index}
    names, traded, order = _cluster_columns(inputs)
    traded_codes = {c for c, t in traded.items() if t}
    tables = []
    for level in (
        cc.data_level_weights(weights, totals, data_code),
        weights.rename(columns={"nace": "industry"}),
    ):
        purity = cc.summarise(level, "industry", traded_codes).set_index("industry")["purity"]
        level = level.assign(
            category_name=level["category"].map(names),
            traded=level["category"].map(traded),
            purity=level["industry"].map(purity),
        )
        tables.append(_finish(level, meta, order))
    return tables[0], tables[1]


def expand_specs(specs: list[str], classes: list[str]) -> list[str]:
    """Classes (Eurostat form) named by *specs*: classes, groups, divisions, sections, ranges.

    Specs are dotted NACE codes (``20.11``, ``20.1``, ``20``, ``58.11-58.19``) or Eurostat
    codes (``C2011``, ``H49``, ``I``). Raises :class:`SchemeError` when a spec matches nothing.
    """
    found: list[str] = []
    for spec in specs:
        low, _, high = spec.partition("-")
        low_code = low if low[:1].isalpha() else nace.nace_code_to_eurostat(low)
        if high:
            high_code = nace.nace_code_to_eurostat(high)
            hits = [c for c in classes if len(c) == 5 and low_code <= c <= high_code]
        else:
            hits = [c for c in classes if c.startswith(low_code)]
        if not hits:
            raise SchemeError(f"class spec {spec!r} matches no NACE class of the concordance")
        found.extend(h for h in hits if h not in found)
    return found


def tourism_codes(mirror: Path) -> list[str]:
    """The NACE codes the definitions file lists for Tourism (Eurostat form: H49, I, ...)."""
    path = mirror / "definitions" / "industrial_ecosystems.csv"
    table = nace.read_csv_checked(path, ["ecosystem", "nace_code"])
    codes = table.loc[(table["ecosystem"] == "Tourism") & table["nace_code"].notna(), "nace_code"]
    if codes.empty:
        raise DataError("no NACE codes listed for ecosystem 'Tourism'", path=str(path))
    return [str(c).strip() for c in codes]


def members_table(meta: dict[str, Any], classes: list[str], mirror: Path) -> pd.DataFrame:
    """Category -> member classes with fraction f(j) (1, or ``partial_fraction``)."""
    rows = []
    for entry in meta["categories"]:
        if entry.get("classes_from") == "definitions/industrial_ecosystems.csv":
            specs = tourism_codes(mirror)
        else:
            specs = list(entry["classes"])
        partial = set(expand_specs(entry.get("partial", []), classes))
        for code in expand_specs(specs, classes):
            fraction = float(meta["partial_fraction"]) if code in partial else 1.0
            rows.append({"category": entry["code"], "nace": code, "fraction": fraction})
    return pd.DataFrame(rows, columns=["category", "nace", "fraction"])


def membership_table(inputs: Inputs, meta: dict[str, Any], totals: pd.DataFrame) -> pd.DataFrame:
    """§2c/§2d: data-level weights of a scheme defined by lists of classes.

    *totals* are the class totals of :func:`carry` (residual_major link shares).
    """
    classes = sorted(totals.index)
    members = members_table(meta, classes, inputs.mirror)
    weights = cc.membership_weights(totals, members, {j: cc.data_level_code(j) for j in classes})
    # crisp: every class of the data-level code is a full member of the category
    code_of = pd.Series({j: cc.data_level_code(j) for j in classes})
    full = members[members["fraction"] >= 1.0].assign(industry=lambda m: m["nace"].map(code_of))
    n_full = full.groupby(["industry", "category"])["nace"].nunique()
    n_all = code_of.value_counts()
    keys = list(zip(weights["industry"], weights["category"], strict=True))
    whole = pd.Series([n_full.get(k, 0) == n_all[k[0]] for k in keys], index=weights.index)
    weights.loc[whole, "weight"] = 1.0
    weights.loc[whole, "basis"] = CRISP
    names = {e["code"]: e["name"] for e in meta["categories"]}
    frame = weights.assign(category_name=weights["category"].map(names))
    return _finish(frame, meta, {c: i for i, c in enumerate(names)})


def write_table(frame: pd.DataFrame, path: Path) -> None:
    """Write a scheme table: plain CSV, ``true``/``false`` for traded, 10 significant digits."""
    out = frame.copy()
    out["traded"] = out["traded"].map(
        lambda v: "" if v is None or pd.isna(v) else str(bool(v)).lower()
    )
    out["purity"] = out["purity"].map(
        lambda v: "" if v is None or pd.isna(v) else f"{float(v):.10g}"
    )
    out["weight"] = out["weight"].map(lambda v: f"{float(v):.10g}")
    tmp = path.with_suffix(".csv.tmp")
    out.to_csv(tmp, index=False, lineterminator="\n")
    tmp.replace(path)


def build_scheme_tables(mirror: Path, out_dir: Path) -> dict[str, Path]:
    """Read the mirror and ``schemes.yaml`` and write every scheme CSV into *out_dir*.

    Returns the written files by scheme id (``eu-clusters-classes`` for the class level).
    Each file is written to a temporary name first, so a failure leaves no half file.
    """
    meta = load_metadata()
    inputs = load_inputs(Path(mirror))
    carried = carry(inputs, meta["eu-clusters"]["link_method"])
    eu, eu_classes = eu_clusters_tables(inputs, meta["eu-clusters"], carried)
    tables = {
        "nace-division": nace_division_table(inputs, meta["nace-division"]),
        "uscmp": uscmp_table(inputs, meta["uscmp"]),
        "eu-clusters": eu,
        "eu-clusters-classes": eu_classes,
        "emerging": membership_table(inputs, meta["emerging"], carried[1]),
        "ecosystems": membership_table(inputs, meta["ecosystems"], carried[1]),
    }
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = {}
    for key, frame in tables.items():
        name = (
            meta["eu-clusters"]["class_file"] if key == "eu-clusters-classes" else meta[key]["file"]
        )
        write_table(frame, out_dir / name)
        written[key] = out_dir / name
    return written


def read_scheme_table(path: Path) -> pd.DataFrame:
    """Read a scheme CSV written by :func:`build_scheme_tables` (weights and purity as float)."""
    table = nace.read_csv_checked(path, SCHEME_COLUMNS)
    table["weight"] = uscmp.to_float(table, "weight", path)
    table["purity"] = uscmp.to_float(table, "purity", path, nullable=True)
    table["scheme_version"] = uscmp.to_int(table, "scheme_version", path)
    return table


def regression_values(inputs: Inputs) -> dict[str, float]:
    """The §2b regression values for both link methods (division level, G45-G47 as divisions)."""
    out: dict[str, float] = {"e_total": float(inputs.employment["employment"].sum())}
    for method in cc.LINK_METHODS:
        weights, totals = carry(inputs, method)
        divisions = cc.data_level_weights(weights, totals, {j: j[:3] for j in totals.index})
        summary = cc.summarise(divisions, "industry", {str(c) for c in range(1, 52)})
        purity = summary.loc[summary["basis"] == cc.EMPLOYMENT, "purity"]
        out[f"{method}_divisions"] = float(len(purity))
        out[f"{method}_median_purity"] = float(purity.median())
        out[f"{method}_at_least_half"] = float((purity >= 0.5).sum())
        automotive = divisions[(divisions["industry"] == "C29") & (divisions["category"] == "4")]
        out[f"{method}_c29_automotive"] = float(automotive["weight"].sum())
        out["classes_without_employment"] = float((totals["U"] <= 0).sum())
    return out


def purity_report(table: pd.DataFrame | None = None, least: int = 15) -> str:
    """Markdown tables of the eu-clusters purity: quantiles, 0.1-bin histogram, least pure codes.

    *table* defaults to the committed ``eu_clusters_v1.csv``.
    """
    if table is None:
        table = read_scheme_table(SCHEMES_DIR / "eu_clusters_v1.csv")
    codes = table.sort_values("weight", ascending=False).drop_duplicates("industry")
    purity = codes.set_index("industry")["purity"].astype(float)
    quantiles = [0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0]
    lines = [f"Purity of the {len(purity)} industry codes of eu-clusters:", ""]
    lines += ["| quantile | " + " | ".join(f"{q:g}" for q in quantiles) + " |"]
    lines += ["|---" * (len(quantiles) + 1) + "|"]
    lines += ["| purity | " + " | ".join(f"{purity.quantile(q):.3f}" for q in quantiles) + " |", ""]
    bins = np.minimum(np.floor(purity.to_numpy() * 10 + 1e-9), 9).astype(int)
    lines += ["| purity bin | codes |", "|---|---|"]
    for k in range(10):
        close = "]" if k == 9 else ")"
        lines.append(f"| [{k / 10:.1f}, {(k + 1) / 10:.1f}{close} | {int((bins == k).sum())} |")
    lines += ["", f"The {least} least pure codes (largest category shown):", ""]
    lines += ["| code | purity | largest category | basis |", "|---|---|---|---|"]
    for _, row in codes.sort_values(["purity", "industry"]).head(least).iterrows():
        lines.append(
            f"| {row['industry']} | {row['purity']:.3f} | {row['category']} {row['category_name']} | {row['basis']} |"
        )
    return "\n".join(lines) + "\n"

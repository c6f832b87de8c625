"""Category schemes: industry -> category weights, and aggregation of industries to categories.

A scheme (methodology §1) is a table of ``(industry, category, weight)`` rows with
``weight`` in (0, 1]. In a *partitioning* scheme each industry's weights sum to at most 1
(the rest is ``unassigned``); a non-partitioning scheme (emerging industries, ecosystems)
lets categories overlap, and its categories must never be added up.

Aggregation (§3): ``E(r,c) = Σ_i w(i,c)·E(r,i)``, the same for wages and establishments,
at whatever industry level the data has, as long as the scheme names the data's codes.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from clusterobs.core.tables import keys
from clusterobs.errors import SchemeError

MEASURES = ("employment", "establishments", "wages")
_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Scheme:
    """A versioned category scheme.

    Attributes
    ----------
    id, version, title:
        Identity, e.g. ``eu-clusters`` version ``1``.
    classification:
        Classification of the industry codes (``NACE_R2``, ``NAICS2017``).
    partitioning:
        Whether every industry's weights sum to at most 1.
    mapping:
        Columns ``industry, category, weight``.
    categories:
        Columns ``category, category_name, traded`` (``traded`` True, False or missing).
    """

    id: str
    version: str
    title: str
    classification: str
    partitioning: bool
    mapping: pd.DataFrame
    categories: pd.DataFrame

    @classmethod
    def from_table(
        cls, table: pd.DataFrame, *, id: str, version: str, title: str, partitioning: bool
    ) -> Scheme:
        """Build a scheme from a long table (columns of the committed scheme CSVs).

        >>> t = pd.DataFrame({"classification": ["NACE_R2"] * 3, "industry": ["C20", "C21", "C21"],
        ...     "category": ["chem", "chem", "pharma"], "category_name": ["Chemicals", "Chemicals", "Pharma"],
        ...     "weight": [1.0, 0.25, 0.75], "traded": [True, True, True]})
        >>> s = Scheme.from_table(t, id="demo", version="1", title="Demo", partitioning=True)
        >>> sorted(s.categories["category"])
        ['chem', 'pharma']
        """
        needed = {"classification", "industry", "category", "category_name", "weight"}
        missing = sorted(needed - set(table.columns))
        if missing:
            raise SchemeError(f"scheme {id}: missing columns {', '.join(missing)}")
        classes = table["classification"].dropna().unique()
        if len(classes) != 1:
            raise SchemeError(f"scheme {id}: expected one classification, got {list(classes)}")
        mapping = table[["industry", "category", "weight"]].copy()
        mapping["weight"] = pd.to_numeric(mapping["weight"], errors="coerce")
        traded = (table["traded"].map(_as_bool) if "traded" in table.columns
                  else pd.Series(None, index=table.index, dtype=object))
        cats = (table.assign(traded=traded)[["category", "category_name", "traded"]]
                .drop_duplicates("category").sort_values("category", ignore_index=True))
        scheme = cls(id, str(version), title, str(classes[0]), partitioning,
                     mapping.reset_index(drop=True), cats)
        scheme.validate()
        return scheme

    def validate(self, known_industries: set[str] | None = None) -> None:
        """Raise :class:`SchemeError` for bad weights, overfull industries or unknown codes."""
        m = self.mapping
        bad = m[~((m["weight"] > 0) & (m["weight"] <= 1 + _TOLERANCE))]
        if len(bad):
            row = bad.iloc[0]
            raise SchemeError(
                f"scheme {self.id}: weight {float(row['weight'])!r} of industry {row['industry']} in "
                f"category {row['category']} is outside (0, 1] ({len(bad)} such rows)"
            )
        dup = m[m.duplicated(["industry", "category"])]
        if len(dup):
            raise SchemeError(f"scheme {self.id}: industry {dup.iloc[0]['industry']} is listed twice "
                              f"in category {dup.iloc[0]['category']}")
        if self.partitioning:
            sums = m.groupby("industry")["weight"].sum()
            over = sums[sums > 1 + _TOLERANCE]
            if len(over):
                raise SchemeError(
                    f"scheme {self.id} is partitioning but the weights of industry {over.index[0]} "
                    f"sum to {over.iloc[0]:.6g} > 1 ({len(over)} such industries)"
                )
        if known_industries is not None:
            unknown = sorted(set(m["industry"]) - known_industries)
            if unknown:
                raise SchemeError(
                    f"scheme {self.id}: {len(unknown)} industry codes unknown to "
                    f"{self.classification}: {', '.join(unknown[:10])}"
                )

    @property
    def traded_categories(self) -> list[str]:
        """Categories flagged traded (for the ``traded`` LQ base)."""
        return sorted(self.categories.loc[self.categories["traded"] == True, "category"])  # noqa: E712


def _as_bool(value: object) -> bool | None:
    """'true'/'false' (any case), booleans, or None for empty cells."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    return {"true": True, "false": False}.get(text)


def minor_weights(mapping: pd.DataFrame) -> pd.Series:
    """Per row of *mapping* (``industry, category, weight``, optionally ``scheme``): whether
    the category takes a minor part of the industry code, one whose main part belongs
    elsewhere (methodology §2b): a weight below the code's largest weight, or below what the
    code leaves to no category. A cluster's employment from such parts is apportioned.

    >>> m = pd.DataFrame({"industry": ["C24", "C24", "C29"], "category": ["metal", "auto", "auto"],
    ...                   "weight": [0.8, 0.2, 1.0]})
    >>> minor_weights(m).tolist()
    [False, True, False]
    """
    by = [c for c in ("scheme", "industry") if c in mapping.columns]
    weights = mapping.groupby(by)["weight"]
    return mapping["weight"] < np.maximum(weights.transform("max"), 1 - weights.transform("sum"))


def aggregate(region_industry: ir.Table, mapping: ir.Table) -> ir.Table:
    """Aggregate region x industry x year measures to region x category x year (§3).

    Parameters
    ----------
    region_industry:
        Columns ``region, level, year, industry, employment, establishments, wages,
        uncertain`` (``uncertain``: the value is estimated, imputed or NUTS-converted).
    mapping:
        A scheme's ``industry, category, weight``; optionally ``scheme`` (several schemes
        stacked, aggregated in one pass), ``traded`` (carried to the output) and ``minor``
        (:func:`minor_weights`).

    Returns
    -------
    ibis Table
        ``region, level, year, category, employment, establishments, wages``, the employment
        range ``employment_lower, employment_upper`` when the input has it, ``uncertain_share`` (share of the cluster's employment from uncertain cells) and
        ``coverage`` (sum of the weights of its industries that have an employment value;
        growth is only computed between years of equal coverage); with ``minor`` in the
        mapping, ``apportioned_share`` (share of the employment from minor parts of codes).
        A measure is NULL when none of the cluster's industries has a value.
    """
    t = region_industry.inner_join(mapping, "industry")
    # the feasible range of employment (estimates) aggregates like employment, when present
    bounds = [b for b in ("employment_lower", "employment_upper") if b in region_industry.columns]
    sums = {m: (t[m] * t.weight).sum() for m in (*MEASURES, *bounds)}
    uncertain = (t.uncertain.ifelse(t.employment * t.weight, 0)).sum()
    by = keys(mapping, "region", "level", "year", "category")
    if "traded" in mapping.columns:
        by.append("traded")
    # which of the cluster's industries have a value: growth compares like with like only
    coverage = t.employment.notnull().ifelse(t.weight, 0).sum()
    minor = ({"minor_employment": t.minor.ifelse(t.employment * t.weight, 0).sum()}
             if "minor" in mapping.columns else {})
    out = t.group_by(by).aggregate(**sums, uncertain_employment=uncertain, coverage=coverage, **minor)
    share = ibis.ifelse(out.employment > 0, out.uncertain_employment / out.employment, 0.0)
    out = out.mutate(uncertain_share=share).drop("uncertain_employment")
    if minor:
        out = out.mutate(apportioned_share=ibis.ifelse(out.employment > 0, out.minor_employment / out.employment,
                                                       ibis.null())).drop("minor_employment")
    return out


def category_purity(mapping: pd.DataFrame, employment: pd.Series) -> pd.DataFrame:
    """Purity of each category: how wholly its employment comes from codes that are its own.

    A category takes ``w(j,c) E(j)`` from each industry code j (``mapping``: ``industry,
    category, weight``; ``employment``: E by industry). Its purity is the average of
    ``w(j,c)`` weighted by that employment: 1 when every code it draws from belongs to it
    entirely, 0.3 when it is mostly made of 30% slices of codes shared with other categories
    (the US industry mix assumed inside a NACE code, methodology §2b).

    Returns ``category, employment, purity``.

    >>> m = pd.DataFrame({"industry": ["C29", "C24", "C24"], "category": ["auto", "auto", "metal"],
    ...                   "weight": [1.0, 0.2, 0.8]})
    >>> e = pd.Series({"C29": 800.0, "C24": 1000.0})
    >>> category_purity(m, e).round(3).to_dict("records")  # auto: (800*1 + 200*0.2)/1000
    [{'category': 'auto', 'employment': 1000.0, 'purity': 0.84}, {'category': 'metal', 'employment': 800.0, 'purity': 0.8}]
    """
    t = mapping.assign(e=mapping["weight"] * mapping["industry"].map(employment).fillna(0.0))
    t = t.assign(we=t["e"] * t["weight"])
    out = t.groupby("category", as_index=False)[["e", "we"]].sum()
    out = out.assign(purity=out["we"] / out["e"].where(out["e"] > 0))
    return out.rename(columns={"e": "employment"})[["category", "employment", "purity"]]

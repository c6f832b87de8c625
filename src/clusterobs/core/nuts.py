"""Conversion of regional tables between NUTS versions (methodology §5.3, §5.4).

Pure functions: pandas tables in, pandas tables out, no file I/O. The crosswalk is the JRC
NUTS-converter flow table (read it with :func:`clusterobs.sources.gisco.read_nuts_crosswalk`):
one row per flow ``from_code -> to_code`` between two NUTS versions at one level, with the
flow weights ``areaKm, pop21, pop11, artif_surf18, artif_surf12, bu_vol``.

The method, the weights, the reports and the double-counting rule of :func:`harmonise` are
described in ``docs/methodology/nuts-conversion.md``.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from pandas.api.extensions import ExtensionArray

from clusterobs.errors import DataError, MethodError, SchemaError

__all__ = [
    "NUTS_VERSIONS",
    "WEIGHTS",
    "ConversionResult",
    "convert_regions",
    "detect_nuts_version",
    "harmonise",
    "nuts_level",
]

NUTS_VERSIONS: tuple[int, ...] = (2006, 2010, 2013, 2016, 2021, 2024)
WEIGHTS: tuple[str, ...] = ("pop21", "areaKm", "pop11", "artif_surf18", "artif_surf12", "bu_vol")
_CROSSWALK = ["from_code", "to_code", "from_version", "to_version", "level"]
_RESERVED = ("region", "flag", "nuts_converted")

Kind = Literal["count", "ratio"]
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class ConversionResult:
    """Result of a NUTS version conversion (methodology §5.3).

    Attributes
    ----------
    table:
        The converted table: ``region`` in the target version, the key columns, the value,
        ``flag`` (union of the flags of the merged sources, if the input had flags) and
        ``nuts_converted`` (True where the value was split or merged).
    split:
        Source codes whose value was split over more than one target region.
    merged:
        Target codes that received values from more than one source region.
    unmatched:
        Source codes without a crosswalk row for the version pair at their level; their rows
        are left out of ``table``.
    renamed:
        ``(source, target)`` pairs mapped one to one under a different code.
    """

    table: pd.DataFrame
    split: tuple[str, ...]
    merged: tuple[str, ...]
    unmatched: tuple[str, ...]
    renamed: tuple[tuple[str, str], ...]


def nuts_level(codes: pd.Series) -> pd.Series:
    """NUTS level of each code: its length minus the two letters of the country.

    >>> nuts_level(pd.Series(["DE", "DE4", "DE40", "DE401"])).tolist()
    [0, 1, 2, 3]
    """
    return (codes.astype(str).str.len() - 2).astype("int64")


def _check_inputs(
    table: pd.DataFrame, crosswalk: pd.DataFrame, weight: str, value_col: str, kind: str
) -> None:
    if weight not in WEIGHTS:
        raise MethodError(f"unknown weight {weight!r}; expected one of {list(WEIGHTS)}")
    missing = [c for c in ("region", value_col) if c not in table.columns]
    if missing:
        raise SchemaError(f"table: missing columns {missing}; expected region and {value_col}")
    missing = [c for c in [*_CROSSWALK, weight] if c not in crosswalk.columns]
    if missing:
        raise SchemaError(f"crosswalk: missing columns {missing}; expected {_CROSSWALK} + weight")
    if kind not in ("count", "ratio"):
        raise MethodError(f"unknown kind {kind!r}; expected 'count' or 'ratio'")


def _key_columns(table: pd.DataFrame, value_col: str, keys: Sequence[str] | None) -> list[str]:
    if keys is None:
        return [c for c in table.columns if c not in (*_RESERVED, value_col)]
    missing = [k for k in keys if k not in table.columns]
    if missing:
        raise SchemaError(f"table: missing key columns {missing}")
    return list(keys)


def _sorted_codes(column: pd.Series) -> tuple[IntArray, int, pd.Index]:
    """Codes of the values in their sort order, NaN last (the order of ``sort_values``)."""
    codes, uniques = pd.factorize(column, sort=True)
    codes = codes.astype(np.int64, copy=False)
    codes[codes < 0] = len(uniques)
    return codes, len(uniques) + 1, pd.Index(uniques)


def _combine(a: IntArray, na: int, b: IntArray, nb: int) -> tuple[IntArray, int]:
    """Codes of the pairs ``(a, b)`` in lexicographic order; ``a`` is made dense if needed."""
    if na * nb >= 1 << 62:
        uniques, inverse = np.unique(a, return_inverse=True)
        a, na = inverse.reshape(-1).astype(np.int64), len(uniques)
    return a * nb + b, na * nb


def _repeats(ids: IntArray, n: int) -> bool:
    """Whether a code in ``[0, n)`` occurs twice (by counting if ``n`` is small, else sorting)."""
    if n <= 4 * len(ids) + 1024:
        return bool(np.bincount(ids, minlength=1).max() > 1)
    ids = np.sort(ids)
    return bool((ids[1:] == ids[:-1]).any())


def _sort_entries(
    cell: IntArray, n_cell: int, row: IntArray, n_row: int, flow: IntArray, n_flow: int
) -> tuple[IntArray, IntArray, IntArray]:
    """Stable sort by cell of the entries (cell, row, flow), packed in an int64 if they fit."""
    rb, fb = n_row.bit_length(), n_flow.bit_length()
    if n_cell.bit_length() + rb + fb > 63:
        order = np.argsort(cell, kind="stable")
        return cell[order], row[order], flow[order]
    packed = np.sort((cell << (rb + fb)) | (row << fb) | flow)
    return packed >> (rb + fb), (packed >> fb) & ((1 << rb) - 1), packed & ((1 << fb) - 1)


def _segments(ids: IntArray) -> tuple[IntArray, IntArray]:
    """Start and length of each run of equal values of a sorted array of codes (>= 0)."""
    starts = np.flatnonzero(np.diff(ids, prepend=-1) != 0)
    return starts, np.diff(starts, append=len(ids))


@dataclass(frozen=True)
class _Rows:
    """The input table as integer codes, one entry per row."""

    region: IntArray  # position in ``regions``
    keys: list[tuple[IntArray, int, pd.Index]]  # each key column: see _sorted_codes
    key: IntArray  # rank of the key columns together, in sort order
    n_key: int
    value: FloatArray
    regions: pd.DataFrame  # the distinct regions: from_code, level, _rc (their position)


def _encode(table: pd.DataFrame, keys: list[str], value_col: str) -> _Rows:
    """Code the regions and keys as integers; DataError if a (region, keys) repeats."""
    region, uniques = pd.factorize(table["region"], use_na_sentinel=False)
    region = region.astype(np.int64)
    coded = [_sorted_codes(table[k]) for k in keys]
    key, n_key = np.zeros(len(table), np.int64), 1
    for codes, n, _ in coded:
        key, n_key = (codes, n) if n_key == 1 else _combine(key, n_key, codes, n)
    if _repeats(*_combine(key, n_key, region, len(uniques))):
        dup = table.duplicated(["region", *keys]).to_numpy()
        row = table.loc[dup, ["region", *keys]].iloc[0].tolist()
        raise DataError(f"table: several rows for region and keys {['region', *keys]} = {row}")
    names = pd.Series(uniques, name="from_code")
    regions = pd.DataFrame({"from_code": names, "level": nuts_level(names), "_rc": names.index})
    value = np.asarray(table[value_col].astype("float64"), dtype=np.float64)
    return _Rows(region, coded, key, n_key, value, regions)


def _flows(
    crosswalk: pd.DataFrame,
    from_versions: Collection[int],
    to_version: int,
    weight: str,
    min_share: float,
    valid_targets: Collection[str] | None = None,
) -> pd.DataFrame:
    """Flows ``from_code -> to_code`` of version pairs with ``w``, ``share``, ``_version`` (§5.3).

    Flows of zero weight are dropped, as are flows below ``min_share`` of their source
    (digitising slivers), and flows to targets outside ``valid_targets``; the remaining
    shares are renormalised to sum to 1 per source (code, level and version). A source whose
    flows all weigh 0 is split equally.
    """
    pair = crosswalk["from_version"].isin(from_versions) & (crosswalk["to_version"] == to_version)
    cols = {"from_version": "_version", weight: "w"}
    f = crosswalk.loc[pair, ["from_code", "to_code", "level", *cols]].rename(columns=cols)
    f["w"] = f["w"].astype("float64")
    if valid_targets is not None:
        f = f[f["to_code"].isin(set(valid_targets))]
    f["_src"] = f.groupby(["from_code", "level", "_version"], sort=False).ngroup()
    total = f.groupby("_src")["w"].transform("sum")
    f.loc[total <= 0, "w"] = 1.0  # no weight at all: equal split
    f = f[f["w"] > 0]
    f = f[f["w"] / f.groupby("_src")["w"].transform("sum") >= min_share].copy()
    f["share"] = f["w"] / f.groupby("_src")["w"].transform("sum")
    f["n_targets"] = f.groupby("_src")["to_code"].transform("size")
    return f.drop(columns="_src").reset_index(drop=True)


def _identity_flows(codes: Iterable[str], level: int, version: int) -> pd.DataFrame:
    c = sorted(set(codes))
    return pd.DataFrame(
        {"from_code": c, "to_code": c, "level": level, "_version": version, "w": 1.0,
         "share": 1.0, "n_targets": 1}
    )  # fmt: skip


def _region_flows(
    regions: pd.DataFrame, flows: pd.DataFrame, identity_levels: Sequence[int]
) -> pd.DataFrame:
    """Left join of ``regions`` with their flows; countries etc. map to themselves.

    A region at one of ``identity_levels`` gets the identity flow, any other region the
    flows of its own level and ``_version``; a region without flows keeps one row marked
    ``left_only``.
    """
    flows = flows[~flows["level"].isin(identity_levels)]
    ident = regions[regions["level"].isin(identity_levels)]
    pairs = sorted(set(zip(ident["level"].tolist(), ident["_version"].tolist(), strict=True)))
    extra = [
        _identity_flows(ident.loc[(ident["level"] == lv) & (ident["_version"] == v), "from_code"],
                        int(lv), int(v))
        for lv, v in pairs
    ]  # fmt: skip
    flows = pd.concat([flows, *extra], ignore_index=True) if extra else flows
    on = ["from_code", "level", "_version"]
    return regions.merge(flows, on=on, how="left", indicator=True)


@dataclass(frozen=True)
class _Contributions:
    """One entry per (table row, flow of its region), sorted by cell (target region, keys)."""

    cell: IntArray
    row: IntArray
    flow: IntArray  # position in the flows table
    starts: IntArray  # first entry of each cell
    counts: IntArray  # entries of each cell
    value: FloatArray  # X(f)·share (counts) or X(f)·w (ratios)
    w: FloatArray


def _contributions(rows: _Rows, flows: pd.DataFrame, kind: str) -> _Contributions:
    """Join table rows to their flows (``flows`` sorted by ``_rc``), sorted by cell."""
    per_region = np.bincount(flows["_rc"].to_numpy(np.int64), minlength=len(rows.regions))
    reps = per_region[rows.region]
    row = np.repeat(np.arange(len(reps)), reps)
    shift = (np.cumsum(per_region) - per_region)[rows.region] - (np.cumsum(reps) - reps)
    flow = np.arange(len(row)) + np.repeat(shift, reps)
    target, n_target, _ = _sorted_codes(flows["to_code"])
    cell, n_cell = _combine(target[flow], n_target, rows.key[row], rows.n_key)
    cell, row, flow = _sort_entries(cell, n_cell, row, len(reps), flow, len(flows))
    w = flows["w"].to_numpy(np.float64)[flow]
    factor = flows["share"].to_numpy(np.float64)[flow] if kind == "count" else w
    c = _Contributions(cell, row, flow, *_segments(cell), rows.value[row] * factor, w)
    mixed = flows.groupby("to_code")["_version"].transform("nunique").to_numpy() > 1
    return _newest_in_cell(c, flows["_version"].to_numpy(np.int64), mixed) if mixed.any() else c


def _newest_in_cell(c: _Contributions, version: IntArray, mixed: BoolArray) -> _Contributions:
    """Entries of the newest source version per cell, among sources with a value if any.

    Only cells of ``mixed`` flows (to targets fed by several versions) are looked at.
    """
    sel = np.flatnonzero(mixed[c.flow])
    starts, counts = _segments(c.cell[sel])
    v = version[c.flow[sel]]
    best = np.maximum.reduceat(np.where(np.isnan(c.value[sel]), -1, v), starts)
    best = np.where(best >= 0, best, np.maximum.reduceat(v, starts))
    drop = sel[v != np.repeat(best, counts)]
    if not drop.size:
        return c
    keep = np.ones(len(c.row), bool)
    keep[drop] = False
    cell = c.cell[keep]
    return _Contributions(
        cell, c.row[keep], c.flow[keep], *_segments(cell), c.value[keep], c.w[keep]
    )


def _letters(letters: list[str], has: BoolArray) -> str:
    return "".join(letter for letter, h in zip(letters, has, strict=True) if h)


def _flag_union(flags: pd.Series, c: _Contributions) -> ExtensionArray:
    """Union of the flag letters of each cell, letters in alphabetical order."""
    code, uniques = pd.factorize(flags, use_na_sentinel=False)
    names = ["" if pd.isna(u) else str(u) for u in uniques]
    letters = sorted(set("".join(names)) - set(" \t"))
    has = np.array([[ch in n for ch in letters] for n in names], bool)
    has = has.reshape(len(names), len(letters))
    code = code[c.row]
    label = np.minimum.reduceat(code, c.starts)  # one flag in the cell: its letters
    multi = label != np.maximum.reduceat(code, c.starts)
    labels = [_letters(letters, h) for h in has]
    if multi.any():
        counts = c.counts[multi]
        entries = code[np.repeat(multi, c.counts)]
        union = np.logical_or.reduceat(has[entries], np.cumsum(counts) - counts, axis=0)
        combos, inverse = np.unique(union, axis=0, return_inverse=True)
        label[multi] = len(labels) + inverse.reshape(-1)
        labels += [_letters(letters, h) for h in combos]
    return pd.Series(["", *labels]).array.take(label + 1)


def _key_values(rows: _Rows, c: _Contributions) -> list[ExtensionArray]:
    """Values of the key columns of each cell, decoded from the cell codes if possible."""
    key = c.cell[c.starts] % rows.n_key  # the cell code is (target, key)
    if rows.n_key == math.prod(n for _, n, _ in rows.keys):  # key not made dense
        codes: list[IntArray] = []
        for _, n, _ in reversed(rows.keys):
            codes.insert(0, key % n)
            key = key // n
    else:
        codes = [k[c.row[c.starts]] for k, _, _ in rows.keys]
    return [
        values.array.take(np.where(code < len(values), code, -1), allow_fill=True)
        if code.max(initial=0) == len(values)  # NaN
        else values.array.take(code)
        for code, (_, _, values) in zip(codes, rows.keys, strict=True)
    ]


def _aggregate(
    table: pd.DataFrame, rows: _Rows, flows: pd.DataFrame, c: _Contributions,
    keys: list[str], value_col: str, kind: str,
) -> pd.DataFrame:  # fmt: skip
    """Sum contributions per cell, in the order of (region, keys); NaN if one is NaN."""
    value = np.add.reduceat(c.value, c.starts)
    if kind == "ratio":
        value = value / np.add.reduceat(c.w, c.starts)
    value[np.logical_or.reduceat(np.isnan(c.value), c.starts)] = np.nan
    repeated = flows.duplicated(["_rc", "to_code"]).to_numpy()  # same source and target
    n_sources = np.add.reduceat(~repeated[c.flow], c.starts) if repeated.any() else c.counts
    split = (flows["n_targets"] > 1).to_numpy()
    converted = (n_sources > 1) | np.logical_or.reduceat(split[c.flow], c.starts)
    if "nuts_converted" in table.columns:
        s = table["nuts_converted"]
        done = s.where(s.notna(), False).astype(bool).to_numpy()
        converted |= np.logical_or.reduceat(done[c.row], c.starts)
    out = {"region": flows["to_code"].array.take(c.flow[c.starts])}
    out |= dict(zip(keys, _key_values(rows, c), strict=True))
    out[value_col] = value
    if "flag" in table.columns:
        out["flag"] = _flag_union(table["flag"], c)
    out["nuts_converted"] = converted
    return pd.DataFrame(out)


def _reports(
    flows: pd.DataFrame, c: _Contributions, unmatched: set[str], table: pd.DataFrame
) -> ConversionResult:
    """Split, merged and renamed codes, judged cell by cell (one target region and keys)."""
    used, merged = np.zeros(len(flows), bool), np.zeros(len(flows), bool)
    used[c.flow] = True
    merged[c.flow[np.repeat(c.counts > 1, c.counts)]] = True
    pairs = (
        flows.loc[used, ["from_code", "to_code", "n_targets"]]
        .assign(cell_n=merged[used] + 1)  # 2 for "more than one"
        .groupby(["from_code", "to_code"], as_index=False)
        .agg(n_targets=("n_targets", "max"), cell_n=("cell_n", "max"))
    )
    one = (pairs["n_targets"] == 1) & (pairs["cell_n"] == 1)
    one &= pairs["from_code"] != pairs["to_code"]
    return ConversionResult(
        table=table,
        split=tuple(sorted(set(pairs.loc[pairs["n_targets"] > 1, "from_code"]))),
        merged=tuple(sorted(set(pairs.loc[pairs["cell_n"] > 1, "to_code"]))),
        unmatched=tuple(sorted(unmatched)),
        renamed=tuple(
            sorted(zip(pairs.loc[one, "from_code"], pairs.loc[one, "to_code"], strict=True))
        ),
    )


def _convert(
    table: pd.DataFrame, rows: _Rows, flows: pd.DataFrame, keys: list[str], value_col: str,
    kind: str, unmatched: set[str],
) -> ConversionResult:  # fmt: skip
    """Convert ``table`` with the flows of each region (the output of ``_region_flows``)."""
    unmatched = unmatched | set(flows.loc[flows["_merge"] == "left_only", "from_code"])
    flows = flows[flows["_merge"] == "both"].sort_values("_rc", kind="stable", ignore_index=True)
    c = _contributions(rows, flows, kind)
    out = _aggregate(table, rows, flows, c, keys, value_col, kind)
    return _reports(flows, c, unmatched, out)


def convert_regions(
    table: pd.DataFrame,
    crosswalk: pd.DataFrame,
    from_version: int,
    to_version: int,
    weight: str = "pop21",
    value_col: str = "value",
    keys: Sequence[str] | None = None,
    kind: Kind = "count",
    *,
    min_share: float = 0.001,
    identity_levels: Sequence[int] = (0,),
    valid_targets: Collection[str] | None = None,
) -> ConversionResult:
    """Convert a regional table from one NUTS version to another (methodology §5.3).

    Parameters
    ----------
    table:
        Long table with ``region`` (NUTS codes of ``from_version``, levels may be mixed), the
        key columns, ``value_col`` and optionally ``flag`` and ``nuts_converted``.
    crosswalk:
        JRC NUTS-converter flows (``from_code, to_code, from_version, to_version, level`` and
        the weight column).
    from_version, to_version:
        NUTS versions, e.g. 2013 and 2016.
    weight:
        Flow weight ``w(f, t)``: ``pop21`` (our default), ``areaKm``, ``pop11``, ...
    value_col:
        The column converted.
    keys:
        Columns that identify a value besides the region (e.g. industry, year, measure);
        default every column but region, value, flag and nuts_converted.
    kind:
        ``"count"``: ``X(t) = Σ_f X(f)·share(f→t)``, ``share(f→t) = w(f,t)/Σ_t' w(f,t')``;
        ``"ratio"``: ``X(t) = Σ_f X(f)·w(f,t) / Σ_f w(f,t)``.
    min_share:
        Flows carrying less than this share of their source (boundary-digitising slivers)
        are dropped and the other shares renormalised; 0 keeps every flow of positive weight.
    identity_levels:
        Levels passed through unchanged (countries, level 0, are not in the crosswalk).
    valid_targets:
        If given, the codes of ``to_version`` that may receive values (e.g. the codes of the
        target geometry file). Flows to other codes are dropped before the shares are
        computed: this removes artefacts of the JRC tables such as the level-2 code ``UKN1``
        in NUTS 2016 (truncated from the NUTS-3 codes UKN10-UKN16 of UKN0).

    Returns
    -------
    ConversionResult
        The converted table and the reports ``split``, ``merged``, ``unmatched``, ``renamed``.

    Notes
    -----
    Each level is converted with the crosswalk rows of its own level (§5.4 mixed levels).
    A target value is NaN when any contribution is NaN. ``flag`` is the union of the flag
    letters of the contributing rows; ``nuts_converted`` is True unless the value comes from
    exactly one source mapped wholly to one target.

    Examples
    --------
    >>> cw = pd.DataFrame({"from_code": ["UKM2", "UKM2"], "to_code": ["UKM7", "UKM9"],
    ...     "from_version": 2013, "to_version": 2016, "level": 2, "pop21": [3.0, 1.0]})
    >>> t = pd.DataFrame({"region": ["UKM2"], "year": [2014], "value": [100.0]})
    >>> r = convert_regions(t, cw, 2013, 2016, keys=["year"])
    >>> r.table["value"].tolist(), r.split
    ([75.0, 25.0], ('UKM2',))
    """
    _check_inputs(table, crosswalk, weight, value_col, kind)
    key_cols = _key_columns(table, value_col, keys)
    rows = _encode(table, key_cols, value_col)
    flows = _flows(crosswalk, [from_version], to_version, weight, min_share, valid_targets)
    regions = rows.regions.assign(_version=from_version)
    flows = _region_flows(regions, flows, identity_levels)
    return _convert(table, rows, flows, key_cols, value_col, kind, set())


def detect_nuts_version(
    codes: Iterable[str], names_table: pd.DataFrame
) -> dict[str, tuple[int, ...]]:
    """Find the NUTS versions that contain each code.

    Parameters
    ----------
    codes:
        Region codes, e.g. the ``geo`` codes of a Eurostat file.
    names_table:
        Either a names table (``nuts_version``, ``region``; see
        :func:`clusterobs.sources.gisco.read_nuts_names`, versions 2013-2024) or a crosswalk
        (``from_version``, ``from_code``; versions 2006-2024).

    Returns
    -------
    dict
        ``{code: (version, ...)}`` in increasing order; an empty tuple for an unknown code.

    Examples
    --------
    >>> names = pd.DataFrame({"nuts_version": [2013, 2016, 2013], "region": ["DE40", "DE40", "FR24"]})
    >>> detect_nuts_version(["DE40", "FR24", "XX99"], names)
    {'DE40': (2013, 2016), 'FR24': (2013,), 'XX99': ()}
    """
    if {"nuts_version", "region"} <= set(names_table.columns):
        pairs = names_table[["region", "nuts_version"]]
    elif {"from_version", "from_code"} <= set(names_table.columns):
        pairs = names_table[["from_code", "from_version"]].set_axis(
            ["region", "nuts_version"], axis=1
        )
    else:
        raise SchemaError("names_table: expected columns nuts_version and region")
    wanted = sorted(set(codes))
    pairs = pairs[pairs["region"].isin(wanted)].drop_duplicates()
    found: dict[str, set[int]] = {code: set() for code in wanted}
    for code, version in zip(pairs["region"].tolist(), pairs["nuts_version"].tolist(), strict=True):
        found[code].add(int(version))
    return {code: tuple(sorted(versions)) for code, versions in found.items()}


def _newest_versions(
    regions: pd.DataFrame, crosswalk: pd.DataFrame, target_version: int, versions: Sequence[int]
) -> FloatArray:
    """Newest version of ``versions`` in which each (code, level) has a flow to the target."""
    cw = crosswalk[
        (crosswalk["to_version"] == target_version) & crosswalk["from_version"].isin(versions)
    ]
    newest = cw.groupby(["from_code", "level"])["from_version"].max()
    idx = pd.MultiIndex.from_frame(regions[["from_code", "level"]])
    return newest.reindex(idx).to_numpy(np.float64, copy=True)


def harmonise(
    table: pd.DataFrame,
    crosswalk: pd.DataFrame,
    target_version: int = 2016,
    weight: str = "pop21",
    value_col: str = "value",
    keys: Sequence[str] | None = None,
    kind: Kind = "count",
    *,
    versions: Sequence[int] = NUTS_VERSIONS,
    min_share: float = 0.001,
    identity_levels: Sequence[int] = (0,),
    valid_targets: Collection[str] | None = None,
) -> ConversionResult:
    """Convert a table mixing codes of several NUTS versions to one version (§5.3).

    Rule, per source code: take the newest version of ``versions`` in which the code exists
    in the crosswalk at its own level (length minus 2), and convert from that version to
    ``target_version`` with :func:`convert_regions` arithmetic. Double counting: when for one
    (target region, keys) contributions come from sources of different versions (e.g. DE41
    and DE42 of NUTS 2006 and DE40 of NUTS 2010+ in the same year), only the contributions
    of the newest source version that has a value (not NaN) are kept; older sources fill
    only cells that newer sources leave missing.
    ``keys`` must hold the year (and industry, measure) for this rule to work per year.

    Parameters are those of :func:`convert_regions`; ``versions`` limits the candidate
    source versions (pass ``(2006, 2010, 2013)`` for data published before NUTS 2016).

    Returns
    -------
    ConversionResult
        Reports as in :func:`convert_regions`; ``unmatched`` lists codes found in no
        candidate version at their level.

    Examples
    --------
    >>> cw = pd.DataFrame({"from_code": ["DE41", "DE42", "DE40"], "to_code": "DE40",
    ...     "from_version": [2006, 2006, 2013], "to_version": 2016, "level": 2,
    ...     "pop21": [1.0, 1.0, 2.0]})
    >>> t = pd.DataFrame({"region": ["DE41", "DE42", "DE40", "DE41", "DE42"],
    ...     "year": [2008, 2008, 2008, 2007, 2007], "value": [1.0, 2.0, 3.0, 4.0, 5.0]})
    >>> harmonise(t, cw, 2016, keys=["year"]).table["value"].tolist()
    [9.0, 3.0]
    """
    _check_inputs(table, crosswalk, weight, value_col, kind)
    key_cols = _key_columns(table, value_col, keys)
    rows = _encode(table, key_cols, value_col)
    regions = rows.regions
    newest = _newest_versions(regions, crosswalk, target_version, versions)
    newest[regions["level"].isin(identity_levels).to_numpy()] = target_version
    found = ~np.isnan(newest)
    unmatched = set(regions.loc[~found, "from_code"])
    if not found.any():
        empty = convert_regions(
            table.iloc[:0], crosswalk, target_version, target_version, weight, value_col,
            key_cols, kind,
        )  # fmt: skip
        return replace(empty, unmatched=tuple(sorted(unmatched)))
    regions = regions[found].assign(_version=newest[found].astype(np.int64))
    used = set(regions["_version"].tolist())
    flows = _flows(crosswalk, used, target_version, weight, min_share, valid_targets)
    flows = _region_flows(regions, flows, identity_levels)
    return _convert(table, rows, flows, key_cols, value_col, kind, unmatched)

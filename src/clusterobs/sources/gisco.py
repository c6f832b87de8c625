"""NUTS geometries, names and version crosswalks (Eurostat GISCO, JRC NUTS converter).

Readers for the files kept under ``gisco_nuts/`` and ``nuts_classification/`` of the data
mirror (see ``PROVENANCE.md`` sections 5 and 6). Every reader validates its input and raises
:class:`~clusterobs.errors.SchemaError` or :class:`~clusterobs.errors.DataError` naming the
file, the line or feature, and what was expected. The conversion between NUTS versions itself
is pure and lives in :mod:`clusterobs.core.nuts` (methodology §5.3).
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import mapping, shape

from clusterobs.errors import DataError, FetchError, SchemaError
from clusterobs.sources.eurostat import open_text

__all__ = [
    "CROSSWALK_COLUMNS",
    "feature_collection",
    "geometry_files",
    "read_nuts_crosswalk",
    "read_nuts_geometries",
    "read_nuts_level",
    "read_nuts_names",
    "simplify_for_web",
]

GEOMETRY_COLUMNS = ["region", "level", "country", "name", "name_native", "nuts_version", "geometry"]
CROSSWALK_COLUMNS = [
    "from_code", "to_code", "from_version", "to_version", "level", "country",
    "areaKm", "pop21", "pop11", "artif_surf18", "artif_surf12", "bu_vol",
]  # fmt: skip
CROSSWALK_WEIGHTS = ["areaKm", "pop21", "pop11", "artif_surf18", "artif_surf12", "bu_vol"]
NAMES_COLUMNS = ["nuts_version", "region", "level", "country", "name", "name_latn"]
_REQUIRED_PROPERTIES = ("NUTS_ID", "LEVL_CODE", "CNTR_CODE", "NUTS_NAME")
_VERSION_IN_NAME = re.compile(r"NUTS_(?:RG|LB|BN)_\d+M_(\d{4})_")
_CODE = re.compile(r"^[A-Z]{2}[0-9A-Z]{0,3}$")

# File names of the mirror's gisco_nuts/<version>/ folders, per NUTS level (PROVENANCE §5).
# Several levels may share one all-levels file: read it with ``level=`` to filter LEVL_CODE.
_GEOMETRY_FILES: dict[int, dict[int, str]] = {
    2016: {lv: f"NUTS_RG_20M_2016_4326_LEVL_{lv}.geojson.gz" for lv in range(4)},
    2021: {
        0: "NUTS_RG_20M_2021_4326_LEVL_0_prelim2020.geojson.gz",
        1: "NUTS_RG_20M_2021_4326_LEVL_1_prelim2020.geojson.gz",
        2: "NUTS_RG_20M_2021_4326_LEVL_2.geojson.gz",
        3: "NUTS_RG_60M_2021_4326.geojson.gz",
    },
    2024: dict.fromkeys(range(4), "NUTS_RG_20M_2024_4326.geojson.gz"),
}


def _open_text(path: Path) -> str:
    """Read a text file, gunzipping it when its name ends in ``.gz``."""
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rt", encoding="utf-8") as fh:
                return fh.read()
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise FetchError(f"{path}: file not found") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"cannot read as UTF-8 text ({exc})", path=str(path)) from exc


def _version_from_name(path: Path) -> int:
    match = _VERSION_IN_NAME.search(path.name)
    if match is None:
        raise DataError(
            "cannot tell the NUTS version from the file name; expected a GISCO name like "
            "NUTS_RG_20M_2016_4326_LEVL_2.geojson.gz, or pass nuts_version=",
            path=str(path),
        )
    return int(match.group(1))


def _feature_row(feature: Any, index: int, path: Path) -> dict[str, Any]:
    """Validate one GeoJSON feature and turn it into a row of :func:`read_nuts_geometries`."""
    where = f"feature {index}"
    props = feature.get("properties") if isinstance(feature, dict) else None
    if not isinstance(props, dict):
        raise SchemaError(f"{where}: expected an object with 'properties'", path=str(path))
    missing = [k for k in _REQUIRED_PROPERTIES if props.get(k) in (None, "")]
    if missing:
        raise SchemaError(
            f"{where}: missing properties {missing}; expected {list(_REQUIRED_PROPERTIES)}",
            path=str(path),
        )
    code = str(props["NUTS_ID"]).strip()
    level = props["LEVL_CODE"]
    if not _CODE.match(code) or not isinstance(level, int) or len(code) - 2 != level:
        raise DataError(
            f"{where}: NUTS_ID {code!r} with LEVL_CODE {level!r}; expected a NUTS code whose "
            "length is 2 + level",
            path=str(path),
        )
    try:
        geometry = shape(feature["geometry"])
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise DataError(
            f"{where} ({code}): missing or malformed geometry ({exc})", path=str(path)
        ) from exc
    native = str(props["NUTS_NAME"]).strip()
    latin = props.get("NAME_LATN")
    return {
        "region": code,
        "level": level,
        "country": str(props["CNTR_CODE"]).strip(),
        "name": str(latin).strip() if latin not in (None, "") else native,
        "name_native": native,
        "geometry": geometry,
    }


def read_nuts_geometries(
    path: Path | str, nuts_version: int | None = None, level: int | None = None
) -> pd.DataFrame:
    """Read a GISCO NUTS GeoJSON file (optionally gzipped) into a table of regions.

    Parameters
    ----------
    path:
        A GISCO ``NUTS_RG_*`` or ``NUTS_LB_*`` GeoJSON file, ``.geojson`` or ``.geojson.gz``.
    nuts_version:
        NUTS version of the file; by default read from the file name (``NUTS_RG_20M_2016_...``).
    level:
        Keep only features of this ``LEVL_CODE`` (for the all-levels files).

    Returns
    -------
    pandas.DataFrame
        Columns ``region`` (NUTS_ID), ``level``, ``country``, ``name`` (NAME_LATN, or NUTS_NAME
        where the file has no Latin name, as the 2016 files), ``name_native`` (NUTS_NAME),
        ``nuts_version`` and ``geometry`` (shapely), sorted by region.

    Raises
    ------
    SchemaError
        When the file is not a FeatureCollection or a feature lacks a required property.
    DataError
        When a code, level or geometry is malformed, or a code occurs twice.

    Notes
    -----
    Regions are the spatial units of methodology §1 and §5.4 (NUTS 2016 is the default target
    version, §5.3). Attribution on every map: "© EuroGeographics for the administrative
    boundaries".
    """
    path = Path(path)
    version = _version_from_name(path) if nuts_version is None else int(nuts_version)
    try:
        doc = json.loads(_open_text(path))
    except json.JSONDecodeError as exc:
        raise DataError(f"not valid JSON: {exc.msg}", path=str(path), line=exc.lineno) from exc
    features = doc.get("features") if isinstance(doc, dict) else None
    if not isinstance(features, list):
        raise SchemaError("expected a GeoJSON FeatureCollection with 'features'", path=str(path))
    if not features:
        raise DataError("field 'features' is empty: expected the NUTS regions of the file "
                        "(loading it would remove the map's regions)", path=str(path))
    rows = [_feature_row(f, i, path) for i, f in enumerate(features)]
    df = pd.DataFrame(rows, columns=[c for c in GEOMETRY_COLUMNS if c != "nuts_version"])
    if level is not None:
        df = df[df["level"] == level]
        if df.empty:
            raise DataError(f"no feature has LEVL_CODE {level}: expected the NUTS level-{level} "
                            "regions", path=str(path))
    duplicated = sorted(set(df.loc[df["region"].duplicated(), "region"]))
    if duplicated:
        raise DataError(f"NUTS_ID occurs more than once: {duplicated[:10]}", path=str(path))
    df["level"] = df["level"].astype("int64")
    df["nuts_version"] = version
    return df[GEOMETRY_COLUMNS].sort_values("region", ignore_index=True)


def geometry_files(mirror: Path | str, version: int) -> dict[int, Path]:
    """Map each NUTS level to the mirror's geometry file for a NUTS version.

    Parameters
    ----------
    mirror:
        Root of the data mirror (the folder holding ``gisco_nuts/``).
    version:
        NUTS version: 2016, 2021 or 2024.

    Returns
    -------
    dict
        ``{level: path}`` for levels 0-3, preferring 1:20M EPSG:4326. For 2021 levels 0/1 these
        are the July 2020 preliminary files and level 3 the 1:60M all-levels file; for 2024 all
        levels come from one all-levels file. Read all-levels files with
        ``read_nuts_geometries(path, level=level)`` (or use :func:`read_nuts_level`).

    Raises
    ------
    FetchError
        When the version is unknown or a file is missing from the mirror.
    """
    if version not in _GEOMETRY_FILES:
        raise FetchError(
            f"no NUTS geometry for version {version}; the mirror has {sorted(_GEOMETRY_FILES)}"
        )
    folder = Path(mirror) / "gisco_nuts" / f"nuts{version}"
    files = {level: folder / name for level, name in _GEOMETRY_FILES[version].items()}
    missing = sorted({str(p) for p in files.values() if not p.is_file()})
    if missing:
        raise FetchError(f"NUTS {version} geometry files missing from the mirror: {missing}")
    return files


def read_nuts_level(mirror: Path | str, version: int, level: int) -> pd.DataFrame:
    """Read the geometries of one NUTS version and level from the mirror.

    Combines :func:`geometry_files` and :func:`read_nuts_geometries` (filtering LEVL_CODE).
    """
    files = geometry_files(mirror, version)
    if level not in files:
        raise FetchError(f"no NUTS {version} geometry for level {level}; levels {sorted(files)}")
    return read_nuts_geometries(files[level], nuts_version=version, level=level)


def _round_coords(obj: Any, ndigits: int) -> Any:
    if isinstance(obj, float):
        return round(obj, ndigits)
    if isinstance(obj, list | tuple):
        return [_round_coords(o, ndigits) for o in obj]
    return obj


def _geojson_text(geom: shapely.Geometry, ndigits: int) -> str:
    geo = mapping(geom)
    geo = {"type": geo["type"], "coordinates": _round_coords(geo["coordinates"], ndigits)}
    return json.dumps(geo, separators=(",", ":"))


def simplify_for_web(df: pd.DataFrame, tolerance: float = 0.002, ndigits: int = 4) -> pd.DataFrame:
    """Simplify geometries for web maps and add their GeoJSON text.

    Parameters
    ----------
    df:
        A table from :func:`read_nuts_geometries` (columns ``level`` and ``geometry``).
    tolerance:
        Simplification tolerance in coordinate units (degrees for EPSG:4326). The default
        0.002 degrees (about 200 m) keeps 1:20M regions within about 1 % of their area.
    ndigits:
        Decimals of the rounded coordinates (4 decimals, about 11 m).

    Returns
    -------
    pandas.DataFrame
        A copy with ``geometry`` simplified and a ``geojson`` text column (a GeoJSON geometry).

    Notes
    -----
    Each level is simplified as one polygonal coverage (``shapely.coverage_simplify``), so
    neighbouring regions keep shared borders without gaps or overlaps; polygons are then
    snapped to the ``10**-ndigits`` grid (``shapely.set_precision``, keeping them valid) and
    outer rings oriented clockwise (``shapely.orient_polygons(exterior_cw=True)``), the
    winding d3-geo renderers need (stack.md §6); Leaflet does not care.
    """
    out = df.copy()
    geoms = np.asarray(out["geometry"].to_numpy(), dtype=object)
    simplified = np.empty(len(geoms), dtype=object)
    for level in pd.unique(out["level"]):
        mask = (out["level"] == level).to_numpy()
        simplified[mask] = shapely.coverage_simplify(geoms[mask], tolerance)
    grid = 10.0**-ndigits
    simplified = shapely.orient_polygons(shapely.set_precision(simplified, grid), exterior_cw=True)
    out["geometry"] = list(simplified)
    out["geojson"] = [_geojson_text(g, ndigits) for g in simplified]
    return out


def feature_collection(
    df: pd.DataFrame, properties: Sequence[str] = ("region", "name", "level")
) -> str:
    """Serialise a :func:`simplify_for_web` table as one compact GeoJSON FeatureCollection.

    Each feature has ``id`` = region and the listed ``properties``; geometries are the
    table's ``geojson`` texts, copied verbatim.
    """
    parts: list[str] = []
    for row in df.to_dict("records"):
        props = {k: _plain(row[k]) for k in properties}
        head = json.dumps(
            {"type": "Feature", "id": row["region"], "properties": props},
            ensure_ascii=False,
            separators=(",", ":"),
        )
        parts.append(head[:-1] + ',"geometry":' + str(row["geojson"]) + "}")
    return '{"type":"FeatureCollection","features":[' + ",".join(parts) + "]}"


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _require_columns(df: pd.DataFrame, expected: Iterable[str], path: Path) -> None:
    missing = [c for c in expected if c not in df.columns]
    if missing:
        raise SchemaError(
            f"line 1 (header): missing columns {missing}; expected {list(expected)}, "
            f"found {list(df.columns)}",
            path=str(path),
            line=1,
        )


def _read_csv(path: Path) -> pd.DataFrame:
    """Text cells of a CSV file (a UTF-8 byte order mark is accepted); header on line 1."""
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise FetchError(f"{path}: file not found") from exc
    except UnicodeDecodeError:
        open_text(path)  # names the line of the first byte that is not UTF-8
        raise DataError("text is not UTF-8", path=str(path)) from None
    except pd.errors.EmptyDataError:
        raise DataError("the file is empty: expected a header and rows", path=str(path), line=1) from None
    except pd.errors.ParserError as exc:
        message = str(exc).strip().splitlines()[0]
        found = re.search(r"line (\d+)", message)
        raise DataError(f"cannot parse as CSV ({message})", path=str(path),
                        line=int(found.group(1)) if found else None) from None


def _require_rows(df: pd.DataFrame, path: Path, what: str) -> None:
    if df.empty:
        raise DataError(f"the file has a header but no rows: expected {what}", path=str(path), line=2)


def _check_pattern(df: pd.DataFrame, col: str, pattern: str, path: Path, what: str) -> None:
    values = df[col].astype(str).str.strip()
    bad = ~values.str.fullmatch(pattern)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(f"column {col!r}: {values.iloc[i]!r} is not {what}", path=str(path), line=i + 2)


def _to_int(df: pd.DataFrame, col: str, path: Path) -> pd.Series:
    out = pd.to_numeric(df[col].str.strip(), errors="coerce")
    bad = out.isna() | (out != out.round())
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(
            f"column {col!r}: {df[col].iloc[i]!r} is not an integer", path=str(path), line=i + 2
        )
    return out.astype("int64")


def _to_float(df: pd.DataFrame, col: str, path: Path) -> pd.Series:
    out = pd.to_numeric(df[col].str.strip(), errors="coerce")
    bad = out.isna() | (out < 0)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(
            f"column {col!r}: {df[col].iloc[i]!r}; expected a number >= 0",
            path=str(path),
            line=i + 2,
        )
    return out.astype("float64")


def _check_codes(df: pd.DataFrame, cols: Sequence[str], path: Path) -> None:
    for col in cols:
        codes = df[col].str.strip()
        bad = ~codes.str.fullmatch(_CODE.pattern) | (codes.str.len() - 2 != df["level"])
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise DataError(
                f"column {col!r}: {codes.iloc[i]!r} is not a NUTS code of level "
                f"{df['level'].iloc[i]} (2 letters + level characters)",
                path=str(path),
                line=i + 2,
            )
        df[col] = codes


def read_nuts_names(path: Path | str) -> pd.DataFrame:
    """Read the stacked NUTS names table (NUTS 2013, 2016, 2021, 2024).

    Parameters
    ----------
    path:
        ``nuts_classification/nuts_names_2013_2016_2021_2024.csv`` (PROVENANCE §6).

    Returns
    -------
    pandas.DataFrame
        Columns ``nuts_version`` (int), ``region`` (the file's ``code``), ``level`` (int),
        ``country``, ``name`` (national) and ``name_latn``. Used to tell which NUTS version a
        code belongs to (:func:`clusterobs.core.nuts.detect_nuts_version`, methodology §5.3).

    Raises
    ------
    SchemaError
        When a column is missing (naming the file).
    DataError
        When a version or level is not an integer, or a code does not fit its level.
    """
    path = Path(path)
    df = _read_csv(path)
    _require_columns(df, ["nuts_version", "code", "level", "country", "name", "name_latn"], path)
    _require_rows(df, path, "the NUTS names (a header-only file would empty the regions table)")
    # content checks, so that swapped columns are refused: versions are years, levels 0-3,
    # codes NUTS codes of their level, countries the first two letters of the code, names text
    _check_pattern(df, "nuts_version", r"20\d\d", path, "a NUTS version (a year such as 2016)")
    _check_pattern(df, "level", r"[0-3]", path, "a NUTS level 0-3")
    df["nuts_version"] = _to_int(df, "nuts_version", path)
    df["level"] = _to_int(df, "level", path)
    _check_codes(df, ["code"], path)
    _check_pattern(df, "country", r"[A-Z]{2}", path, "a country code of two capital letters")
    other = (df["country"].str.strip() != df["code"].str[:2]).to_numpy()
    if other.any():
        i = int(np.flatnonzero(other)[0])
        raise DataError(f"column 'country': {df['country'].iloc[i]!r} is not the country of code "
                        f"{df['code'].iloc[i]!r}", path=str(path), line=i + 2)
    _check_pattern(df, "name", r".*[^\W\d_].*", path, "a region name (no letter in it)")
    df = df.rename(columns={"code": "region"})
    for col in ("country", "name", "name_latn"):
        df[col] = df[col].str.strip()
    return df[NAMES_COLUMNS].reset_index(drop=True)


def read_nuts_crosswalk(path: Path | str) -> pd.DataFrame:
    """Read the JRC NUTS-converter flow tables between NUTS versions.

    Parameters
    ----------
    path:
        ``nuts_classification/jrc_nuts_converter_crosswalks_2006_2024.csv.gz`` (PROVENANCE §6).

    Returns
    -------
    pandas.DataFrame
        Columns ``from_code, to_code, from_version, to_version, level, country`` (country name
        as in the file) and the flow weights ``areaKm, pop21, pop11, artif_surf18,
        artif_surf12, bu_vol`` (floats >= 0): one row per flow of area, population or built-up
        surface from a region of one version to a region of another, at levels 1-3.
        These are the weights ``w(f, t)`` of methodology §5.3.

    Raises
    ------
    SchemaError
        When a column is missing (naming the file and the columns expected).
    DataError
        When a version or level is not an integer, a weight is not a number >= 0, a code does
        not fit its level, or a flow occurs twice.
    """
    path = Path(path)
    df = _read_csv(path)
    _require_columns(df, CROSSWALK_COLUMNS, path)
    _require_rows(df, path, "the flows between NUTS versions")
    df = df[CROSSWALK_COLUMNS].copy()
    for col in ("from_version", "to_version", "level"):
        df[col] = _to_int(df, col, path)
    for col in CROSSWALK_WEIGHTS:
        df[col] = _to_float(df, col, path)
    _check_codes(df, ["from_code", "to_code"], path)
    df["country"] = df["country"].str.strip()
    dup = df.duplicated(["from_code", "to_code", "from_version", "to_version", "level"])
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise DataError(
            f"flow {df['from_code'].iloc[i]} -> {df['to_code'].iloc[i]} "
            f"({df['from_version'].iloc[i]} -> {df['to_version'].iloc[i]}) occurs twice",
            path=str(path),
            line=i + 2,
        )
    return df.reset_index(drop=True)


#: coarser detail levels of the web geometries: name -> (tolerance in degrees, decimals).
#: A screen pixel spans 360 / (256 * 2**zoom) degrees of longitude: 0.09 at zoom 4 (Europe
#: on a screen), 0.02 at zoom 6 (a country), so each tolerance stays under a pixel at the
#: zooms it serves (queries.detail_for_zoom). ``high`` is the stored geometry
#: (:func:`simplify_for_web`'s 0.002 degrees, 4 decimals).
DETAILS: dict[str, tuple[float, int]] = {"low": (0.08, 2), "medium": (0.02, 3)}


def detail_levels(df: pd.DataFrame) -> pd.DataFrame:
    """The coarser detail levels of stored web geometries.

    *df* has ``region``, ``level`` and ``geojson`` (the ``geometries`` table); the result has
    ``region``, ``level``, ``detail`` (a key of :data:`DETAILS`) and ``geojson``, one row per
    region and detail: every region keeps a geometry (a region smaller than the tolerance
    keeps its stored shape rather than vanishing). Each level is simplified as one coverage,
    as :func:`simplify_for_web` does, so neighbours keep shared borders.
    """
    parts = []
    if df.empty:
        return pd.DataFrame({"region": pd.Series(dtype=str), "level": pd.Series(dtype="int16"),
                             "detail": pd.Series(dtype=str), "geojson": pd.Series(dtype=str)})
    base = shapely.from_geojson(df["geojson"].tolist())
    for detail, (tolerance, ndigits) in DETAILS.items():
        out = df[["region", "level"]].copy()
        simplified = np.empty(len(base), dtype=object)
        for level in pd.unique(out["level"]):
            mask = (out["level"] == level).to_numpy()
            simplified[mask] = shapely.coverage_simplify(base[mask], tolerance)
        simplified = shapely.orient_polygons(shapely.set_precision(simplified, 10.0**-ndigits),
                                             exterior_cw=True)
        keep = shapely.is_empty(simplified) | shapely.is_missing(simplified)
        simplified[keep] = base[keep]
        out["detail"] = detail
        out["geojson"] = [_geojson_text(g, ndigits) for g in simplified]
        parts.append(out)
    return pd.concat(parts, ignore_index=True)

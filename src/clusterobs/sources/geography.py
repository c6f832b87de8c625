"""Geographies as tables: region, name, level, parent, country, version (and a geometry).

Every later step takes parents, countries and levels from this table, never from the shape
of a code. The readers here are the only places that know how a geography is published:

- NUTS (Eurostat): names from the NUTS names file; a NUTS code's parent is, by the NUTS
  regulation, the code without its last character (``DE21`` -> ``DE2`` -> ``DE``);
- US CBSAs: the county -> CBSA -> state lookup; a CBSA's parent is the state holding most of
  its employment (CBSAs cross state lines), the states' parent the nation ``US``;
- a user's geography: GeoJSON or GeoPackage features whose properties give ``region`` (or
  ``id``/``code``), ``name`` and optionally ``parent``, ``level`` and ``country``.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pandas as pd

from clusterobs.errors import DataError, SchemaError
from clusterobs.sources.generic import sniff_html
from clusterobs.sources.nace import read_csv_checked

REGION_COLUMNS = ["region", "nuts_version", "level", "country", "name", "parent"]
GEOMETRY_COLUMNS = ["region", "nuts_version", "level", "country", "name", "geojson"]
_ID_KEYS = ("region", "id", "code", "NUTS_ID", "geo")


def nuts_parents(regions: pd.DataFrame) -> pd.Series:
    """The parent of each NUTS region (NUTS regulation: the code less its last character)."""
    codes = regions["region"].astype(str)
    return codes.str[:-1].where(regions["level"].astype(int) > 0, None)


def cbsa_regions(path: Path, version: int) -> pd.DataFrame:
    """Nation, states and CBSAs from the county lookup (PROVENANCE §9)."""
    raw = read_csv_checked(path, ["st_code", "st_name", "cbsa_code", "cbsa_name", "co_emp"])
    raw = raw.fillna({"cbsa_code": "", "cbsa_name": "", "st_name": ""})
    raw = raw[raw["cbsa_code"].str.strip() != ""]
    raw = raw.assign(st_code=raw["st_code"].str.strip().str.zfill(2),
                     cbsa_code=raw["cbsa_code"].str.strip().str.split(".").str[0],
                     co_emp=pd.to_numeric(raw["co_emp"], errors="coerce").fillna(0))
    states = raw.drop_duplicates("st_code")
    principal = (raw.sort_values(["cbsa_code", "co_emp"], ascending=[True, False])
                 .drop_duplicates("cbsa_code"))
    rows = [{"region": "US", "level": 0, "name": "United States", "parent": None}]
    rows += [{"region": f"US-{r.st_code}", "level": 1, "name": r.st_name, "parent": "US"}
             for r in states.itertuples()]
    rows += [{"region": r.cbsa_code, "level": 2, "name": r.cbsa_name, "parent": f"US-{r.st_code}"}
             for r in principal.itertuples()]
    out = pd.DataFrame(rows).assign(nuts_version=version, country="US")
    return out[REGION_COLUMNS]


def _features_geojson(path: Path) -> list[dict[str, Any]]:
    try:
        data = json.loads(path.read_text("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(f"not a GeoJSON file ({exc.__class__.__name__}: {str(exc)[:80]})",
                        path=str(path)) from None
    features = data.get("features") if isinstance(data, dict) else None
    if not isinstance(features, list) or not features:
        raise SchemaError("the GeoJSON has no features: expected a FeatureCollection of regions",
                          path=str(path))
    return [{"properties": f.get("properties") or {}, "geometry": f.get("geometry")} for f in features]


def _gpkg_geometry(blob: bytes) -> dict[str, Any] | None:
    """A GeoPackage geometry blob (GP header + WKB) as a GeoJSON geometry."""
    import shapely
    from shapely.geometry import mapping

    if blob is None or blob[:2] != b"GP":
        return None
    flags = blob[3]
    envelope = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}.get((flags >> 1) & 0b111, 0)
    geom = shapely.from_wkb(blob[8 + envelope:])
    return dict(mapping(geom))


def _features_gpkg(path: Path) -> list[dict[str, Any]]:
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        with con:
            table, column = con.execute(
                "SELECT table_name, column_name FROM gpkg_geometry_columns LIMIT 1").fetchone()
            cur = con.execute(f'SELECT * FROM "{table}"')
            names = [d[0] for d in cur.description]
            rows = cur.fetchall()
    except (sqlite3.Error, TypeError) as exc:
        raise DataError(f"not a GeoPackage with a feature table ({exc})", path=str(path)) from None
    out = []
    for row in rows:
        record = dict(zip(names, row, strict=True))
        blob = record.pop(column)
        out.append({"properties": record, "geometry": _gpkg_geometry(blob)})
    if not out:
        raise SchemaError("the GeoPackage has no features", path=str(path))
    return out


def user_geography(path: Path, version: int = 1) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(regions, geometries) of a user's GeoJSON or GeoPackage file.

    Levels come from the ``level`` property or, when absent, the depth in the parent
    chain (a region without parent is level 0); the country is the ``country`` property or
    the root of the chain.
    """
    sniff_html(path)
    feats = _features_gpkg(path) if path.suffix.lower() == ".gpkg" else _features_geojson(path)
    rows = []
    for i, f in enumerate(feats, start=1):
        props = {str(k): v for k, v in f["properties"].items()}
        code = next((str(props[k]).strip() for k in _ID_KEYS if props.get(k) not in (None, "")), None)
        if code is None:
            raise SchemaError(f"feature {i} has no region code: expected a property "
                              f"{' or '.join(_ID_KEYS[:3])}", path=str(path))
        parent = props.get("parent")
        rows.append({"region": code, "name": str(props.get("name") or props.get("NAME_LATN") or code),
                     "parent": None if parent in (None, "") else str(parent).strip(),
                     "level": props.get("level", props.get("LEVL_CODE")),
                     "country": props.get("country", props.get("CNTR_CODE")),
                     "geojson": None if f["geometry"] is None else json.dumps(f["geometry"],
                                                                               separators=(",", ":"))})
    table = pd.DataFrame(rows)
    dup = table["region"].duplicated()
    if dup.any():
        raise SchemaError(f"region {table['region'][dup].iloc[0]!r} appears twice", path=str(path))
    known = set(table["region"])
    orphans = table["parent"].notna() & ~table["parent"].isin(known)
    if orphans.any():
        r = table[orphans].iloc[0]
        raise SchemaError(f"region {r['region']!r} names parent {r['parent']!r}, which is not a "
                          "feature of the file", path=str(path))
    parent = {r["region"]: r["parent"] for r in rows}

    def chain(code: str) -> list[str]:
        out = [code]
        while parent.get(out[-1]) is not None and len(out) < 20:
            out.append(str(parent[out[-1]]))
        return out

    chains = table["region"].map(chain)
    table["level"] = [int(str(r["level"])) if str(r["level"]).strip().isdigit() else len(c) - 1
                      for r, c in zip(rows, chains, strict=True)]
    table["country"] = [str(r["country"]) if r["country"] not in (None, "") else c[-1]
                        for r, c in zip(rows, chains, strict=True)]
    table["nuts_version"] = version
    geoms = table[table["geojson"].notna()]
    return table[REGION_COLUMNS], geoms[GEOMETRY_COLUMNS]


def plain_regions(codes: list[str], version: int, country: dict[str, str] | None = None,
                  level: int = 2) -> pd.DataFrame:
    """Regions of a table without geography: one level, names = codes, country as given."""
    country = country or {}
    return pd.DataFrame({"region": codes, "nuts_version": version, "level": level,
                         "country": [country.get(c, "") for c in codes], "name": codes,
                         "parent": None})[REGION_COLUMNS]

"""Write tables as CSV, Parquet or XLSX: the one writer behind exports and portal downloads."""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path

import pandas as pd

from clusterobs.errors import ClusterObsError

MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "parquet": "application/vnd.apache.parquet",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def with_provenance(frame: pd.DataFrame, about: dict[str, str] | None) -> pd.DataFrame:
    """*frame* with ``dataset`` and ``edition`` columns first (from *about*), so that every
    row of a download says where it comes from, whatever the format."""
    if not about:
        return frame
    out = frame.copy()
    for col in ("edition", "dataset"):
        if col in about and col not in out.columns:
            out.insert(0, col, about[col])
    return out


def table_bytes(frame: pd.DataFrame, fmt: str, about: dict[str, str] | None = None) -> bytes:
    """The table encoded as *fmt*; with *about* (dataset, edition, source, method, licence,
    ...) every row names its dataset and edition and an XLSX file gets a sheet ``about``."""
    frame = with_provenance(frame, about)
    if fmt == "csv":
        return frame.to_csv(index=False).encode("utf-8")
    buffer = io.BytesIO()
    if fmt == "parquet":
        frame.to_parquet(buffer, index=False)
    elif fmt == "xlsx":
        clean = frame.copy()
        for col in clean.columns:
            if str(clean[col].dtype) == "boolean":
                clean[col] = clean[col].astype(object)
        with pd.ExcelWriter(buffer) as writer:
            clean.to_excel(writer, index=False, sheet_name="data")
            if about:
                pd.DataFrame({"field": list(about), "value": list(about.values())}).to_excel(
                    writer, index=False, sheet_name="about")
    else:
        raise ClusterObsError(f"unknown format {fmt!r}: expected one of {', '.join(MEDIA_TYPES)}")
    return buffer.getvalue()


def write_table(frame: pd.DataFrame, path: Path, fmt: str, about: dict[str, str] | None = None) -> Path:
    """Write atomically: a temporary file in the same folder, then a rename."""
    data = table_bytes(frame, fmt, about)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)
    return path

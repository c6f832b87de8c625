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


def table_bytes(frame: pd.DataFrame, fmt: str) -> bytes:
    """The table encoded as *fmt*."""
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
        clean.to_excel(buffer, index=False, sheet_name="data")
    else:
        raise ClusterObsError(f"unknown format {fmt!r}: expected one of {', '.join(MEDIA_TYPES)}")
    return buffer.getvalue()


def write_table(frame: pd.DataFrame, path: Path, fmt: str) -> Path:
    """Write atomically: a temporary file in the same folder, then a rename."""
    data = table_bytes(frame, fmt)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)
    return path

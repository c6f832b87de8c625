"""Serve plotly.js from the installed plotly wheel: copied into the static vendor folder.

Nothing is downloaded: the file and its licence come from site-packages. The copy happens
when the app starts (and again when the installed version changes).
"""

from __future__ import annotations

import shutil
from importlib import metadata
from pathlib import Path


def plotly_sources() -> tuple[Path, Path | None] | None:
    """``plotly.min.js`` of the installed plotly wheel and its licence, or None if absent."""
    try:
        dist = metadata.distribution("plotly")
    except metadata.PackageNotFoundError:
        return None
    script = Path(str(dist.locate_file("plotly/package_data/plotly.min.js")))
    if not script.exists():
        return None
    licences = [f for f in dist.files or [] if f.name.upper().startswith("LICENSE")]
    licence = Path(str(dist.locate_file(licences[0]))) if licences else None
    return script, licence


def install_plotly(vendor_dir: Path) -> Path | None:
    """Copy plotly.js (and LICENSE) to ``vendor_dir/plotly/``; the script's path, or None."""
    found = plotly_sources()
    if found is None:
        return None
    script, licence = found
    target = vendor_dir / "plotly" / "plotly.min.js"
    if not target.exists() or target.stat().st_size != script.stat().st_size:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".tmp")
        shutil.copyfile(script, tmp)
        tmp.replace(target)
        if licence is not None:
            shutil.copyfile(licence, target.parent / "LICENSE.txt")
    return target

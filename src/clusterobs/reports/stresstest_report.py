"""The stress-test results as a PDF: scores, radar (matplotlib), evidence check, guidance.

Takes the plain results context built by the portal (``portal/stresstest/results.py``):
no store, no Django. ``render_html`` for checks, ``render_pdf`` for the download.
"""

from __future__ import annotations

import base64
import io
import math
from typing import Any

import jinja2

__all__ = ["radar_png", "render_html", "render_pdf"]


def radar_png(labels: list[str], values: list[float | None], benchmark: list[float | None] | None = None) -> bytes:
    """A 0-10 radar chart of the section scores (and the benchmark, dashed) as PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.projections.polar import PolarAxes

    n = len(labels)
    angles = [2 * math.pi * i / n for i in range(n)] + [0.0]
    fig, ax = plt.subplots(figsize=(5.6, 5.2), dpi=160, subplot_kw={"polar": True})
    assert isinstance(ax, PolarAxes)
    own = [v or 0.0 for v in values]
    ax.plot(angles, [*own, own[0]], color="#123a5a", linewidth=2, label="This policy")
    ax.fill(angles, [*own, own[0]], color="#123a5a", alpha=0.25)
    if benchmark and any(b is not None for b in benchmark):
        bench = [b or 0.0 for b in benchmark]
        ax.plot(angles, [*bench, bench[0]], color="#b35c00", linestyle="--", linewidth=1.5,
                label="Average of submitted responses")  # fmt: skip
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), fontsize=8, frameon=False, ncols=2)
    ax.set_theta_offset(math.pi / 2)
    ax.set_theta_direction(-1)
    ax.set_xticks(angles[:-1])
    ax.set_xticklabels([_wrap(label) for label in labels], fontsize=8.5)
    for tick, angle in zip(ax.get_xticklabels(), angles, strict=False):  # clear of the circle
        side = math.sin(angle)
        tick.set_horizontalalignment("left" if side > 0.1 else "right" if side < -0.1 else "center")
    ax.set_ylim(0, 10)
    ax.set_yticks([2, 4, 6, 8, 10])
    ax.set_yticklabels(["2", "4", "6", "8", "10"], fontsize=7, color="#4a4a4a")
    ax.tick_params(axis="x", pad=8)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight", pad_inches=0.1)
    plt.close(fig)
    return buf.getvalue()


def _wrap(text: str, width: int = 18) -> str:
    words, lines, line = text.split(), [], ""
    for w in words:
        if line and len(line) + len(w) + 1 > width:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}".strip()
    return "\n".join([*lines, line])


def _template() -> jinja2.Template:
    env = jinja2.Environment(loader=jinja2.PackageLoader("clusterobs.reports", "templates"),
                             autoescape=jinja2.select_autoescape(["html"]),
                             undefined=jinja2.StrictUndefined)  # fmt: skip
    env.filters["score"] = lambda v: "–" if v is None else f"{v:.1f}"
    return env.get_template("stresstest_report.html")


def render_html(ctx: dict[str, Any]) -> str:
    """The report as HTML with the radar chart embedded."""
    radar = ctx["radar"]
    png = radar_png(radar["labels"], radar["values"], radar["benchmark"])
    uri = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    return _template().render(**ctx, radar_uri=uri)


def render_pdf(ctx: dict[str, Any]) -> bytes:
    """The report as PDF bytes (WeasyPrint)."""
    from weasyprint import HTML

    return HTML(string=render_html(ctx)).write_pdf()  # type: ignore[no-any-return]

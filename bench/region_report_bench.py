"""Region report benchmark (issue 18): a region's PDF against the scoreboard report's PDF.

Timed on a built store (``CLUSTEROBS_STORE``'s default-dataset results, or the path given):
the first report of the process (cold: matplotlib and WeasyPrint imported on the way), then
the best of 3 for the data assembly, the HTML and the PDF of Lombardia (ITC4, the largest
report: 15 clusters, 8 years) and Braunschweig (DE91); the baseline is the Europe-wide
scoreboard report's PDF (the one issue 18 found taking 12 s), rendered in the same run.
Writes the ``region_report`` section of docs/benchmarks.md.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import best_of, machine, write_section
from clusterobs import config
from clusterobs.reports import region_report as rr
from clusterobs.reports import scoreboard_report
from clusterobs.sources import declarations
from clusterobs.store import queries, reader


def _report(store: Path, code: str, year: int) -> tuple[dict[str, Any], str, bytes]:
    with reader.connect(store) as con:
        region = next(r for r in queries.regions(con) if r["region"] == code)
        ctx = rr.assemble(con, region, scheme="eu-clusters", method="eco-classic", year=year, dataset="europe")
    return ctx, rr.render_html(ctx), rr.render_pdf(ctx)


def main(args: list[str]) -> dict[str, Any]:
    store = Path(args[0]) if args else config.results_path(declarations.default_id())
    line = machine()
    start = time.perf_counter()
    _report(store, "DE91", 2013)
    cold = time.perf_counter() - start
    out: dict[str, Any] = {"cold_first_report_s": round(cold, 2)}
    rows = []
    for code in ("ITC4", "DE91"):
        with reader.connect(store) as con:
            region = next(r for r in queries.regions(con) if r["region"] == code)
            t_data, ctx = best_of(lambda: rr.assemble(con, region, scheme="eu-clusters", method="eco-classic",  # noqa: B023
                                                      year=2013, dataset="europe"))
        t_html, _ = best_of(lambda: rr.render_html(ctx))  # noqa: B023
        t_pdf, pdf = best_of(lambda: rr.render_pdf(ctx))  # noqa: B023
        rows.append((code, t_data, t_html, t_pdf, len(pdf)))
        out[code] = {"assemble_s": round(t_data, 2), "html_s": round(t_html, 2), "pdf_s": round(t_pdf, 2)}
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        scoreboard_report.render(store, Path(tmp), formats=("pdf",))
        baseline = time.perf_counter() - start
    out["scoreboard_pdf_s"] = round(baseline, 2)
    worst = max(r[1] + r[3] for r in rows)
    table = "\n".join(f"| {c} | {d:.2f} s | {h:.2f} s | {p:.2f} s | {d + p:.2f} s | {n // 1024} KB |"
                      for c, d, h, p, n in rows)
    write_section("region_report", f"""## Region report (issue 18)

`python -m bench.region_report_bench [store]`: a region's report from the built European store,
best of 3 in one process (as a portal worker after its first report).

| region | data | HTML | PDF | data + PDF | PDF size |
|---|---|---|---|---|---|
{table}
| first report of a process (DE91, imports of matplotlib and WeasyPrint included) | | | | {cold:.2f} s | |
| Europe-wide scoreboard report PDF (baseline, same run) | | | | {baseline:.2f} s | |
| **ratio, slowest region report (data + PDF) to the baseline** | | | | **{worst / baseline:.2f}x** | |

A second request of the same report (region, filters, dataset, edition, language) is served
from the response cache without rendering (tests/portal/test_region_report.py).

Measured on {line}.""")
    out["ratio_to_scoreboard_pdf"] = round(worst / baseline, 2)
    out["machine"] = line
    return out


if __name__ == "__main__":
    print(main(sys.argv[1:]))

"""Entry point for spark-submit and managed Spark services (docs/deploy.md §7).

    spark-submit --master yarn --deploy-mode client deploy/spark_build.py --dataset fine

The Spark master is the one spark-submit (or the platform: Databricks, EMR, Dataproc) has
set; the build is ``clusterobs build --dataset NAME --engine spark`` otherwise. The driver
needs the clusterobs package and its store (``CLUSTEROBS_VAR``); the executors need nothing
but Spark (the table stages are Spark SQL compiled by Ibis, no Python UDFs), and the
hand-over folder (``CLUSTEROBS_SPARK_WORK``) on storage that the driver and executors share.
"""

from __future__ import annotations

import argparse
import json

from clusterobs import pipeline


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", required=True, help="dataset id (clusterobs data status)")
    args = parser.parse_args()
    report = pipeline.build(dataset=args.dataset, engine="spark", master="submit")
    print(json.dumps({"dataset": args.dataset, "rows": report.rows, "seconds": report.seconds}))


if __name__ == "__main__":
    main()

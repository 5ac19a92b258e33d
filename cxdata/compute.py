"""Where the heavy frames are computed (docs/scale-out.md): embedded Polars, or a Spark cluster through Ibis.

``MOMENTO_ENGINE`` unset, empty or ``polars`` — the default — keeps everything in this process. A Spark URL sends
the row-level steps (reading the tables, the contact frame, the customer-month panel) to Spark:

- ``sc://host:15002`` — a Spark Connect server (needs ``pyspark[connect]``);
- ``spark://host:7077``, ``yarn``, ``k8s://…`` — a cluster manager, this process being the driver;
- ``local[4]`` — Spark inside this process's machine, four cores (what the tests use, with ``local[2]``).

``MOMENTO_SPARK_DATA`` is the data directory (``$MOMENTO_DATA_DIR``) as the cluster sees it — a shared mount, or
the bucket the Parquet files are copied to (``s3a://bucket/momento``, ``gs://…``, ``abfss://…``: Spark's Hadoop
file systems, whose connector and credentials are the cluster's configuration). Unset, it is the local data
directory, which is right for ``local[…]`` and for clusters that mount it at the same path.

PySpark and Ibis are imported only when a Spark URL is set: the embedded path never loads them.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ibis.backends.pyspark import Backend

ENGINE = "MOMENTO_ENGINE"
SPARK_DATA = "MOMENTO_SPARK_DATA"
#: The values of ``MOMENTO_ENGINE`` that mean the embedded Polars engine.
EMBEDDED = ("", "polars")
#: How a Spark URL starts: Spark Connect, then the master URLs of ``spark-submit --master``.
SPARK_SCHEMES = ("sc://", "spark://", "local", "yarn", "k8s://", "mesos://")


def spark_url() -> str | None:
    """The Spark URL of ``MOMENTO_ENGINE``, or None for the embedded engine; anything else is refused
    (a typo must not fall back to Polars without a word)."""
    value = os.environ.get(ENGINE, "").strip()
    if value.lower() in EMBEDDED:
        return None
    if value.startswith(SPARK_SCHEMES):
        return value
    raise ValueError(f"{ENGINE}={value!r} is neither 'polars' nor a Spark URL (sc://…, spark://…, local[N], yarn, k8s://…)")


@functools.cache
def spark(url: str) -> Backend:
    """An Ibis connection to the Spark of ``url`` (one per process and URL). A session already running in this
    process with that master (one a test or a notebook configured) is used as it is; otherwise Spark's own
    configuration applies (``spark-defaults.conf``, ``PYSPARK_SUBMIT_ARGS``). Timestamps are wall-clock times
    without a zone, so the session works in UTC; results come back through Arrow."""
    import ibis
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.remote(url) if url.startswith("sc://") else SparkSession.builder.master(url)
    session = builder.appName("momento").getOrCreate()
    session.conf.set("spark.sql.session.timeZone", "UTC")
    session.conf.set("spark.sql.execution.arrow.pyspark.enabled", "true")  # frames come back as Arrow batches
    return ibis.pyspark.connect(session)


def spark_path(data_dir: Path, relative: Path) -> str:
    """Where Spark reads the file ``relative`` of the data directory ``data_dir`` (``MOMENTO_SPARK_DATA``)."""
    base = os.environ.get(SPARK_DATA, "").strip() or str(data_dir.resolve())
    return f"{base.rstrip('/')}/{relative.as_posix()}"

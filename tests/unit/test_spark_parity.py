"""The Spark path (``MOMENTO_ENGINE``, docs/scale-out.md) builds the same frames and fits the same models as the
embedded Polars path on the sample: the contact frame, the customer-month panel (every column, floats to 1e-9
relative), the experience model's coefficients and the churn model's γ with its interval.

One PySpark session in local mode for the module (two cores, four shuffle partitions, 2 GB for the driver, no
UI). Without Java or PySpark the module is skipped, or fails where the services are required (:mod:`tests.services`).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from polars.testing import assert_frame_equal

from cxdata import bootstrap, compute
from cxdata.catalog.store import Store
from cxdata.models.analysis import Analysis, Tables, analyse
from cxdata.settings import load_settings
from tests.services import unavailable

MASTER = "local[2]"
REL = 1e-9
# PySpark 4.0 converts results with a pandas keyword that pandas 3 deprecates; nothing to act on here.
pytestmark = pytest.mark.filterwarnings("ignore:The copy keyword is deprecated")


@pytest.fixture(scope="module")
def spark_master(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A local Spark session for the module; the Spark path finds it running (:func:`cxdata.compute.spark`)."""
    if shutil.which("java") is None:
        unavailable("Spark tests skipped: no Java; install it with 'apt-get install -y default-jre-headless'")
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        unavailable("Spark tests skipped: no PySpark; install requirements-test.txt")
    warehouse = tmp_path_factory.mktemp("spark-warehouse")
    session = (SparkSession.builder.master(MASTER).appName("momento-tests")
               .config("spark.driver.memory", "2g").config("spark.sql.shuffle.partitions", "4")
               .config("spark.ui.enabled", "false").config("spark.sql.warehouse.dir", str(warehouse))
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield MASTER
    compute.spark.cache_clear()
    session.stop()


@pytest.fixture(scope="module")
def spark_analysis(spark_master: str, sample_store: Store, sample_analysis: Analysis) -> Analysis:
    """The sample analysed with its frames built on Spark, under the settings of ``sample_analysis``."""
    settings = load_settings(sample_store)
    version = sample_store.active_version(bootstrap.SAMPLE_DATASET)
    assert version is not None
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(compute.ENGINE, spark_master)
        tables = Tables.from_store(sample_store, version.version_id)
        assert tables.remote is not None
        return analyse(tables, settings.params(), settings.churn_horizon_months)


def test_the_engine_is_polars_unless_a_spark_url_is_set(monkeypatch: pytest.MonkeyPatch):
    for embedded in ("", "polars", "Polars"):
        monkeypatch.setenv(compute.ENGINE, embedded)
        assert compute.spark_url() is None
    for url in ("sc://spark.internal:15002", "spark://head:7077", "local[4]", "yarn"):
        monkeypatch.setenv(compute.ENGINE, url)
        assert compute.spark_url() == url
    monkeypatch.setenv(compute.ENGINE, "duckdb")
    with pytest.raises(ValueError, match="MOMENTO_ENGINE"):
        compute.spark_url()


def test_spark_reads_the_files_where_the_cluster_sees_the_data_directory(monkeypatch: pytest.MonkeyPatch):
    relative = Path("datasets/sample/interactions-1.parquet")
    monkeypatch.delenv(compute.SPARK_DATA, raising=False)
    assert compute.spark_path(Path("/srv/momento"), relative) == "/srv/momento/datasets/sample/interactions-1.parquet"
    monkeypatch.setenv(compute.SPARK_DATA, "s3a://cx-bucket/momento/")
    assert compute.spark_path(Path("/srv/momento"), relative) == \
        "s3a://cx-bucket/momento/datasets/sample/interactions-1.parquet"


def test_the_contact_frame_is_the_polars_one(spark_analysis: Analysis, sample_analysis: Analysis):
    assert spark_analysis.contacts is not None and sample_analysis.contacts is not None
    assert_frame_equal(spark_analysis.contacts, sample_analysis.contacts, rel_tol=REL)


def test_the_panel_is_the_polars_one(spark_analysis: Analysis, sample_analysis: Analysis):
    assert spark_analysis.panel is not None and sample_analysis.panel is not None
    assert "expected_negatives_prev" in spark_analysis.panel.columns  # p̂ computed on Spark
    assert_frame_equal(spark_analysis.panel.sort("customer_id", "month"),
                       sample_analysis.panel.sort("customer_id", "month"), rel_tol=REL)


def test_the_models_are_the_polars_ones(spark_analysis: Analysis, sample_analysis: Analysis):
    spark, polars = spark_analysis, sample_analysis
    assert spark.experience is not None and polars.experience is not None
    assert spark.experience.fit.design.names == polars.experience.fit.design.names
    np.testing.assert_allclose(spark.experience.fit.coef, polars.experience.fit.coef, rtol=REL)
    assert spark.churn is not None and polars.churn is not None
    for name in ("gamma", "naive_gamma", "gamma_without_volume", "gamma_without_exclusions"):
        np.testing.assert_allclose(getattr(spark.churn, name), getattr(polars.churn, name), rtol=REL, err_msg=name)
    assert (spark.churn.n_rows, spark.churn.events, spark.churn.excluded) == \
        (polars.churn.n_rows, polars.churn.events, polars.churn.excluded)

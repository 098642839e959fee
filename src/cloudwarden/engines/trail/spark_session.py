"""The Spark session the trail engine runs on (``--engine spark``): built once per process.

pyspark is an optional extra (``pip install 'cloudwarden[spark]'``) and needs a Java runtime (17 or
later for pyspark 4); both are checked before a JVM is started, so a missing piece is one clear
error with a hint instead of a Py4J trace. The session is set up the way the store and the rules
expect: UTC, Parquet timestamps written as INT64 microseconds without a time zone (what DuckDB
writes), NULL-propagating ``size``, and non-ANSI casts (a value that does not convert is NULL, as
with DuckDB's ``try_cast``; the rules never rely on a cast raising). No I/O besides the JVM.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from pathlib import Path
from typing import Any

from cloudwarden.core.errors import InputError

DEFAULT_MASTER = "local[*]"
APP_NAME = "cloudwarden-trail"
# Settings every session gets; ``config`` (from the caller) may add or override Spark options.
BASE_CONFIG: dict[str, str] = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.ansi.enabled": "false",
    "spark.sql.legacy.sizeOfNull": "false",
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
    "spark.sql.parquet.compression.codec": "zstd",
    "spark.sql.sources.partitionColumnTypeInference.enabled": "false",  # account ids stay text
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.ui.showConsoleProgress": "false",
}
_session: Any = None


def require_spark() -> None:
    """Raise InputError unless pyspark is importable and a Java runtime can be found."""
    if importlib.util.find_spec("pyspark") is None:
        raise InputError("--engine spark needs pyspark, which is not installed",
                         hint="pip install 'cloudwarden[spark]' (pyspark 4 and pyarrow), or use --engine duckdb")
    for module in ("pyarrow", "pandas"):  # pyspark's Arrow exchange (toArrow, mapInArrow) needs both
        if importlib.util.find_spec(module) is None:
            raise InputError(f"--engine spark needs {module}, which is not installed",
                             hint="pip install 'cloudwarden[spark]'")
    java_home = os.environ.get("JAVA_HOME")
    if java_home and os.path.isfile(os.path.join(java_home, "bin", "java")):
        return
    if shutil.which("java") is None:
        raise InputError("--engine spark needs a Java runtime (Java 17 or later), and none was found",
                         hint="install OpenJDK 17 (apt-get install openjdk-17-jre-headless) or set JAVA_HOME")


def get_session(master: str | None = None, config: dict[str, str] | None = None) -> Any:
    """The process's SparkSession (created on first use with ``master``).

    With ``master`` None, Spark's own default applies: the ``--master`` of ``spark-submit`` when the
    command runs under it, else local[*].
    """
    global _session
    require_spark()
    if _session is not None:
        return _session
    from pyspark.sql import SparkSession

    submitted = "PYSPARK_GATEWAY_PORT" in os.environ  # started by spark-submit, which set the Python up
    if not submitted and (master is None or master.startswith("local")):
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # Python workers: this interpreter
        _worker_path()
    builder = SparkSession.builder.appName(APP_NAME)
    if master:
        builder = builder.master(master)  # else spark-submit's --master, or its default local[*]
    for key, value in {**BASE_CONFIG, **(config or {})}.items():
        builder = builder.config(key, value)
    try:
        _session = builder.getOrCreate()
    except Exception as exc:  # Py4J / JVM start failures come in many types
        raise InputError(f"cannot start Spark (master {master or DEFAULT_MASTER}): {str(exc).splitlines()[0]}",
                         hint="check --master and the Java runtime (JAVA_HOME); see docs/trail.md") from exc
    _session.sparkContext.setLogLevel("ERROR")
    _quiet_codegen(_session)
    return _session


def _worker_path() -> None:
    """Put this cloudwarden on the local Python workers' path (the JVM passes PYTHONPATH on to them)."""
    import cloudwarden

    root = str(Path(cloudwarden.__file__).resolve().parents[1])
    paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    if root not in paths:
        os.environ["PYTHONPATH"] = os.pathsep.join([root, *paths])


def _quiet_codegen(session: Any) -> None:
    """Hide the stack traces Spark logs when a generated class passes Java's 64 KB method limit.

    A hunt's one scan tests every rule, so its expression is large; Spark then evaluates it
    without generated code, which is the intended fallback and not an error worth a page of trace.
    """
    try:
        jvm = session.sparkContext._jvm
        off = jvm.org.apache.logging.log4j.Level.OFF
        for name in ("org.apache.spark.sql.catalyst.expressions.codegen",
                     "org.apache.spark.sql.execution.WholeStageCodegenExec"):
            jvm.org.apache.logging.log4j.core.config.Configurator.setLevel(name, off)
    except Exception:  # noqa: BLE001 - only logging; a different log backend keeps its defaults
        return


def use_session(session: Any) -> None:
    """Adopt an existing SparkSession (tests, notebooks) instead of building one."""
    global _session
    _session = session
    _quiet_codegen(session)

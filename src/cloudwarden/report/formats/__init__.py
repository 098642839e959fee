"""One module per report format, each with a module-level `REPORTER` (see report/base.py)."""

# Two commands on a fresh machine: `make demo` and `make test`. Both create .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_STAMP := $(VENV)/.installed-demo

.PHONY: demo test install clean bench chromium screenshot lock audit

# `make test` needs the test tools, the demo's server (end-to-end tests run it) and Spark (the trail engine's
# --engine spark tests, grouped on one xdist worker by --dist loadgroup); `make demo` only the server.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,demo,spark]'
	touch $(STAMP) $(DEMO_STAMP)

$(DEMO_STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[demo]'
	touch $(DEMO_STAMP)

install: $(STAMP)

demo: $(DEMO_STAMP)
	$(BIN)/cloudwarden demo --out demo-report

test: $(STAMP) chromium
	$(BIN)/python -m pytest -n auto --dist loadgroup -q -p no:cacheprovider

# The HTML report is tested in Debian's chromium (driven by playwright, which cannot download its
# own browser here): installed where it is missing, so that the browser tests always run.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the HTML report tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# Refresh the README's screenshot of the demo report's overview (kept by the browser test).
screenshot: $(STAMP) chromium
	$(BIN)/python -m pytest -q -p no:cacheprovider tests/e2e/test_demo_reports.py -k chromium
	mkdir -p docs/img && cp build/test-artifacts/report-overview.png docs/img/report-overview.png

bench: $(STAMP)
	$(BIN)/python bench/scan.py --scale 1

clean:
	rm -rf $(VENV) demo-report .pytest_cache build/test-artifacts

# A lock of the whole dependency set (test and demo extras included), resolved with uv.
lock:
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/python -m uv pip compile pyproject.toml --extra test --extra demo --extra spark --python-version 3.11 -q --no-header -o requirements.lock

# pip-audit over the locked set; needs PyPI's JSON API or OSV (not reachable from every machine).
# --strict: a dependency that could not be looked up fails the audit instead of passing unaudited.
audit:
	$(BIN)/python -m pip install --quiet pip-audit
	$(BIN)/python -m pip_audit -r requirements.lock --no-deps --disable-pip --strict

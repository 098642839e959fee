# Two commands on a fresh machine: `make demo` and `make test`. Both create .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test install clean bench

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/cloudwarden demo --out demo-report

test: $(STAMP)
	$(BIN)/python -m pytest -n auto -q -p no:cacheprovider

bench: $(STAMP)
	$(BIN)/python bench/scan.py --scale 1

clean:
	rm -rf $(VENV) demo-report .pytest_cache

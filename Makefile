# Two commands on a fresh machine with Python 3.11: `make demo` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install demo screenshot test test-slow clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## Run the whole pipeline on the bundled express-delivery example; outputs go to out/.
demo: $(STAMP)
	$(BIN)/staffing plan configs/express-week.yaml --out out/express-week

## The README's picture of the report (docs/img/report.png), regenerated from a fresh demo plan;
## needs headless Chromium (sudo tools/install-chromium).
screenshot: demo
	./tools/screenshot out/express-week/report.html docs/img/report.png

## The default test suite (slow tests excluded). It never installs system packages: the report's
## browser test runs when headless Chromium is installed (`sudo tools/install-chromium`), else
## it is skipped with a message (in CI, where .ci/run installs it, it must run).
test: $(STAMP)
	$(BIN)/python -m pytest -q

test-slow: $(STAMP)
	$(BIN)/python -m pytest -q -m slow

clean:
	rm -rf $(VENV) out .pytest_cache .hypothesis

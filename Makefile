# Tradepost — the two commands a newcomer needs are `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PORT   ?= 8000
# Two pytest workers: the suite is sized for a 2-core machine.
PYTEST_WORKERS ?= 2
# mypy's Django plugin imports the settings: a DATABASE_URL (never connected to) keeps
# them from starting the embedded PostgreSQL, TRADEPOST_DEV gives them a SECRET_KEY.
MYPY_ENV := DATABASE_URL=postgres://mypy@127.0.0.1:1/unused TRADEPOST_DEV=1

.PHONY: install demo test lint format browser bench constraints clean

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

## Start the platform on embedded defaults; prints the URLs and a login.
demo: install
	$(BIN)/tradepost demo --port $(PORT)

## Install everything, then lint and run the whole suite against real services.
test: install browser lint
	$(BIN)/python -m tradepost.devservices run -- \
		$(BIN)/python -m pytest --ds=tradepost.settings_test -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(MYPY_ENV) $(BIN)/mypy

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## Debian's Chromium for the browser tests (installed when missing and root).
browser:
	@bash scripts/ensure-chromium

## Every benchmark, then one table of their headline figures (bench/README.md).
## A benchmark that fails is reported and the others still run.
bench: install
	-$(BIN)/python bench/provisioning.py
	-$(BIN)/python bench/imports.py
	-$(BIN)/python bench/orders.py
	-$(BIN)/python bench/crud.py
	-$(BIN)/python bench/reads.py
	-$(BIN)/python bench/signup_http.py
	-$(BIN)/python bench/search.py
	-$(BIN)/python bench/stock.py
	-$(BIN)/python bench/settlement.py
	-$(BIN)/python bench/stock_monthly.py
	-$(BIN)/python bench/soak.py
	$(BIN)/python bench/summary.py

constraints: install
	$(BIN)/python -m pip freeze --exclude-editable > constraints.txt.new
	@(echo "# Every package of the environment, pinned: pip install -c constraints.txt -e '.[dev]'"; \
	  echo "# Regenerate with: make constraints"; grep -v '^-e' constraints.txt.new) > constraints.txt
	@rm constraints.txt.new

clean:
	rm -rf $(VENV) var/static

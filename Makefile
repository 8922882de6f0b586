# Chexian — two commands on a fresh machine: `make run` and `make test`.
# Everything else here is what those two are made of, plus the checks CI runs.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum requirements.lock pyproject.toml | cksum | cut -d' ' -f1)
PG_URL ?= postgres://postgres@127.0.0.1:5432/chexian

.PHONY: run test install unit e2e lint check test-postgres bench-search bench-data bench-data-small messages lock clean help
.PHONY: bench-web bench-web-quick

help:
	@echo "make run            set up (venv, locked deps, migrate, demo data) and serve on 127.0.0.1:8000"
	@echo "make test           set up and run every test (unit, then the browser test)"
	@echo "make check          ruff, Django system checks, makemigrations --check"
	@echo "make test-postgres  the unit suite against PostgreSQL ($(PG_URL))"
	@echo "make bench-search   the 2-million-vehicle search benchmark (bench/search_bench.py)"
	@echo "make bench-web      pages under load with gunicorn and wrk against /healthz/ (bench/web_bench.py; bench-web-quick)"
	@echo "make bench-data     the group-scale data set on PostgreSQL, 40 stores x 10,000 vehicles x 5 years (bench/dataset.py)"
	@echo "make bench-data-small  the same at 2 x 1,000 x 2, verified against the app (CI)"
	@echo "make messages       refresh and compile translations"
	@echo "make lock           re-resolve requirements.lock from pyproject.toml (needs network)"

$(STAMP):
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/chexian run

test: install unit e2e

unit: install
	$(BIN)/pytest

# The browser test runs in its own pytest process: Playwright's event loop
# breaks database tests that run after it in the same process.
e2e: install
	$(BIN)/pytest e2e

lint: install
	$(BIN)/ruff check .

check: lint
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run

test-postgres: install
	DATABASE_URL=$(PG_URL) CHEXIAN_REQUIRE_POSTGRES=1 $(BIN)/pytest

bench-search: install
	$(BIN)/python bench/search_bench.py

# Each report against its hand-written SQL floor and DuckDB (bench/report_floors.py); PostgreSQL,
# DATABASE_URL default .../chexian_floor_bench (rebuilt unless FLOORS_ARGS=--keep). CI: FLOORS_ARGS="--quick --max-ratio 10".
.PHONY: bench-floors bench-floors-quick
bench-floors: install
	$(BIN)/python bench/report_floors.py $(FLOORS_ARGS)

bench-floors-quick: install
	$(BIN)/python bench/report_floors.py --quick $(FLOORS_ARGS)

# Needs PostgreSQL (DATABASE_URL, default .../chexian_web_bench) and wrk (apt-get install wrk).
bench-web: install
	$(BIN)/python bench/web_bench.py

bench-web-quick: install
	$(BIN)/python bench/web_bench.py --quick

# DATABASE_URL chooses the database (default postgres://postgres@127.0.0.1:5432/chexian_bench_group);
# it is dropped and rebuilt, and only if it carries the script's marker table or is empty.
bench-data: install
	$(BIN)/python bench/dataset.py

bench-data-small: install
	$(BIN)/python bench/dataset.py --small

messages: install
	cd chexian && ../$(BIN)/python ../manage.py makemessages -l zh_Hans --no-location --no-obsolete && ../$(BIN)/python ../manage.py compilemessages -l zh_Hans

lock:
	$(PYTHON) -m pip install --quiet uv && $(PYTHON) -m uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes -o requirements.lock

clean:
	rm -rf $(VENV) var/static

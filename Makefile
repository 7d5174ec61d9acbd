# Two commands on a fresh machine: `make run` (serve the demo) and `make test` (the whole suite).
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: install run test lint format check clean bench bench-pg

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Cần Python 3.11 ($(PYTHON)); đặt PYTHON=/đường/dẫn/python3.11"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_frameworks
	$(PY) manage.py make_dev_certificate
	$(PY) manage.py load_demo
	SITE_URL=$${SITE_URL:-http://127.0.0.1:$(PORT)} $(PY) manage.py runserver 127.0.0.1:$(PORT)

# pytest exits non-zero on any failure, and with 5 when it collected no test at all.
test: install
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

format: install
	$(VENV)/bin/ruff format .

check: install
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) db.sqlite3 media staticfiles .pytest_cache .hypothesis

# SQLite, nothing to set up. lighthouse.py needs Chromium (CHROME_PATH, default /usr/bin/chromium) and npm
# (it installs Lighthouse into VALIDATORS_DIR, default ~/.cache/cchc-validators, when missing).
bench: install
	$(PY) benchmarks/criteria.py
	$(PY) benchmarks/scoresheet.py
	$(PY) benchmarks/export.py --units 1000
	$(PY) benchmarks/wire.py
	$(PY) benchmarks/documents.py
	$(PY) benchmarks/lighthouse.py

# PostgreSQL on 127.0.0.1 (or DATABASE_URL): each script makes a throw-away database and drops it.
# chaos.py breaks only servers of its own (PostgreSQL on 5439, Redis on 6389), started and removed by it.
bench-pg: install
	$(PY) benchmarks/save_profile.py --saves 400
	$(PY) benchmarks/ranking.py --units 10000
	$(PY) benchmarks/ranking.py --units 10000 --live
	$(PY) benchmarks/deadline_rush.py --users 200 --seconds 120 --workers 2
	$(PY) benchmarks/chaos.py --users 200 --workers 2
	$(PY) benchmarks/wire.py --postgres
	$(PY) benchmarks/documents.py --postgres
	$(PY) benchmarks/lighthouse.py --postgres

# Two commands: `make run` and `make test`. Everything else is for CI and deployments.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
REDIS_URL ?= redis://127.0.0.1:6379/15
PYTEST_FLAGS ?= --durations=20 -q
# test processes; loadgroup: the tests of one xdist_group (a sweep over one large world, or the integration tests
# sharing the broker's Redis database) run on one process, the rest spread as usual
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
XDIST := -n $(JOBS) --dist loadgroup
# keep compiled (and pytest's assertion-rewritten) modules in __pycache__ (ignored by git) even where the shell says
# not to: each test process otherwise compiles every module of the project and its tests again (about 10 s a run)
unexport PYTHONDONTWRITEBYTECODE

.PHONY: install run migrate seed test test-postgres test-e2e check-deploy bench clean

# the packages are installed by uv (from PyPI, into the environment by its pip), bytecode compiled on both CPUs: about
# 10 s where pip took 35; pip does it where uv cannot (a machine reaching packages only through pip's own configuration)
UV_VERSION := 0.13.9
PIP_INSTALL = $(VENV)/bin/uv pip install -q --python $(PY) --compile-bytecode $(1) || $(VENV)/bin/pip install -q $(1)

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q uv==$(UV_VERSION) || true
	$(call PIP_INSTALL,-r requirements-dev.txt)
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

run: seed
	$(PY) manage.py runserver 127.0.0.1:8000

test: install
	$(PY) -m pytest tests --ignore=tests/integration --ignore=tests/e2e $(XDIST) $(PYTEST_FLAGS)

# the integration tests, like the browser tests below, on the schema made from the models (--nomigrations): each of
# them empties the database after it (a transactional test) and makes what it needs, and the suite before them has run
# every migration on PostgreSQL
test-postgres: install
	DATABASE_URL=$(PG_URL) $(PY) -m pytest tests --ignore=tests/integration --ignore=tests/e2e $(XDIST) $(PYTEST_FLAGS)
	DATABASE_URL=$(PG_URL) TEST_BROKER_URL=$(REDIS_URL) $(PY) -m pytest tests/integration --nomigrations $(XDIST) $(PYTEST_FLAGS)

# one live server, test database and Chromium per xdist process; the schema made from the models (--nomigrations: a
# migration run costs each process about 25 s of CPU, and `make test` already runs every migration and checks that none
# is missing), so every browser test starts from the same empty database with the points programs (tests/e2e/conftest.py)
test-e2e: install
	$(PY) -m pytest tests/e2e --nomigrations $(XDIST) $(PYTEST_FLAGS)

# stand-ins for what a deployment provides: secrets, a host, its services (never connected to by the check), and a font
# file to embed (reportlab's own Vera)
DEPLOY_SERVICES := DATABASE_URL=postgres://app@db.example.com:5432/gifts CELERY_BROKER_URL=redis://redis.example.com:6379/0 CACHE_URL=redis://redis.example.com:6379/2
check-deploy: install
	DJANGO_SETTINGS_MODULE=config.settings.production $(DEPLOY_SERVICES) DJANGO_SECRET_KEY=$$(printf 'x%.0s' $$(seq 1 60))-check DJANGO_ALLOWED_HOSTS=example.com LOGISTICS_WEBHOOK_SECRET=$$(printf 'w%.0s' $$(seq 1 40)) SMS_BACKEND=tests.gateway_stand_in.GatewayStandIn STATEMENT_PDF_FONT=$$($(PY) -c 'import pathlib, reportlab; print(pathlib.Path(reportlab.__file__).parent / "fonts" / "Vera.ttf")') $(PY) manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) db.sqlite3* var staticfiles

# Redemption throughput on PostgreSQL (docs/benchmarks.md): its own scratch database, figures and ratios to a same-run baseline;
# the HTTP load comes from wrk (Debian's package, installed here when missing) or else locust.
BENCH_FLAGS ?= --orders 2000
bench: install
	$(call PIP_INSTALL,-r requirements-load.txt)
	command -v wrk >/dev/null || (apt-get install -y -qq wrk >/dev/null 2>&1) || echo "no wrk: the HTTP scenarios use locust"
	DATABASE_URL=$(PG_URL) $(PY) bench/redemption.py $(BENCH_FLAGS)

"""tests/integration runs against real PostgreSQL and Redis only (`make test-postgres`).

Every test here is marked `postgres` and fails — never skips — on another database, so a
misconfigured CI run cannot pass by silently testing nothing.
"""
import os
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items):
    for item in items:
        if Path(item.path).resolve().is_relative_to(HERE):
            item.add_marker(pytest.mark.postgres)


@pytest.fixture(scope="session", autouse=True)
def _require_postgresql():
    if connection.vendor != "postgresql":
        pytest.fail(
            f"tests/integration needs PostgreSQL, but this run uses {connection.vendor}; "
            "run `make test-postgres` (DATABASE_URL=postgres://...)",
            pytrace=False,
        )


@pytest.fixture(scope="session")
def broker_url() -> str:
    """The Redis broker of the integration tests (TEST_BROKER_URL, e.g. redis://127.0.0.1:6379/15)."""
    url = os.environ.get("TEST_BROKER_URL", "")
    if not url:
        pytest.fail("TEST_BROKER_URL is not set; run `make test-postgres` (TEST_BROKER_URL=redis://...)", pytrace=False)
    return url


def worker_database_url() -> str:
    """The URL of the database pytest-django created (test_<name>), for subprocesses (workers, commands)."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"])
    host = f"{db['HOST'] or ''}:{db['PORT']}" if db["PORT"] else db["HOST"] or ""
    return f"postgres://{credentials}@{host}/{quote(db['NAME'])}"

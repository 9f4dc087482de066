"""The scratch PostgreSQL database and Django set-up every benchmark runs in.

DATABASE_URL only names the server: a benchmark drops and creates its own database on it, migrates it, sets Django
up against it inside the process, and drops it again at the end unless asked to keep it.
"""
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent


def scratch_url(server_url: str, db_name: str) -> str:
    parts = urlsplit(server_url)
    if parts.scheme not in {"postgres", "postgresql"}:
        sys.exit(f"DATABASE_URL must point at PostgreSQL, not {parts.scheme or 'nothing'}")
    return urlunsplit(parts._replace(path=f"/{db_name}"))


def recreate_database(server_url: str, db_name: str, *, drop_only: bool = False) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(db_name)))
        if not drop_only:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db_name)))


def pg_version() -> str:
    from django.db import connection

    return ".".join(str(part) for part in divmod(connection.pg_version, 10000))


@contextmanager
def django_on_scratch_database(db_name: str, *, keep: bool = False, sqlite_fallback: bool = False) -> Iterator[str]:
    """Create and migrate `db_name` on DATABASE_URL's server, set Django up on it in this process, yield what it is.

    Without DATABASE_URL and with `sqlite_fallback`, a SQLite file in a temporary directory stands in.
    """
    server_url = os.environ.get("DATABASE_URL", "")
    with tempfile.TemporaryDirectory(prefix=f"{db_name}-") as workdir:
        env = os.environ | {
            "DJANGO_SETTINGS_MODULE": "config.settings.base", "DJANGO_DEBUG": "false", "LOG_LEVEL": "WARNING",
            "MEDIA_ROOT": str(Path(workdir) / "media"), "PYTHONPATH": str(ROOT),
        }
        env.pop("CELERY_BROKER_URL", None)
        if server_url or not sqlite_fallback:
            env["DATABASE_URL"] = scratch_url(server_url, db_name)
            recreate_database(server_url, db_name)
            where = f"PostgreSQL {db_name}"
        else:
            env.pop("DATABASE_URL", None)
            env["SQLITE_PATH"] = str(Path(workdir) / "bench.sqlite3")
            where = "SQLite (temporary file)"
        try:
            subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
            os.environ.update(env)
            import django

            django.setup()
            yield where
        finally:
            if "django.db" in sys.modules:
                sys.modules["django.db"].connections.close_all()
            if server_url and not keep:
                recreate_database(server_url, db_name, drop_only=True)


def insert_series(model, template, varying: dict[str, str], count: int, params: dict) -> None:
    """Insert `count` rows of `model` in one `INSERT … SELECT … FROM generate_series(1, count) AS g`: each column takes
    `template`'s value (as its field saves it) unless `varying` gives SQL of the series value g for it (`%%` is modulo:
    the statement has parameters; `params` names the others it uses), """
    from django.db import connection

    columns, values = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(field.column)
        if field.column in varying:
            values.append(varying[field.column])
        else:
            params[field.column] = field.get_db_prep_save(getattr(template, field.attname), connection)
            values.append(f"%({field.column})s")
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) "
                       f"SELECT {', '.join(values)} FROM generate_series(1, {count}) AS g", params)


def sql_array(values) -> str:
    """A PostgreSQL array literal of the texts `values` (`ARRAY['a', 'b']`), for the SQL of a seeded column."""
    return "ARRAY[" + ", ".join(f"'{value}'" for value in values) + "]"


def served(client, url: str) -> tuple[float, object, list[dict]]:
    """The page as the client's user gets it: seconds, the response and the queries it ran."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        began = time.perf_counter()
        response = client.get(url)
        seconds = time.perf_counter() - began
    assert response.status_code == 200, (url, response.status_code, response.content[:300])
    return seconds, response, queries.captured_queries


def explained(sql: str, repeat: int) -> tuple[float, str]:
    """The best execution time of `sql` under EXPLAIN (ANALYZE), in ms, and that run's plan."""
    from django.db import connection

    best = None
    for _ in range(repeat):
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
            plan = "\n".join(row[0] for row in cursor.fetchall())
        ms = float(re.search(r"Execution Time: ([\d.]+) ms", plan).group(1))
        if best is None or ms < best[0]:
            best = (ms, plan)
    return best


def suppliers_with_gifts(count: int, *, now, gift_name: str, order_state: str):
    """`count` suppliers with a gift each (bulk inserts), a GoTone member, and an unsaved order of the first gift by that
    member in `order_state`, the template of the orders a benchmark seeds (`insert_series`): (suppliers, gifts, order)."""
    from core.models import Program, User
    from points.models import Member, RedemptionOrder
    from suppliers.models import Category, Gift, Supplier

    made = Supplier.objects.bulk_create([
        Supplier(name=f"基准礼品商{n:04d}有限公司", credit_code=f"9133{n:014d}", contact_name="张经理", contact_phone=f"139{n:08d}",
                 applied_at=now) for n in range(count)
    ])
    category, _ = Category.objects.get_or_create(code="tea", defaults={"name": "茶叶"})
    gifts = Gift.objects.bulk_create([
        Gift(supplier=s, sku=f"SKU-{s.pk}", name=gift_name.format(pk=s.pk), category=category, market_price=100, settlement_price=45,
             created_at=now) for s in made
    ])
    user = User.objects.create(username="bench-member", role="member", password="!")
    member = Member.objects.create(user=user, program=Program.objects.get(code=Program.GOTONE), name="会员", phone="13800138000")
    template = RedemptionOrder(
        member=member, gift=gifts[0], supplier=made[0], program=member.program, quantity=1, fulfilment="warehouse",
        points_unit_price=1000, points_cost=1000, settlement_unit_price=45, settlement_amount=45, recipient_name="刘洋",
        recipient_phone="13812341234", address="浙江省杭州市", state=order_state, placed_at=now, expires_at=now,
    )
    return made, gifts, template

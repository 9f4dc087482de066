"""A supplier's order list (`/logistics/orders/`) on PostgreSQL: the query of its first page and of a deep one, as the
view runs it, under EXPLAIN ANALYZE, with the rows each page lists checked against plain SQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/order_pages.py --orders 22000

DATABASE_URL only names the server: the run drops and creates its own scratch database (--db-name), migrates it,
seeds it with bulk inserts (generate_series), measures, and drops it again (--keep-db keeps it). Each page is asked
for as the supplier's user is served (the view, its filter form, its template); the query that reads the page's rows
is captured and run again under EXPLAIN (ANALYZE), best of --repeat. Checks: the page lists the orders plain SQL
gives for it (the same filters, order and window), each with its own latest parcel.
"""
import argparse
import os
import re
import sys
import time
from datetime import datetime, timedelta, timezone as dt_timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.scratch import (  # noqa: E402
    django_on_scratch_database, explained, insert_series, pg_version, served, sql_array, suppliers_with_gifts,
)

PER_PAGE = 20
STATES = ["handed_over", "shipped", "delivered", "completed", "delivery_failed", "returned"]
PAGES = ["", "?page=500", "?fulfilment=warehouse&page=300", "?state=delivered&page=100"]


def seed(*, orders: int) -> None:
    """Two suppliers, nine orders in ten the first one's, a third of them dropship; one parcel per order and a second
    (a re-delivery) for one in seven."""
    from django.db import connection, transaction
    from django.db.models import Max, Min

    from core.models import User
    from logistics.models import Shipment
    from points.models import RedemptionOrder
    from suppliers.models import SupplierMembership

    now = datetime(2026, 10, 1, tzinfo=dt_timezone.utc)
    start = now - timedelta(days=60)
    with transaction.atomic():
        made, gifts, template = suppliers_with_gifts(2, now=now, gift_name="龙井茶礼盒 {pk}", order_state="shipped")
        user = User.objects.create(username="bench-supplier", role="supplier_admin", password="!")
        SupplierMembership.objects.create(user=user, supplier=made[0])
        states = sql_array(STATES)
        owner = "(CASE WHEN g %% 10 = 0 THEN 1 ELSE 0 END)"
        varying = {  # column → SQL of the series value g (%% is modulo: the statement has parameters)
            "number": "'RO' || lpad(g::text, 12, '0')",
            "gift_id": f"{gifts[0].pk} + {owner}", "supplier_id": f"{made[0].pk} + {owner}",
            "fulfilment": "(CASE WHEN g %% 3 = 0 THEN 'dropship' ELSE 'warehouse' END)",
            "state": f"({states})[1 + g %% {len(STATES)}]",
            "placed_at": "%(start)s::timestamptz + (g %% 5184000) * interval '1 second'",
        }
        insert_series(RedemptionOrder, template, varying, orders, {"start": start})
        ids = RedemptionOrder.objects.aggregate(first=Min("pk"), last=Max("pk"))
        first, last = ids["first"], ids["last"]
        assert last - first + 1 == orders, "the orders' ids are not one run"
        parcel = Shipment(order_id=first, supplier=made[0], kind="warehouse", quantity=1, created_at=now, state="shipped",
                          recipient_name="刘洋", recipient_phone="13812341234", address="浙江省杭州市")
        parcels = {
            "order_id": f"{first} - 1 + g", "supplier_id": f"{made[0].pk} + {owner}",
            "kind": "(CASE WHEN g %% 3 = 0 THEN 'dropship' ELSE 'warehouse' END)",
            "created_at": "%(start)s::timestamptz + (g %% 5184000) * interval '1 second' + interval '1 hour'",
        }
        insert_series(Shipment, parcel, parcels, orders, {"start": start})
        again = {**parcels, "order_id": f"{first} - 1 + g * 7", "supplier_id": f"{made[0].pk} + (CASE WHEN g * 7 %% 10 = 0 THEN 1 ELSE 0 END)",
                 "created_at": "%(start)s::timestamptz + (g * 7 %% 5184000) * interval '1 second' + interval '3 days'"}
        insert_series(Shipment, parcel, again, orders // 7, {"start": start})
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE points_redemptionorder, logistics_shipment, suppliers_gift")


def expected_rows(query: str) -> list[tuple[str, int | None]]:
    """(number, latest own parcel's id) of the page's orders, by plain SQL."""
    from django.db import connection

    params = dict(part.split("=") for part in query.lstrip("?").split("&") if part)
    page = int(params.pop("page", 1))
    where = " AND ".join(f"o.{name} = %({name})s" for name in params) or "true"
    with connection.cursor() as cursor:
        cursor.execute(f"""
            SELECT o.number, (SELECT s.id FROM logistics_shipment s WHERE s.order_id = o.id AND s.replacement_for_id IS NULL
                                AND s.send_back_for_id IS NULL ORDER BY s.created_at DESC, s.id DESC LIMIT 1)
            FROM points_redemptionorder o JOIN suppliers_supplier p ON p.id = o.supplier_id
            WHERE p.name = %(supplier)s AND {where} ORDER BY o.placed_at DESC, o.id DESC LIMIT {PER_PAGE} OFFSET {(page - 1) * PER_PAGE}
        """, params | {"supplier": "基准礼品商0000有限公司"})
        return cursor.fetchall()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=22_000, help="orders seeded (default 22000, nine in ten the supplier's)")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each EXPLAIN ANALYZE; the best counts (default 5)")
    parser.add_argument("--plans", action="store_true", help="print each page query's plan")
    parser.add_argument("--db-name", default="bench_order_pages")
    parser.add_argument("--keep-db", action="store_true", help="leave the scratch database for inspection")
    args = parser.parse_args()
    began = time.monotonic()
    with django_on_scratch_database(args.db_name, keep=args.keep_db):
        seed(orders=args.orders)
        from django.test import Client
        from django.utils import translation

        from core.models import User

        client = Client()
        client.force_login(User.objects.get(username="bench-supplier"))
        print(f"supplier order pages benchmark, {datetime.now(dt_timezone.utc):%Y-%m-%d %H:%M} UTC: {os.cpu_count()} CPUs, "
              f"PostgreSQL {pg_version()}, load average {os.getloadavg()[0]:.2f}; {args.orders} orders; "
              f"seeded in {time.monotonic() - began:.0f} s; best of {args.repeat}")
        problems = []
        with translation.override("zh-hans"):
            for query in PAGES:
                served(client, f"/logistics/orders/{query}")  # warm
                seconds, response, queries = served(client, f"/logistics/orders/{query}")
                html = response.content.decode()
                page_queries = [q["sql"] for q in queries if "points_redemptionorder" in q["sql"] and "LIMIT" in q["sql"]]
                ms, plan = explained(page_queries[-1], args.repeat)
                numbers = re.findall(r'data-number="([^"]+)"', html)
                links = re.findall(r'href="/logistics/shipments/(\d+)/"', html)
                expected = expected_rows(query)
                if numbers != [number for number, _ in expected] or [int(x) for x in links] != [s for _, s in expected if s]:
                    problems.append(f"{query or 'page 1'}: rows differ from plain SQL")
                print(f"{query or '(page 1)':34} page query {ms:7.2f} ms (EXPLAIN ANALYZE)   page served {seconds * 1000:6.1f} ms   "
                      f"{len(queries)} queries   {len(numbers)} rows")
                if args.plans:
                    print(plan)
        print(f"checks: {'ok' if not problems else '; '.join(problems)}; total {time.monotonic() - began:.0f} s")
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())

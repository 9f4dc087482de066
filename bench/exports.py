"""List downloads on PostgreSQL: the staff's order list (`/member/order-admin/export.csv|xlsx`) of N orders, against a
baseline from the same run: the same rows fetched with a plain cursor and written with csv.writer, and with openpyxl in
write-only mode.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/exports.py --orders 20000

DATABASE_URL only names the server: the run drops and creates its own scratch database (--db-name), migrates it,
seeds it with bulk inserts (generate_series), measures, and drops it again (--keep-db keeps it). The download is
asked for as a staff user's request is served (the view, its filter form and its response, read to the last byte);
each figure is the best of --repeat runs. Targets: each download of the seeded orders under TARGET_SECONDS; checks:
the download has a row for every order and the header the page names.
"""
import argparse
import csv
import io
import os
import sys
import time
from datetime import datetime, timedelta, timezone as dt_timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.scratch import django_on_scratch_database, insert_series, pg_version, suppliers_with_gifts  # noqa: E402

TARGET_SECONDS = 10.0
STATES = ["confirmed", "handed_over", "shipped", "delivered", "completed", "cancelled", "expired", "returned"]


def seed(*, orders: int, suppliers: int) -> None:
    """`suppliers` suppliers with a gift each, and `orders` orders spread over them, states and two months."""
    from django.db import connection, transaction

    from core.models import User
    from points.models import RedemptionOrder

    now = datetime(2026, 10, 1, tzinfo=dt_timezone.utc)
    with transaction.atomic():
        made, gifts, template = suppliers_with_gifts(suppliers, now=now, gift_name="龙井茶礼盒 {pk}", order_state="confirmed")
        User.objects.create(username="bench-operator", role="operator", password="!")
        states = "ARRAY[" + ", ".join(f"'{state}'" for state in STATES) + "]"
        varying = {  # column → SQL of the series value g (%% is modulo: the statement has parameters)
            "number": "'RO' || lpad(g::text, 12, '0')",
            "gift_id": f"{gifts[0].pk} + g %% {suppliers}", "supplier_id": f"{made[0].pk} + g %% {suppliers}",
            "quantity": "1 + g %% 3", "points_cost": "1000 * (1 + g %% 3)",
            "state": f"({states})[1 + g %% {len(STATES)}]",
            "placed_at": "%(start)s::timestamptz + (g %% 5184000) * interval '1 second'",
        }
        insert_series(RedemptionOrder, template, varying, orders, {"start": now - timedelta(days=60)})
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE points_redemptionorder, suppliers_gift, suppliers_supplier")


BASELINE_SQL = """
SELECT o.number, g.sku, g.name, s.name, o.quantity, o.points_cost, o.state, o.placed_at
FROM points_redemptionorder o JOIN suppliers_gift g ON g.id = o.gift_id JOIN suppliers_supplier s ON s.id = o.supplier_id
ORDER BY o.placed_at DESC, o.id DESC
"""
HEADERS = ["订单号", "SKU", "礼品", "礼品商", "数量", "积分", "状态", "下单时间"]


def baseline(file_format: str) -> tuple[float, int]:
    """The order rows fetched with a plain cursor and written as they come (a state as its code, a time as its text in
    the portal's time zone): csv.writer into UTF-8, or an openpyxl write-only workbook. Seconds and bytes."""
    import openpyxl
    from django.db import connection
    from django.utils import timezone

    began = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(BASELINE_SQL)
        rows = cursor.fetchall()
    zone = timezone.get_current_timezone()
    if file_format == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(HEADERS)
        writer.writerows([*row[:7], f"{row[7].astimezone(zone):%Y-%m-%d %H:%M}"] for row in rows)
        content = out.getvalue().encode("utf-8-sig")
    else:
        book = openpyxl.Workbook(write_only=True)
        sheet = book.create_sheet(title="sheet")
        sheet.append(HEADERS)
        for row in rows:
            sheet.append([*row[:7], f"{row[7].astimezone(zone):%Y-%m-%d %H:%M}"])
        out = io.BytesIO()
        book.save(out)
        content = out.getvalue()
    return time.perf_counter() - began, len(content)


def download(file_format: str) -> tuple[float, float, bytes]:
    """The staff's order download as a request is served: seconds to its first byte and to its last, and its bytes."""
    from django.test import RequestFactory
    from django.utils import translation

    from core.models import User
    from points.views_operator import order_admin_export

    request = RequestFactory().get(f"/member/order-admin/export.{file_format}")
    request.user = User.objects.get(username="bench-operator")
    with translation.override("zh-hans"):
        began = time.perf_counter()
        response = order_admin_export(request, file_format=file_format)
        if response.streaming:
            chunks = iter(response.streaming_content)
            first = next(chunks, b"")
            first_byte = time.perf_counter() - began
            content = first + b"".join(chunks)
        else:
            first_byte = time.perf_counter() - began
            content = response.content
        seconds = time.perf_counter() - began
    assert response.status_code == 200, content[:300]
    return first_byte, seconds, content


def rows_of(file_format: str, content: bytes) -> list[list]:
    import openpyxl

    if file_format == "csv":
        return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    return [list(row) for row in openpyxl.load_workbook(io.BytesIO(content), read_only=True).active.iter_rows(values_only=True)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=20_000, help="orders seeded and downloaded (default 20000)")
    parser.add_argument("--suppliers", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=2, help="runs of each figure; the best counts (default 2)")
    parser.add_argument("--db-name", default="bench_exports")
    parser.add_argument("--keep-db", action="store_true", help="leave the scratch database for inspection")
    args = parser.parse_args()
    began = time.monotonic()
    with django_on_scratch_database(args.db_name, keep=args.keep_db):
        seed(orders=args.orders, suppliers=args.suppliers)
        print(f"list downloads benchmark, {datetime.now(dt_timezone.utc):%Y-%m-%d %H:%M} UTC: {os.cpu_count()} CPUs, PostgreSQL {pg_version()}, "
              f"Python {sys.version.split()[0]}, load average {os.getloadavg()[0]:.2f}; {args.orders} orders of {args.suppliers} suppliers; "
              f"seeded in {time.monotonic() - began:.0f} s; best of {args.repeat}")
        problems, met = [], True
        for file_format in ("csv", "xlsx"):
            base, base_bytes = min(baseline(file_format) for _ in range(args.repeat))
            runs = [download(file_format) for _ in range(args.repeat)]
            first_byte, seconds, content = min(runs, key=lambda run: run[1])
            rows = rows_of(file_format, content)
            if len(rows) != args.orders + 1 or rows[0] != HEADERS:
                problems.append(f"{file_format}: {len(rows) - 1} rows of {args.orders}, header {rows[0]}")
            met = met and seconds < TARGET_SECONDS
            print(f"{file_format:4}  baseline (plain cursor, {'csv.writer' if file_format == 'csv' else 'openpyxl write-only'}) "
                  f"{base:6.2f} s ({args.orders / base:8,.0f} rows/s, {base_bytes / 1e6:5.1f} MB)   "
                  f"download {seconds:6.2f} s ({args.orders / seconds:8,.0f} rows/s, {len(content) / 1e6:5.1f} MB, first byte at "
                  f"{first_byte:5.2f} s)   {seconds / base:5.2f}x baseline   target < {TARGET_SECONDS:.0f} s "
                  f"{'met' if seconds < TARGET_SECONDS else 'MISSED'}")
        print(f"checks: {'ok' if not problems else '; '.join(problems)}; total {time.monotonic() - began:.0f} s")
    return 0 if not problems and met else 1


if __name__ == "__main__":
    sys.exit(main())

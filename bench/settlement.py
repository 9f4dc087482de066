"""Statement generation on PostgreSQL: a month of delivered lines across many suppliers, against plain SQL doing the
same work (claiming the events, writing the lines and the totals) in one transaction, measured in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/settlement.py            # 1,000,000 lines
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/settlement.py --scale 0.1

Seeding is set-based (generate_series). The baseline writes into its own copies of the statement tables (same
columns and indexes), so it can run before and after the product's generation on the same events; its better
time is the baseline. The target is
generation ≤ 1.5 × the baseline. Checks: every order claimed once and the totals equal SUM(settlement_amount).
"""
import argparse
import os
import sys
import time
from datetime import date, datetime, timezone as dt_timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.scratch import django_on_scratch_database, insert_series, pg_version, suppliers_with_gifts  # noqa: E402

TARGET_RATIO = 1.5
OCTOBER = date(2026, 10, 1)


def seed(*, lines: int, suppliers: int) -> None:
    """`suppliers` suppliers with a gift each and `lines` delivered October orders spread over them."""
    from django.db import connection, transaction

    from points.models import RedemptionOrder

    now = datetime(2026, 10, 1, tzinfo=dt_timezone.utc)
    with transaction.atomic():
        made, gifts, template = suppliers_with_gifts(suppliers, now=now, gift_name="礼盒", order_state="delivered")
        varying = {  # column → SQL of the series value g (%% is modulo: the statement has parameters)
            "number": "'RO' || lpad(g::text, 12, '0')",
            "gift_id": f"{gifts[0].pk} + g %% {suppliers}", "supplier_id": f"{made[0].pk} + g %% {suppliers}",
            "settlement_amount": "(g %% 500 + 1) * 0.37", "settlement_unit_price": "(g %% 500 + 1) * 0.37",
            "delivered_at": "%(start)s::timestamptz + (g %% 2592000) * interval '1 second'",
            "delivery_recorded_at": "%(start)s::timestamptz + (g %% 2592000) * interval '1 second'",
        }
        insert_series(RedemptionOrder, template, varying, lines, {"start": datetime(2026, 9, 30, 16, 0, tzinfo=dt_timezone.utc)})
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE points_redemptionorder, suppliers_gift, suppliers_supplier")


BASELINE = """
CREATE TABLE base_statement (LIKE settlement_statement INCLUDING ALL);
CREATE TABLE base_line (LIKE settlement_statementline INCLUDING ALL);
CREATE TABLE base_version (LIKE settlement_statementversion INCLUDING ALL);
INSERT INTO base_statement (supplier_id, month, version, payable, generated_at, deemed_confirmed, dispute_reason, invoice_number,
        payment_reference, collection_reference, receivable, state)
    SELECT DISTINCT o.supplier_id, %(month)s::date, 1, 0, now(), false, '', '', '', '', false, 'draft'
    FROM points_redemptionorder o WHERE o.delivery_recorded_at < %(cutoff)s;
INSERT INTO base_line (statement_id, version, section, source_kind, source_id, order_number, sku, quantity, amount, recorded_at,
        contact, description, reference, note, message_id, message_params)
    SELECT st.id, 1, 'delivery', 'order', o.id, o.number, g.sku, o.quantity, o.settlement_amount, o.delivery_recorded_at,
           substr(o.recipient_phone, 1, 3) || '****' || substr(o.recipient_phone, 8, 4), '', '', '', '', NULL
    FROM points_redemptionorder o JOIN base_statement st ON st.supplier_id = o.supplier_id AND st.month = %(month)s::date
    JOIN suppliers_gift g ON g.id = o.gift_id
    WHERE o.delivery_recorded_at < %(cutoff)s
      AND NOT EXISTS (SELECT 1 FROM base_line l WHERE l.source_kind = 'order' AND l.source_id = o.id);
INSERT INTO base_version (statement_id, number, deliveries, returns, extra_costs, adjustments, carried_forward, payable, line_count,
        created_at, bank_name, account_name, account_number, pdf, pdf_sha256, reason, pdf_error, pdf_requeues)
    SELECT statement_id, 1, SUM(amount), 0, 0, 0, 0, SUM(amount), COUNT(*), now(), '', '', '', '', '', '', '', 0
    FROM base_line GROUP BY statement_id;
UPDATE base_statement s SET payable = v.payable FROM base_version v WHERE v.statement_id = s.id
"""


def baseline(cutoff: datetime) -> float:
    """Plain SQL doing the generation's work in one transaction, into copies of the statement tables made with
    `LIKE … INCLUDING ALL` (same columns, indexes and constraints, logged like ours), dropped afterwards."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("BEGIN")
        began = time.perf_counter()
        for statement in filter(str.strip, BASELINE.split(";")):
            cursor.execute(statement, {"month": OCTOBER, "cutoff": cutoff})
        cursor.execute("COMMIT")
        seconds = time.perf_counter() - began
        cursor.execute("DROP TABLE base_statement, base_line, base_version")
    return seconds


def generate() -> tuple[float, object]:
    from django.utils import timezone

    from settlement.services import generation

    began = time.perf_counter()
    run = generation.generate_now(month=OCTOBER, actor=None, now=timezone.now())
    return time.perf_counter() - began, run


def check(lines: int) -> list[str]:
    from django.db.models import Count, Sum

    from points.models import RedemptionOrder
    from settlement.models import StatementLine, StatementVersion

    problems = []
    claimed = StatementLine.objects.aggregate(n=Count("id"), distinct=Count("source_id", distinct=True), total=Sum("amount"))
    expected = RedemptionOrder.objects.aggregate(total=Sum("settlement_amount"))["total"]
    versions = StatementVersion.objects.aggregate(total=Sum("payable"))["total"]
    if claimed["n"] != lines or claimed["distinct"] != lines:
        problems.append(f"claimed {claimed['n']} lines ({claimed['distinct']} distinct) of {lines}")
    if not claimed["total"] == expected == versions:
        problems.append(f"totals differ: lines {claimed['total']}, orders {expected}, versions {versions}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000, help="delivered lines in the month (default 1000000)")
    parser.add_argument("--suppliers", type=int, default=500)
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies --lines (e.g. 0.1 for a quick run)")
    parser.add_argument("--db-name", default="bench_settlement")
    parser.add_argument("--keep-db", action="store_true", help="leave the scratch database for inspection")
    args = parser.parse_args()
    lines = max(args.suppliers, int(args.lines * args.scale))
    began = time.monotonic()
    with django_on_scratch_database(args.db_name, keep=args.keep_db):
        from settlement.services import generation

        seed(lines=lines, suppliers=args.suppliers)
        cutoff = generation.cutoff_of(OCTOBER)
        print(f"settlement benchmark, {datetime.now(dt_timezone.utc):%Y-%m-%d %H:%M} UTC: {os.cpu_count()} CPUs, PostgreSQL {pg_version()}, "
              f"Python {sys.version.split()[0]}, load average {os.getloadavg()[0]:.2f}; {lines} delivered lines, {args.suppliers} suppliers, "
              f"{generation.CHUNK} suppliers per transaction at most; seeded in {time.monotonic() - began:.0f} s")
        before = baseline(cutoff)
        seconds, run = generate()
        after = baseline(cutoff)
        base = min(before, after)
        problems = check(lines)
        ratio = seconds / base
        print(f"baseline (plain SQL, one transaction)  {before:7.2f} s before, {after:7.2f} s after → {base:7.2f} s "
              f"({lines / base:,.0f} lines/s)")
        print(f"generate_month ({run.statements_created} statements)   {seconds:7.2f} s ({lines / seconds:,.0f} lines/s)   "
              f"{ratio:4.2f}x baseline   target <= {TARGET_RATIO}x {'met' if ratio <= TARGET_RATIO else 'MISSED'}")
        print(f"checks: {'ok' if not problems else '; '.join(problems)}; total {time.monotonic() - began:.0f} s")
    return 0 if not problems and ratio <= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())

"""Statement PDF rendering: time and peak memory of `settlement.pdf.render_statement` on a statement of
--lines lines, with the ratio to a same-run baseline that writes the same rows with plain reportlab
`canvas.drawString` calls (no platypus, no tables).

    .venv/bin/python bench/statement_pdf.py                     # SQLite in a temporary directory, 10 000 lines
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/statement_pdf.py --lines 10000

Without DATABASE_URL the run migrates a SQLite database in a temporary directory; with it (PostgreSQL) it
drops and creates its own scratch database (--db-name) on that server and drops it at the end. Seeding is
bulk inserts: one supplier, one statement, one version with its section totals, and the lines spread over
the five sections. The render is timed without tracing (best of --repeat), then repeated under tracemalloc
for the Python peak; ru_maxrss is read before and after the first render. Exit status 1 when the two
renders differ, the extracted page count is wrong, or a target is missed.
"""
import argparse
import gc
import hashlib
import os
import resource
import sys
import time
import tracemalloc
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.scratch import django_on_scratch_database  # noqa: E402

SHANGHAI = ZoneInfo("Asia/Shanghai")
TARGET_SECONDS = 3.0
TARGET_MB = 150.0
SHARES = (("delivery", 0.80), ("return", 0.10), ("extra_cost", 0.07), ("adjustment", 0.03))  # the rest: one carried forward
COST_KINDS = ("storage", "redelivery", "return_freight", "handling")
OUTCOMES = ("resellable", "defective", "transit_damage")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=10_000, help="statement lines to seed (default 10000)")
    parser.add_argument("--repeat", type=int, default=3, help="timed renders; the best is reported (default 3)")
    parser.add_argument("--db-name", default="bench_statement_pdf", help="scratch PostgreSQL database (with DATABASE_URL)")
    parser.add_argument("--keep-db", action="store_true", help="keep the scratch database")
    parser.add_argument("--out", default="", help="also write the rendered PDF here")
    return parser.parse_args(argv)


# --- seeding ---------------------------------------------------------------------------------------


def seed(lines: int):
    """One supplier, one statement of October 2026 with one version, and `lines` lines over the five sections."""
    from django.db import transaction

    from settlement.models import SECTION_TOTALS, Statement, StatementLine, StatementVersion
    from suppliers.models import Supplier

    now = datetime(2026, 11, 1, 2, 0, tzinfo=SHANGHAI)
    start = datetime(2026, 10, 1, 8, 0, tzinfo=SHANGHAI)
    with transaction.atomic():
        supplier = Supplier.objects.create(name="华茂礼品有限公司", credit_code="91330106MA2BENCH01", contact_name="张经理",
                                           contact_phone="13900009999", applied_at=now)
        statement = Statement.objects.create(supplier=supplier, month=date(2026, 10, 1), generated_at=now)
        rows, totals, n = [], {field: Decimal("0.00") for field in SECTION_TOTALS.values()}, 0
        for section, share in SHARES:
            for _ in range(int((lines - 1) * share)):
                rows.append(line_of(statement.pk, section, n, start + timedelta(seconds=250 * n)))
                n += 1
        while n < lines:
            rows.append(line_of(statement.pk, "carried_forward", n, start))
            n += 1
        for row in rows:
            totals[SECTION_TOTALS[row.section]] += row.amount
        StatementLine.objects.bulk_create(rows, batch_size=2000)
        version = StatementVersion.objects.create(
            statement=statement, number=1, created_at=now, issued_at=now, line_count=lines, payable=sum(totals.values()),
            bank_name="中国工商银行杭州西湖支行", account_name="华茂礼品有限公司", account_number="1202020109900012345", **totals,
        )
    return version


def line_of(statement_id: int, section: str, n: int, recorded_at: datetime):
    from settlement.models import StatementLine

    kind, amount, description, sku, quantity = {
        "delivery": ("order", Decimal("180.00") * (1 + n % 3), "", f"TEA-LJ-{n % 97:03d}", 1 + n % 3),
        "return": ("return", Decimal("-180.00"), OUTCOMES[n % 3], f"TEA-LJ-{n % 97:03d}", -1),
        "extra_cost": ("extra_cost", Decimal("-12.50"), f"{COST_KINDS[n % 4]} 2026-10-{1 + n % 28:02d}", "", 1),
        "adjustment": ("adjustment", Decimal("35.00") if n % 2 else Decimal("-20.00"), f"ADJ202610{n:06d}", "", 0),
        "carried_forward": ("statement", Decimal("-1234.56"), "2026-09-01", "", 0),
    }[section]
    return StatementLine(
        statement_id=statement_id, version=1, section=section, source_kind=kind, source_id=n + 1, order_number=f"RO20261015{n:08d}",
        sku=sku, quantity=quantity, amount=amount, recorded_at=recorded_at, contact=f"138****{n % 10000:04d}", description=description,
    )


# --- measurements ----------------------------------------------------------------------------------


def baseline(version) -> bytes:
    """The same rows as plain strings, one drawString per cell, new page every 60 rows: no platypus, no tables."""
    import io

    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen.canvas import Canvas

    from settlement.models import StatementLine

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=1, pageCompression=1)
    x_of = (42, 108, 196, 270, 300, 358, 461)
    y = 800
    lines = (StatementLine.objects.filter(statement_id=version.statement_id, version__lte=version.number).order_by("section", "recorded_at", "id")
             .values_list("recorded_at", "order_number", "sku", "quantity", "contact", "description", "amount").iterator(chunk_size=2000))
    canvas.setFont("STSong-Light", 8)
    for recorded_at, order_number, sku, quantity, contact, description, amount in lines:
        cells = (f"{recorded_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M}", order_number, sku, str(quantity), contact, description,
                 f"{amount:,.2f}")
        for x, text in zip(x_of, cells):
            canvas.drawString(x, y, text)
        y -= 12.5
        if y < 60:
            canvas.showPage()
            canvas.setFont("STSong-Light", 8)
            y = 800
    canvas.save()
    return buffer.getvalue()


def timed(render, version, repeat: int) -> tuple[float, bytes]:
    best, output = float("inf"), b""
    for _ in range(repeat):
        gc.collect()
        began = time.perf_counter()
        output = render(version)
        best = min(best, time.perf_counter() - began)
    return best, output


def traced_peak(render, version) -> float:
    gc.collect()
    tracemalloc.start()
    try:
        render(version)
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def page_count(pdf: bytes) -> tuple[int, str]:
    import io

    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return len(reader.pages), reader.pages[-1].extract_text()


def main(argv=None) -> int:
    args = parse_args(argv)
    began = time.monotonic()
    with django_on_scratch_database(args.db_name, keep=args.keep_db, sqlite_fallback=True) as where:
        return measure(args, where=where, setup_seconds=time.monotonic() - began)


def measure(args, *, where: str, setup_seconds: float) -> int:
    from django.db import connection

    from settlement.pdf import render_statement

    version = seed(args.lines)
    print(f"statement PDF bench: {args.lines} lines, {where} ({connection.vendor}), {os.cpu_count()} CPUs, "
          f"load {os.getloadavg()[0]:.1f}, python {sys.version.split()[0]}; setup {setup_seconds:.0f} s")

    gc.collect()
    rss_before = maxrss_mb()
    cold_began = time.perf_counter()
    first = render_statement(version)
    cold = time.perf_counter() - cold_began
    rss_delta = maxrss_mb() - rss_before
    seconds, second = timed(render_statement, version, args.repeat)
    peak = traced_peak(render_statement, version)
    base_seconds, base_pdf = timed(baseline, version, args.repeat)
    base_peak = traced_peak(baseline, version)
    pages, last_page = page_count(second)
    if args.out:
        Path(args.out).write_bytes(second)

    ratio = seconds / base_seconds
    identical = first == second
    footer_ok = f"Page {pages} of {pages}" in last_page
    print(f"{'':28} {'seconds':>8} {'peak MB':>8} {'pages':>6} {'KiB':>7}")
    print(f"{'baseline (drawString)':28} {base_seconds:8.2f} {base_peak:8.1f} {'':>6} {len(base_pdf) / 1024:7.0f}")
    print(f"{'render_statement':28} {seconds:8.2f} {peak:8.1f} {pages:6d} {len(second) / 1024:7.0f}")
    print(f"ratio to baseline: time {ratio:.2f}×, tracemalloc peak {peak / base_peak:.2f}×; first (cold) render {cold:.2f} s, "
          f"ru_maxrss +{rss_delta:.1f} MB during it")
    print(f"deterministic: {'yes' if identical else 'NO'} (sha256 {hashlib.sha256(second).hexdigest()[:16]}…); "
          f"last page footer {'found' if footer_ok else 'MISSING'}")
    memory = max(peak, rss_delta)
    verdicts = {f"≤ {TARGET_SECONDS:.0f} s": seconds <= TARGET_SECONDS, f"≤ {TARGET_MB:.0f} MB peak": memory <= TARGET_MB}
    for target, met in verdicts.items():
        print(f"target {target}: {'met' if met else 'missed'}")
    return 0 if identical and footer_ok and all(verdicts.values()) else 1


if __name__ == "__main__":
    sys.exit(main())

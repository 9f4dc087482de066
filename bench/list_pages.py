"""The return, statement and complaint lists on PostgreSQL (portal and API): the query of a first page and of deep
ones, as the views run them, under EXPLAIN ANALYZE, with the rows each page lists checked against the whole list.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/list_pages.py --list returns
    DATABASE_URL=... .venv/bin/python bench/list_pages.py --list statements --rows 5000
    DATABASE_URL=... .venv/bin/python bench/list_pages.py --list complaints --plans
    DB_JIT=server DATABASE_URL=... .venv/bin/python bench/list_pages.py --list complaints  # with the server's `jit`

DATABASE_URL only names the server: the run drops and creates its own scratch database (--db-name), migrates it,
seeds it with bulk inserts (generate_series), measures, and drops it again (--keep-db keeps it). Each page is asked
for as a staff user is served (the view or the API's list, its filters, its template or serializer); the query that
reads the page's rows is captured and run again under EXPLAIN (ANALYZE), best of --repeat. Check: each page lists the
rows of its window of the list read whole (the same service, the same filters), in the same order. The connections
run with `jit` as the settings set it (`DB_JIT`: off unless set to anything else, docs/operations.md).
"""
import argparse
import os
import re
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone as dt_timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.scratch import (  # noqa: E402
    django_on_scratch_database, explained, insert_series, pg_version, served, sql_array, suppliers_with_gifts,
)

PER_PAGE = 20
NOW = datetime(2026, 10, 1, tzinfo=dt_timezone.utc)


def _pick(values, g: str = "g") -> str:
    """SQL choosing one of `values` by the series value (`%%`: the statement has parameters)."""
    return f"({sql_array(values)})[1 + {g} %% {len(values)}]"


def _orders(count: int, *, state: str):
    """Two suppliers and `count` orders of the first one's gift in `state`, a third of them dropship: (suppliers, first id)."""
    from django.db.models import Min

    from points.models import RedemptionOrder

    made, gifts, template = suppliers_with_gifts(2, now=NOW, gift_name="龙井茶礼盒 {pk}", order_state=state)
    insert_series(RedemptionOrder, template, {
        "number": "'RO' || lpad(g::text, 12, '0')",
        "fulfilment": "(CASE WHEN g %% 3 = 0 THEN 'dropship' ELSE 'warehouse' END)",
        "placed_at": "%(start)s::timestamptz + (g %% 5184000) * interval '1 second'",
    }, count, {"start": NOW - timedelta(days=90)})
    return made, RedemptionOrder.objects.aggregate(first=Min("pk"))["first"]


def seed_returns(rows: int) -> None:
    """One return per delivered order, of every state (a third of the orders dropship), two months of requests; each
    exchanged return with a replacement parcel (one in four failed, one in six sent again later), each refused one
    with a parcel back to the member (one in three failed)."""
    from django.db.models import Min

    from logistics.models import ReturnRequest, Shipment

    made, first_order = _orders(rows, state="delivered")
    states = [value for value, _label in ReturnRequest.State.choices]
    template = ReturnRequest(order_id=first_order, supplier=made[0], quantity=1, reason="defective", remedy="refund",
                             requested_at=NOW, state="requested")
    start = {"start": NOW - timedelta(days=60)}
    insert_series(ReturnRequest, template, {
        "number": "'RR' || lpad(g::text, 12, '0')", "order_id": f"{first_order} - 1 + g",
        "state": _pick(states), "remedy": f"(CASE WHEN g %% {len(states)} = {states.index('exchanged')} THEN 'exchange' ELSE 'refund' END)",
        "requested_at": "%(start)s::timestamptz + (g %% 5184000) * interval '1 second'",
    }, rows, start)
    first = ReturnRequest.objects.aggregate(first=Min("pk"))["first"]
    parcel = Shipment(order_id=first_order, supplier=made[0], kind="warehouse", quantity=1, created_at=NOW, state="delivered")
    for link, state, failed_every in (("replacement_for_id", "exchanged", 4), ("send_back_for_id", "refused", 3)):
        nth = states.index(state)
        # the returns in `state` are those whose g % len(states) == nth: g = nth + len(states) * k
        g_of = f"({nth or len(states)} + {len(states)} * (g - 1))"
        varying = {
            link: f"{first} - 1 + {g_of}", "order_id": f"{first_order} - 1 + {g_of}",
            "state": f"(CASE WHEN g %% {failed_every} = 0 THEN 'failed' ELSE 'delivered' END)",
            "created_at": f"%(start)s::timestamptz + ({g_of} %% 5184000) * interval '1 second' + interval '2 days'",
        }
        count = sum(1 for g in range(1, rows + 1) if g % len(states) == nth)
        insert_series(Shipment, parcel, varying, count, dict(start))
        again = {**varying, "state": "'delivered'",
                 "created_at": f"%(start)s::timestamptz + ({g_of} %% 5184000) * interval '1 second' + interval '5 days'"}
        insert_series(Shipment, parcel, again, count // 6, dict(start))


def seed_statements(rows: int) -> None:
    """250 suppliers, a statement each month (`rows` in all), of every state; one version each with the bank account
    it pays; one reconciliation upload for every other issued statement."""
    from django.db.models import Min

    from settlement.models import Reconciliation, Statement, StatementVersion

    suppliers = 250
    made, _gifts, _order = suppliers_with_gifts(suppliers, now=NOW, gift_name="礼品 {pk}", order_state="delivered")
    states = [value for value, _label in Statement.State.choices]
    template = Statement(supplier=made[0], month=NOW.date(), version=1, payable=1000, generated_at=NOW, state="draft")
    issued = "(CASE WHEN g %% {n} = 0 THEN NULL ELSE %(now)s::timestamptz - ((g - 1) / {s}) * interval '1 month' END)"
    insert_series(Statement, template, {
        "supplier_id": f"{made[0].pk} + (g - 1) %% {suppliers}",
        "month": f"date '2026-09-01' - ((g - 1) / {suppliers}) * interval '1 month'",
        "state": _pick(states, f"((g - 1) / {suppliers} + g)"),
        "issued_at": issued.format(n=len(states), s=suppliers),
    }, rows, {"now": NOW})
    first = Statement.objects.aggregate(first=Min("pk"))["first"]
    version = StatementVersion(statement_id=first, number=1, created_at=NOW, issued_at=NOW, bank_name="中国工商银行杭州分行",
                               account_name="基准礼品商有限公司", account_number="6222020200012345678")
    insert_series(StatementVersion, version, {"statement_id": f"{first} - 1 + g"}, rows, {})
    first_version = StatementVersion.objects.aggregate(first=Min("pk"))["first"]
    upload = Reconciliation(statement_id=first, version_id=first_version, supplier=made[0], file_name="对账.xlsx", uploaded_at=NOW)
    insert_series(Reconciliation, upload, {
        "statement_id": f"{first} - 1 + g * 2", "version_id": f"{first_version} - 1 + g * 2",
        "supplier_id": f"{made[0].pk} + (g * 2 - 1) %% {suppliers}",
    }, rows // 2, {})


def seed_complaints(rows: int) -> None:
    """`rows` complaints and suggestions of every state over three months, triaged to a supplier, logistics or the
    operator; the escalated ones chased (催办) once to three times after their deadline, and one in five also before."""
    from django.db.models import Min

    from points.models import Complaint, ComplaintReminder

    made, _gifts, _order = suppliers_with_gifts(2, now=NOW, gift_name="礼品 {pk}", order_state="delivered")
    states = [value for value, _label in Complaint.State.choices]
    template = Complaint(channel="web", title="礼品破损", description="收到的礼盒破损", opened_at=NOW, state="open", supplier=made[0])
    start = {"start": NOW - timedelta(days=90)}
    insert_series(Complaint, template, {
        "number": "'CP' || lpad(g::text, 12, '0')", "state": _pick(states),
        "kind": "(CASE WHEN g %% 7 = 0 THEN 'suggestion' ELSE 'complaint' END)",
        "responsible": "(CASE WHEN g %% 6 = 0 THEN '' ELSE " + _pick(["supplier", "logistics", "operator"], "(g / 6)") + " END)",
        "opened_at": "%(start)s::timestamptz + (g * 389 %% 7776000) * interval '1 second'",
        "deadline": "%(start)s::timestamptz + (g * 389 %% 7776000) * interval '1 second' + interval '2 days'",
    }, rows, start)
    first = Complaint.objects.aggregate(first=Min("pk"))["first"]
    nth = states.index("escalated")
    g_of = f"({nth or len(states)} + {len(states)} * ((g - 1) / 4))"  # the escalated complaints, each of up to 4 reminders
    escalated = sum(1 for g in range(1, rows + 1) if g % len(states) == nth)
    reminder = ComplaintReminder(complaint_id=first, sent_at=NOW, reason="请尽快答复")
    insert_series(ComplaintReminder, reminder, {
        "complaint_id": f"{first} - 1 + {g_of}",
        # the first of each four before the deadline (it counts for none), the others after it, some not sent
        "sent_at": f"%(start)s::timestamptz + ({g_of} * 389 %% 7776000) * interval '1 second' "
                   "+ (CASE WHEN g %% 4 = 1 THEN interval '1 day' ELSE interval '3 days' + g * interval '1 minute' END)",
    }, escalated * 4, start)
    from django.db import connection

    with connection.cursor() as cursor:  # not every complaint chased as often: drop a share of the later reminders
        cursor.execute("DELETE FROM points_complaintreminder WHERE id % 5 = 0 OR (id % 3 = 0 AND complaint_id % 2 = 0)")
        # each chased complaint's latest reminder, as the reminder service keeps it
        cursor.execute("UPDATE points_complaint c SET last_reminded_at = r.at FROM (SELECT complaint_id, max(sent_at) AS at "
                       "FROM points_complaintreminder GROUP BY complaint_id) r WHERE r.complaint_id = c.id")


@dataclass(frozen=True)
class Listed:
    """A list to measure: how to seed it, who reads it, its table, its pages, and how a page names its rows."""

    seed: callable
    role: str
    table: str
    pages: list[str]
    row: str  # regex of a row's key in the portal page's HTML
    key: str  # the field the regex reads ("pk" or "number")
    whole: callable  # (user, url) -> the list read whole, as the page's view or API builds it


def _returns_whole(user, url: str):
    from django.http import QueryDict

    from logistics.forms_returns import ReturnFilterForm
    from logistics.services import returns

    rows = returns.list_returns(user=user)
    if url.startswith("/api/"):
        return rows.order_by(*_api_ordering(url, default=rows.model._meta.ordering))
    return ReturnFilterForm(QueryDict(url.partition("?")[2]), reader=user).apply(rows)


def _statements_whole(user, url: str):
    from django.http import QueryDict

    from settlement.forms import StatementFilterForm
    from settlement.services import statements

    if url.startswith("/api/"):
        rows = statements.list_statements(actor=user)
        return rows.order_by(*_api_ordering(url, default=rows.model._meta.ordering))
    filters = StatementFilterForm(QueryDict(url.partition("?")[2]), states=statements.statement_states(actor=user), reader=user)
    return filters.apply(statements.list_statements(actor=user, **filters.values()))


def _complaints_whole(user, url: str):
    from django.http import QueryDict

    from points.forms_complaints import ComplaintFilterForm
    from points.services import complaints

    if url.startswith("/api/"):
        rows = complaints.list_complaints(user=user, now=datetime.now(dt_timezone.utc))
        asked = _api_ordering(url, default=None)
        return rows.order_by(*asked) if asked else rows
    filters = ComplaintFilterForm(QueryDict(url.partition("?")[2]))
    return filters.apply(complaints.list_complaints(user=user, now=datetime.now(dt_timezone.utc), **filters.values()))


def _api_ordering(url: str, *, default):
    """The API list's order for `?ordering=` (DRF's OrderingFilter: the field, then nothing else), else `default`."""
    asked = re.search(r"ordering=([-\w,]+)", url)
    return asked.group(1).split(",") if asked else default


LISTS = {
    "returns": Listed(seed_returns, "operator", "logistics_returnrequest", [
        "/logistics/returns/", "/logistics/returns/?page=500", "/logistics/returns/?replacement_failed=false",
        "/logistics/returns/?replacement_failed=false&page=500",
        "/logistics/returns/?fulfilment=dropship&page=150", "/api/v1/returns/", "/api/v1/returns/?page=500",
    ], r'data-number="([^"]+)"', "number", _returns_whole),
    "statements": Listed(seed_statements, "finance", "settlement_statement", [
        "/settlement/statements/", "/settlement/statements/?page=200", "/settlement/statements/?state=issued&page=25",
        "/api/v1/statements/", "/api/v1/statements/?page=200", "/api/v1/statements/?ordering=-issued_at,id&page=200",
    ], r'data-statement="(\d+)"', "pk", _statements_whole),
    "complaints": Listed(seed_complaints, "operator", "points_complaint", [
        "/complaints/", "/complaints/?page=500", "/complaints/?state=escalated&page=80", "/api/v1/complaints/",
        "/api/v1/complaints/?page=500", "/api/v1/complaints/?ordering=-opened_at&page=500",
    ], r'href="/complaints/(\d+)/"', "pk", _complaints_whole),
}


def listed_keys(listed: Listed, url: str, response) -> list[str]:
    """The keys of the rows the page lists, in its order."""
    if url.startswith("/api/"):
        return [str(row[listed.key if listed.key != "pk" else "id"]) for row in response.json()["results"]]
    keys = re.findall(listed.row, response.content.decode())
    return [key for n, key in enumerate(keys) if n == 0 or key != keys[n - 1]]  # a row may link twice


def expected_keys(listed: Listed, user, url: str) -> list[str]:
    """The keys of the page's window of the list read whole, in Python (no OFFSET)."""
    page = int(re.search(r"page=(\d+)", url).group(1)) if "page=" in url else 1
    every = [str(key) for key in listed.whole(user, url).values_list(listed.key, flat=True).iterator(chunk_size=2000)]
    return every[(page - 1) * PER_PAGE:page * PER_PAGE]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--list", choices=sorted(LISTS), required=True, help="the list to measure")
    parser.add_argument("--rows", type=int, default=None, help="rows seeded (returns and complaints 20000, statements 5000)")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each EXPLAIN ANALYZE; the best counts (default 5)")
    parser.add_argument("--plans", action="store_true", help="print each page query's plan")
    parser.add_argument("--db-name", default=None, help="the scratch database (default bench_<list>_pages)")
    parser.add_argument("--keep-db", action="store_true", help="leave the scratch database for inspection")
    args = parser.parse_args()
    listed = LISTS[args.list]
    rows = args.rows or (5_000 if args.list == "statements" else 20_000)
    began = time.monotonic()
    with django_on_scratch_database(args.db_name or f"bench_{args.list}_pages", keep=args.keep_db):
        from django.db import connection, transaction
        from django.test import Client
        from django.utils import translation

        from core.models import User

        with transaction.atomic():
            listed.seed(rows)
            user = User.objects.create(username=f"bench-{listed.role}", role=listed.role, password="!")
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
            cursor.execute("SHOW jit")
            jit = cursor.fetchone()[0]
        client = Client()
        client.force_login(user)
        print(f"{args.list} pages benchmark, {datetime.now(dt_timezone.utc):%Y-%m-%d %H:%M} UTC: {os.cpu_count()} CPUs, "
              f"PostgreSQL {pg_version()} (jit {jit}), load average {os.getloadavg()[0]:.2f}; {rows} {args.list}; "
              f"seeded in {time.monotonic() - began:.0f} s; best of {args.repeat}")
        problems = []
        with translation.override("zh-hans"):
            for url in listed.pages:
                served(client, url)  # warm
                seconds, response, queries = served(client, url)
                reads = [q["sql"] for q in queries  # the page's window, at the end or (chosen by id) in the query
                         if f'FROM "{listed.table}"' in q["sql"] and re.search(rf"LIMIT {PER_PAGE}( OFFSET \d+)?(\)|$)", q["sql"])]
                ms, plan = explained(reads[-1], args.repeat)
                keys = listed_keys(listed, url, response)
                if keys != expected_keys(listed, user, url) or len(keys) != PER_PAGE:
                    problems.append(f"{url}: rows differ from the whole list's window")
                print(f"{url:58} page query {ms:7.2f} ms (EXPLAIN ANALYZE)   served {seconds * 1000:6.1f} ms   "
                      f"{len(queries)} queries   {len(keys)} rows")
                if args.plans:
                    print(plan)
        print(f"checks: {'ok' if not problems else '; '.join(problems)}; total {time.monotonic() - began:.0f} s")
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())

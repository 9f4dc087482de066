"""Assertions and builders shared by the tests."""
import functools
import re
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from io import StringIO

from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

#: what a confirmation code's text names besides the code: the order it confirms (`ordered | {"code": "123456"}`)
ORDERED = {"points": 10500, "gift": "保温杯", "quantity": 7, "order_number": "RO1"}


def assert_list_queries_constant(client, url: str, make_rows: Callable[[int], object]) -> int:
    """Assert that `url` runs the same number of queries for a page of 1 and a page of 50.

    `make_rows(n)` adds n more rows the list will show. Returns the query count.
    """
    make_rows(1)
    separator = "&" if "?" in url else "?"
    client.get(f"{url}{separator}page_size=1")  # once before counting: what a process reads once (content types) is read
    with CaptureQueriesContext(connection) as one:
        first = client.get(f"{url}{separator}page_size=1")
    make_rows(49)
    with CaptureQueriesContext(connection) as fifty:
        second = client.get(f"{url}{separator}page_size=50")
    assert first.status_code == second.status_code == 200
    assert len(second.json()["results"]) == 50, "the page of 50 did not show 50 rows"
    assert len(one.captured_queries) == len(fifty.captured_queries), (
        f"{len(one.captured_queries)} queries for 1 row, {len(fifty.captured_queries)} for 50:\n"
        + "\n".join(q["sql"] for q in fifty.captured_queries)
    )
    return len(fifty.captured_queries)


def assert_page_read_by_ids(captured: CaptureQueriesContext, table: str, *, rows: int, skipped: int) -> None:
    """Assert that a page read its `rows` rows of `table` by their ids first (`core.selectors.rows_by_id`): the query
    fetching them chooses them by `id IN` a query reading the ids alone with the page's LIMIT and OFFSET, and carries
    neither itself, so their joins and subqueries are computed for the page's rows only, not for the `skipped` ones
    (a plain slice puts LIMIT and OFFSET on the query reading every column)."""
    window = f"LIMIT {rows}" + (f" OFFSET {skipped}" if skipped else "")
    by_ids = re.compile(rf'"{table}"\."id" IN \(SELECT ([A-Z]\d+)\."id" AS "pk" FROM "{table}" \1 .*? {window}\)', re.DOTALL)
    fetches = [(sql, found) for sql in (query["sql"] for query in captured.captured_queries)
               if sql.startswith(f'SELECT "{table}"."id", ') and (found := by_ids.search(sql))]
    assert any("LIMIT" not in sql[found.end():] for sql, found in fetches), (
        f"no query read the rows of {table} by the ids of its window ({window}):\n"
        + "\n".join(query["sql"] for query in captured.captured_queries if query["sql"].startswith(f'SELECT "{table}"."id", ')))


def picked_and_shipped(*, shipment, actor, now, carrier: str, tracking_number: str, reason: str = ""):
    """Ship as the process does (SPEC §4.6): a warehouse shipment is picked first; a dropship one leaves from `created`."""
    from logistics.models import Shipment
    from logistics.services import shipments

    if shipment.kind == Shipment.Kind.WAREHOUSE and shipment.state == Shipment.State.CREATED:
        shipments.pick_shipment(shipment=shipment, actor=actor, now=now)
    return shipments.ship_shipment(shipment=shipment, actor=actor, now=now, carrier=carrier, tracking_number=tracking_number,
                                   reason=reason)


def full_width(text: str) -> str:
    """The text as an input method in full-width mode types it ("RO1" is "ＲＯ１")."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


#: ways people type a stored document number (RO…, IB…): lower-case, full-width, with spaces around it
AS_TYPED = {"lower_case": str.lower, "full_width": full_width, "spaces_around": lambda number: f"  {number.lower()} ",
            "full_width_spaces_around": lambda number: f"\u3000{full_width(number.lower())}\u3000"}


def fresh_key() -> dict[str, str]:
    """A new Idempotency-Key header for an API client call that creates something."""
    return {"HTTP_IDEMPOTENCY_KEY": uuid.uuid4().hex}


def published(gift, *, actor, at):
    """The gift submitted, approved and published through the catalog services by `actor` at `at`: online in the catalog."""
    return gift_in_state("online", gift=gift, actor=actor, at=at)


#: the states `gift_in_state` takes a gift to, each past the one before it (clearance and retired both from offline)
GIFT_STATES = ("submitted", "approved", "online", "offline", "clearance", "retired")


def gift_in_state(state: str, *, gift=None, actor=None, at=None, **fields):
    """The gift (a new one of `fields` unless given) taken through the catalog services by `actor` at `at` (the fixed
    `now` unless given) to `state`: submitted, approved, online, offline (delisted for low sales), clearance (500
    points, 50.00; with a unit on hand to clear when it has none) or retired (its warehouse stock left over in lots). Its supplier holds at `at` what submitting
    the gift needs (a valid licence, the certificates of its category)."""
    from decimal import Decimal

    from suppliers.models import Gift
    from suppliers.services import catalog
    from tests.factories import FIXED_NOW, GiftFactory

    if state not in GIFT_STATES:
        raise ValueError(state)
    gift, at = gift or GiftFactory(**fields), at or FIXED_NOW
    reached = GIFT_STATES[:GIFT_STATES.index(state) + 1]
    catalog.submit_gift(gift=gift, actor=actor, now=at)
    if "approved" in reached:
        catalog.approve_gift(gift=gift, actor=actor, now=at)
    if "online" in reached:
        catalog.publish_gift(gift=gift, actor=actor, now=at)
    if "offline" in reached:
        catalog.delist_gift(gift=gift, actor=actor, now=at, reason_code=Gift.DelistReason.LOW_SALES, reason="运营下线")
    if state == "clearance":
        stocked_to_clear(gift, at=at)
        catalog.start_clearance(gift=gift, actor=actor, now=at, points_price=500, settlement_price=Decimal("50.00"))
    if state == "retired":
        catalog.retire_gift(gift=gift, actor=actor, now=at, reason="停产")
    return gift


def stocked_to_clear(gift, *, at=None):
    """The gift with a unit received (at `at`, the fixed `now` unless given) where it ships from, unless one is on hand
    already: what a clearance sells off."""
    from suppliers.models import Gift, StockRecord
    from suppliers.services import inventory
    from tests.factories import FIXED_NOW, WarehouseFactory

    if not StockRecord.objects.filter(gift=gift, on_hand__gt=0).exists():
        dropship = gift.fulfilment == Gift.Fulfilment.DROPSHIP
        location = inventory.own_location(gift.supplier) if dropship else WarehouseFactory()
        inventory.receive_stock(gift=gift, location=location, quantity=1, at=at or FIXED_NOW)
    return gift


def staff_usernames() -> set[str]:
    """The login names of the platform's staff (operators, logistics, finance, superusers) in the data: what members
    and a supplier's users never read."""
    from django.db.models import Q

    from core.models import User
    from core.roles import STAFF_ROLES

    return set(User.objects.filter(Q(role__in=STAFF_ROLES) | Q(is_superuser=True)).values_list("username", flat=True))


@contextmanager
def rows_written(before: dict[str, int]):
    """{model label: rows added (negative: removed)} by what runs inside, against `before` (`row_counts()` taken
    earlier), filled in on leaving: the rows are counted again only when a statement other than a read ran (a SELECT,
    a savepoint's own), as nothing else adds or removes a row."""
    written: dict[str, int] = {}
    wrote = []

    def watch(execute, sql, params, many, context):
        if not _READ.match(sql):
            wrote.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(watch):
        yield written
    if wrote:
        written.update({label: count - before[label] for label, count in row_counts().items() if count != before[label]})


_READ = re.compile(r"\s*(SELECT|SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT)\s", re.IGNORECASE)


def row_counts() -> dict[str, int]:
    """{model label: rows} of every table, in one statement: compared before and after a request that must write nothing."""
    labels, statement = _row_count_statement(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(statement)
        return dict(zip(labels, cursor.fetchone(), strict=True))


@functools.cache
def _row_count_statement(vendor: str) -> tuple[tuple[str, ...], str]:
    """The labels of every managed table's model and the one statement counting their rows (the models and their
    tables are fixed once the apps are loaded, so it is written once per database vendor)."""
    from django.apps import apps

    models = [model for model in apps.get_models(include_auto_created=True) if model._meta.managed and not model._meta.proxy]
    counts = ", ".join(f"(SELECT COUNT(*) FROM {connection.ops.quote_name(model._meta.db_table)})" for model in models)
    return tuple(model._meta.label for model in models), f"SELECT {counts}"


def only_notice(supplier, kind: str, *, sms: bool = True):
    """The one notice of `kind` in the supplier's inbox, after checking its contact was texted its title (`sms`), or
    (sms=False) that nothing was texted with it."""
    from core.models import Notification
    from suppliers.models import Notice

    notice = Notice.objects.get(supplier=supplier, kind=kind)
    texted = Notification.objects.filter(kind="supplier_notice", phone=supplier.contact_phone, subject_id=str(notice.pk))
    assert [sms.body for sms in texted] == ([f"【积分商城礼品商平台】{notice.title_text}"] if sms else [])
    return notice


def unresolved_failures(job: str) -> dict[str, int]:
    """The items of `job` whose failure is recorded and not resolved (`core.jobs`), each with how often it failed."""
    from core.models import JobFailure

    return dict(JobFailure.objects.filter(job=job, resolved_at__isnull=True).values_list("item", "failures"))


@contextmanager
def rolled_back_after(django_db_blocker):
    """Database access for a module-scoped fixture whose rows stay until the module ends, then roll back: each test
    (with `db`) runs in a savepoint under them, so what it changes rolls back with it."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield
        transaction.set_rollback(True)


def world_member_fixtures(world: str):
    """`member` and `rich_member` fixtures for a module whose world (the module-scoped fixture named `world`, built with
    `staff_and_rich_member`) holds the rich member's pk under "member": both read that member afresh in each test."""
    import inspect

    import pytest

    from points.models import Member

    def member(**fixtures) -> Member:
        return Member.objects.get(pk=fixtures[world]["member"])

    # the world named as an argument, so that pytest builds it (module-scoped) before the test's own transaction opens,
    # never inside it, where it would be rolled back with the first test that asked for it
    member.__signature__ = inspect.Signature([inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY) for name in (world, "db")])
    member = pytest.fixture(member)

    @pytest.fixture
    def rich_member(member) -> Member:
        return member

    return member, rich_member


def command_run(name: str, *arguments) -> tuple[str, int]:
    """What `manage.py <name> <arguments>` printed and its exit status (a CommandError's return code)."""
    out = StringIO()
    try:
        call_command(name, *arguments, stdout=out, no_color=True)
    except CommandError as error:
        return out.getvalue(), error.returncode
    return out.getvalue(), 0


def answered_as_read(client, url: str, step: str, body: dict) -> tuple[dict, dict]:
    """(the answer of POST `url` + `step`/ with `body`, the object's GET at `url` right after it), the step taken."""
    response = client.post(f"{url}{step}/", body, format="json")
    assert response.status_code == 200, response.content
    return response.json(), client.get(url).json()

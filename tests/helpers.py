"""Assertions and builders shared by the tests."""
import uuid
from collections.abc import Callable

from django.db import connection
from django.test.utils import CaptureQueriesContext


def assert_list_queries_constant(client, url: str, make_rows: Callable[[int], object]) -> int:
    """Assert that `url` runs the same number of queries for a page of 1 and a page of 50.

    `make_rows(n)` adds n more rows the list will show. Returns the query count.
    """
    make_rows(1)
    separator = "&" if "?" in url else "?"
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


def picked_and_shipped(*, shipment, actor, now, carrier: str, tracking_number: str, reason: str = ""):
    """Ship as the process does (SPEC §4.6): a warehouse shipment is picked first; a dropship one leaves from `created`."""
    from logistics.models import Shipment
    from logistics.services import shipments

    if shipment.kind == Shipment.Kind.WAREHOUSE and shipment.state == Shipment.State.CREATED:
        shipments.pick_shipment(shipment=shipment, actor=actor, now=now)
    return shipments.ship_shipment(shipment=shipment, actor=actor, now=now, carrier=carrier, tracking_number=tracking_number,
                                   reason=reason)


def fresh_key() -> dict[str, str]:
    """A new Idempotency-Key header for an API client call that creates something."""
    return {"HTTP_IDEMPOTENCY_KEY": uuid.uuid4().hex}


def published(gift, *, actor, at):
    """The gift submitted, approved and published by `actor` at `at`: online in the catalog."""
    from core.fsm import apply_transition

    for name in ("submit", "approve", "publish"):
        apply_transition(gift, name, actor=actor, at=at)
    return gift


def staff_usernames() -> set[str]:
    """The login names of the platform's staff (operators, logistics, finance, superusers) in the data: what members
    and a supplier's users never read."""
    from django.db.models import Q

    from core.models import User
    from core.roles import STAFF_ROLES

    return set(User.objects.filter(Q(role__in=STAFF_ROLES) | Q(is_superuser=True)).values_list("username", flat=True))

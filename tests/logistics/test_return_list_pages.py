"""Deep pages of the return lists (the portal's and the API's) list the returns of their window of the whole list,
newest first (the latest requested first, then the latest made), with the failed-replacement filter, and the
operators' count of returns waiting counts an exchange only while its latest replacement failed."""
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from logistics.models import ReturnRequest, Shipment
from logistics.services import returns
from tests.helpers import assert_page_read_by_ids
from tests.portal import logged_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock_at_now")]
State = ReturnRequest.State


@pytest.fixture
def returns_of_every_state(delivered_order, now) -> dict[int, bool]:
    """45 returns of the delivered order, of every state, three requested at each time; each exchanged one with a
    replacement parcel, failed for one in three, failed and sent again for another: {return id: replacement failed}."""
    states = State.values
    failed = {}
    for n in range(45):
        made = ReturnRequest.objects.create(number=f"RR{n:04}", order=delivered_order, supplier=delivered_order.supplier, quantity=1,
                                            reason="defective", remedy="exchange", requested_at=now - timedelta(hours=n // 3))
        state = states[n * 5 % len(states)]
        ReturnRequest.objects.filter(pk=made.pk).update(state=state)
        failed[made.pk] = False
        if state == State.EXCHANGED:
            parcels = [Shipment.State.FAILED] if n % 3 == 0 else [Shipment.State.FAILED, Shipment.State.CREATED] if n % 3 == 1 else [
                Shipment.State.DELIVERED]
            for k, parcel in enumerate(parcels):
                Shipment.objects.create(order=delivered_order, supplier=delivered_order.supplier, kind="warehouse", quantity=1,
                                        replacement_for=made, created_at=now + timedelta(minutes=k), state=parcel)
            failed[made.pk] = parcels[-1] == Shipment.State.FAILED
    return failed


def _newest_first(pks) -> list[str]:
    rows = ReturnRequest.objects.filter(pk__in=pks)
    return [row.number for row in sorted(rows, key=lambda row: (row.requested_at, row.pk), reverse=True)]


@pytest.mark.parametrize(("query", "page", "only_failed"), [
    ("page=2", 2, None), ("page=3", 3, None), ("replacement_failed=true", 1, True), ("replacement_failed=false&page=2", 2, False),
])
def test_a_deep_page_of_the_return_list_shows_the_returns_of_its_window_newest_first(
        operator, returns_of_every_state, query, page, only_failed):
    chosen = [pk for pk, failed in returns_of_every_state.items() if only_failed is None or failed == only_failed]
    expected = _newest_first(chosen)[(page - 1) * 20:page * 20]

    with CaptureQueriesContext(connection) as captured:
        html = logged_in(operator).get(f"/logistics/returns/?{query}").content.decode()

    assert expected and re.findall(r'<tr data-number="([^"]+)"', html) == expected
    assert_page_read_by_ids(captured, "logistics_returnrequest", rows=len(expected), skipped=(page - 1) * 20)


@pytest.mark.parametrize(("query", "page", "size"), [("page=2", 2, 20), ("page=3", 3, 20), ("page_size=7&page=4", 4, 7)])
def test_a_deep_page_of_the_returns_api_answers_the_returns_of_its_window_each_as_the_whole_list_does(
        api, operator, returns_of_every_state, query, page, size):
    whole = api(operator).get("/api/v1/returns/?page_size=200").json()["results"]

    with CaptureQueriesContext(connection) as captured:
        answered = api(operator).get(f"/api/v1/returns/?{query}").json()["results"]

    assert [row["number"] for row in whole] == _newest_first(returns_of_every_state)
    assert answered == whole[(page - 1) * size:page * size]
    assert_page_read_by_ids(captured, "logistics_returnrequest", rows=len(answered), skipped=(page - 1) * size)


def test_the_operators_count_of_returns_waiting_counts_the_exchanges_whose_latest_replacement_failed(operator, returns_of_every_state):
    waiting_for_approval = ReturnRequest.objects.filter(state=State.REQUESTED).count()

    assert returns.returns_waiting(operator) == waiting_for_approval + sum(returns_of_every_state.values())

"""POST /api/v1/returns/{id}/split/: the inspector splits received units off into a new return; everyone else is refused
(403, or 404 for a return it does not see), bad input is a 400 naming the field, and nothing is written then."""
import pytest

from logistics.models import ReturnRequest
from logistics.services import return_split, returns
from tests.factories import SupplierUserFactory
from tests.logistics.builders import received
from tests.logistics.builders import request as ask_return

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock_at_now")]
BODY = {"quantity": 1, "reason": "一件运输破损，一件完好"}


def split_as(api, user, return_request, body=BODY):
    return api(user).post(f"/api/v1/returns/{return_request.pk}/split/", body, format="json")


def unsplit(return_request) -> bool:
    return_request.refresh_from_db()
    return (return_request.quantity, return_request.received_quantity) == (2, 2) and ReturnRequest.objects.count() == 1


def test_logistics_splits_a_warehouse_return_and_both_parts_name_each_other(api, two_received, logistics):
    response = split_as(api, logistics, two_received)

    assert response.status_code == 200, response.content
    body = response.json()
    part = ReturnRequest.objects.get(split_from=two_received)
    assert (body["quantity"], body["received_quantity"], body["state"]) == (1, 1, "received")
    assert body["split_parts"] == [{"id": part.pk, "number": part.number, "quantity": 1, "state": "received"}]
    other = api(logistics).get(f"/api/v1/returns/{part.pk}/").json()
    assert (other["split_from"], other["split_from_number"], other["received_quantity"]) == (two_received.pk, two_received.number, 1)
    history = api(logistics).get(f"/api/v1/returns/{two_received.pk}/history/").json()
    assert "split" in str(history)


def test_the_operator_splits_a_dropship_return(api, dropship_order, operator, supplier_staff, now):
    return_request = received(dropship_order, operator=operator, handler=supplier_staff, now=now, quantity=2, reason="defective")

    assert split_as(api, operator, return_request).status_code == 200
    assert split_as(api, supplier_staff, return_request).status_code == 403


@pytest.mark.parametrize("who", ["operator", "finance", "member", "supplier"])
def test_anyone_but_the_inspector_is_refused_and_nothing_is_split(api, two_received, who, request):
    user = two_received.order.member.user if who == "member" else (
        SupplierUserFactory(role="supplier_admin", supplier=two_received.supplier) if who == "supplier" else request.getfixturevalue(who))

    assert split_as(api, user, two_received).status_code == 403
    assert unsplit(two_received)


def test_another_supplier_and_another_member_are_told_the_return_does_not_exist(api, two_received, other_supplier_admin, other_member):
    assert split_as(api, other_supplier_admin, two_received).status_code == 404
    assert split_as(api, other_member.user, two_received).status_code == 404
    assert unsplit(two_received)


@pytest.mark.parametrize(("body", "field"), [
    ({"quantity": 0, "reason": "x"}, "quantity"),
    ({"quantity": 2, "reason": "x"}, "quantity"),
    ({"quantity": "many", "reason": "x"}, "quantity"),
    ({"reason": "x"}, "quantity"),
    ({"quantity": 1}, "reason"),
    ({"quantity": 1, "reason": " "}, "reason"),
])
def test_bad_input_is_400_naming_the_field(api, two_received, logistics, body, field):
    response = split_as(api, logistics, two_received, body)

    assert response.status_code == 400, response.content
    assert [error["attr"] for error in response.json()["errors"]] == [field]
    assert unsplit(two_received)


def test_a_return_not_yet_received_is_409(api, delivered_order, operator, logistics, now):
    return_request = ask_return(delivered_order, now=now, quantity=2)
    returns.approve_return(return_request=return_request, actor=operator, now=now)

    response = split_as(api, logistics, return_request)

    assert response.status_code == 409
    assert ReturnRequest.objects.count() == 1


def test_the_returns_list_says_which_return_was_split_from_or_into_which(api, two_received, logistics, now):
    return_split.split_return(return_request=two_received, actor=logistics, now=now, quantity=1, reason="一件压坏")
    part = ReturnRequest.objects.get(split_from=two_received)

    rows = {row["number"]: row for row in api(logistics).get("/api/v1/returns/").json()["results"]}

    assert rows[part.number]["split_from_number"] == two_received.number and rows[part.number]["split_parts"] == []
    assert rows[two_received.number]["split_from_number"] is None
    assert [p["number"] for p in rows[two_received.number]["split_parts"]] == [part.number]

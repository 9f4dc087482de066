"""The API of defective units going back to their supplier: logistics lists and sends them, the supplier's users list
their own and confirm or dispute, operators read; another supplier's is a 404, a role's step not its own a 403."""
import pytest

from tests.factories import SupplierUserFactory

pytestmark = pytest.mark.django_db


def test_logistics_lists_what_is_owed_and_filters_by_state(api, owed, logistics):
    client = api(logistics)

    awaiting = client.get("/api/v1/goods-back/?state=awaiting").json()["results"]
    received = client.get("/api/v1/goods-back/?state=received").json()["results"]

    assert [(row["number"], row["return_number"], row["quantity"], row["state"]) for row in awaiting] == [
        (owed.number, owed.return_request.number, 1, "awaiting")]
    assert received == []


def test_logistics_sends_them_by_carrier(api, owed, logistics):
    response = api(logistics).post(f"/api/v1/goods-back/{owed.pk}/send/",
                                   {"method": "carrier", "carrier": "顺丰", "tracking_number": "sf-9"}, format="json")

    assert response.status_code == 200
    assert (response.json()["state"], response.json()["tracking_number"]) == ("dispatched", "SF-9")


def test_sending_by_carrier_without_a_tracking_number_is_400_naming_it(api, owed, logistics):
    response = api(logistics).post(f"/api/v1/goods-back/{owed.pk}/send/", {"method": "carrier", "carrier": "顺丰"}, format="json")

    assert response.status_code == 400
    assert [error["attr"] for error in response.json()["errors"]] == ["tracking_number"]


def test_the_supplier_lists_its_own_and_confirms_receipt(api, sent, gift_staff):
    client = api(gift_staff)

    listed = [row["id"] for row in client.get("/api/v1/goods-back/").json()["results"]]
    response = client.post(f"/api/v1/goods-back/{sent.pk}/receive/", {}, format="json")

    assert listed == [sent.pk]
    assert (response.status_code, response.json()["state"]) == (200, "received")


def test_the_supplier_disputes_and_its_note_shows_while_disputed(api, sent, gift_staff):
    response = api(gift_staff).post(f"/api/v1/goods-back/{sent.pk}/dispute/", {"reason": "少了 1 件"}, format="json")
    history = api(gift_staff).get(f"/api/v1/goods-back/{sent.pk}/history/").json()

    assert (response.status_code, response.json()["state"], response.json()["dispute_note"]) == (200, "disputed", "少了 1 件")
    assert [row["transition"] for row in history] == ["create", "send", "dispute"]


def test_a_dispute_without_a_note_is_400_required(api, sent, gift_staff):
    response = api(gift_staff).post(f"/api/v1/goods-back/{sent.pk}/dispute/", {"reason": " "}, format="json")

    assert response.status_code == 400
    assert [(error["attr"], error["code"]) for error in response.json()["errors"]] == [("reason", "required")]


def test_another_supplier_neither_sees_nor_touches_them(api, sent, other_supplier):
    stranger = api(SupplierUserFactory(username="stranger", role="supplier_admin", supplier=other_supplier))

    assert stranger.get("/api/v1/goods-back/").json()["results"] == []
    assert stranger.get(f"/api/v1/goods-back/{sent.pk}/").status_code == 404
    assert stranger.post(f"/api/v1/goods-back/{sent.pk}/receive/", {}, format="json").status_code == 404


def test_operators_read_but_take_no_step(api, owed, operator):
    client = api(operator)

    assert client.get(f"/api/v1/goods-back/{owed.pk}/").status_code == 200
    assert client.post(f"/api/v1/goods-back/{owed.pk}/send/", {"method": "collected"}, format="json").status_code == 403


def test_the_supplier_may_not_send_and_logistics_may_not_confirm(api, owed, sent, gift_staff, logistics):
    assert api(gift_staff).post(f"/api/v1/goods-back/{owed.pk}/send-again/", {"method": "collected", "reason": "x"},
                                format="json").status_code == 403
    assert api(logistics).post(f"/api/v1/goods-back/{sent.pk}/receive/", {}, format="json").status_code == 403


def test_a_step_its_state_does_not_take_is_409(api, owed, gift_staff):
    response = api(gift_staff).post(f"/api/v1/goods-back/{owed.pk}/receive/", {}, format="json")

    assert response.status_code == 409

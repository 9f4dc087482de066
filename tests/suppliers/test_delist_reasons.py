"""The reasons only the system delists for (qualification expiry, supplier suspension) are never a person's to give;
an operator delisting picks the reason and says why, nothing chosen or written for it."""
import pytest

from core.errors import ValidationFailed
from core.fsm import history_of
from suppliers.models import Gift
from suppliers.services import catalog
from tests.factories import GiftFactory, licensed
from tests.portal import field_errors, logged_in
from tests.helpers import published

pytestmark = pytest.mark.django_db
SYSTEM_REASONS = ["qualification_expired", "supplier_suspended"]


def online_gift(operator, now, **attrs) -> Gift:
    return published(GiftFactory(**attrs), actor=operator, at=now)


@pytest.mark.parametrize("reason_code", SYSTEM_REASONS)
def test_an_operator_delisting_for_a_system_reason_is_refused_and_the_gift_stays_online(operator, now, reason_code):
    gift = online_gift(operator, now)

    with pytest.raises(ValidationFailed) as refused:
        catalog.delist_gift(gift=gift, actor=operator, now=now, reason_code=reason_code, reason="运营下线")

    assert refused.value.field == "reason_code"
    gift.refresh_from_db()
    assert (gift.state, gift.delist_reason) == ("online", "")


def test_the_system_still_delists_for_its_own_reasons(operator, supplier, now):
    gift = online_gift(operator, now, supplier=licensed(supplier))

    catalog.delist_all_gifts_of(supplier=supplier, actor=None, now=now, reason_code=Gift.DelistReason.SUPPLIER_SUSPENDED)

    gift.refresh_from_db()
    assert (gift.state, gift.delist_reason) == ("offline", "supplier_suspended")


def test_the_operators_delist_form_offers_no_system_reason(operator, now):
    gift = online_gift(operator, now)

    page = logged_in(operator).get(f"/supplier/gifts/{gift.pk}/").content.decode()

    assert 'value="low_sales"' in page and 'value="quality"' in page
    assert not any(f'value="{code}"' in page for code in SYSTEM_REASONS)


def test_a_system_reason_posted_to_the_portal_is_refused_next_to_the_field(operator, now):
    gift = online_gift(operator, now)

    response = logged_in(operator).post(f"/supplier/gifts/{gift.pk}/actions/delist/", {"reason_code": "supplier_suspended"})

    assert response.status_code == 400 and "reason_code" in field_errors(response)
    gift.refresh_from_db()
    assert gift.state == "online"


@pytest.mark.parametrize("reason_code", SYSTEM_REASONS)
def test_a_system_reason_through_the_api_is_400_naming_reason_code(api, operator, now, reason_code):
    gift = online_gift(operator, now)

    response = api(operator).post(f"/api/v1/gifts/{gift.pk}/delist/", {"reason_code": reason_code})

    assert response.status_code == 400
    assert {e["attr"] for e in response.json()["errors"]} == {"reason_code"}
    gift.refresh_from_db()
    assert gift.state == "online"


def test_another_suppliers_gift_cannot_be_delisted_through_the_api(api, other_supplier_admin, operator, now):
    gift = online_gift(operator, now)

    response = api(other_supplier_admin).post(f"/api/v1/gifts/{gift.pk}/delist/", {"reason_code": "supplier_request"})

    assert response.status_code == 404
    gift.refresh_from_db()
    assert gift.state == "online"


# --- the operator says why --------------------------------------------------------------------------------------
@pytest.mark.parametrize("reason", ["", "  "])
def test_an_operator_delisting_without_saying_why_is_refused_on_the_reason_and_the_gift_stays_online(operator, now, reason):
    gift = online_gift(operator, now)

    with pytest.raises(ValidationFailed) as refused:
        catalog.delist_gift(gift=gift, actor=operator, now=now, reason_code=Gift.DelistReason.LOW_SALES, reason=reason)

    assert refused.value.field == "reason"
    gift.refresh_from_db()
    assert (gift.state, gift.delist_reason) == ("online", "")
    assert history_of(gift).last().transition == "publish"


def test_an_operators_delisting_keeps_its_words_in_the_history(operator, now):
    gift = online_gift(operator, now)

    catalog.delist_gift(gift=gift, actor=operator, now=now, reason_code=Gift.DelistReason.QUALITY, reason="用户反馈包装破损")

    assert (history_of(gift).last().transition, history_of(gift).last().reason) == ("delist", "用户反馈包装破损")


def test_a_supplier_requesting_delisting_need_not_say_why(operator, supplier_staff, supplier, now):
    gift = online_gift(operator, now, supplier=licensed(supplier))

    catalog.delist_gift(gift=gift, actor=supplier_staff, now=now, reason_code=Gift.DelistReason.SUPPLIER_REQUEST)

    assert (gift.state, gift.delist_reason) == ("offline", "supplier_request")


def test_the_operators_delist_form_chooses_no_reason_for_it(operator, now):
    gift = online_gift(operator, now)

    page = logged_in(operator).get(f"/supplier/gifts/{gift.pk}/").content.decode()

    form = page.split('name="reason_code"', 1)[1].split("</select>", 1)[0]
    assert '<option value="" selected>' in form and form.count("selected") == 1


def test_the_portal_shows_a_missing_reason_or_note_next_to_its_field_and_the_gift_stays_online(operator, now):
    gift = online_gift(operator, now)
    client = logged_in(operator)

    no_code = client.post(f"/supplier/gifts/{gift.pk}/actions/delist/", {"reason_code": "", "reason": "滞销"})
    no_note = client.post(f"/supplier/gifts/{gift.pk}/actions/delist/", {"reason_code": "low_sales", "reason": " "})

    assert (no_code.status_code, no_note.status_code) == (400, 400) and set(field_errors(no_code)) == {"reason_code"}
    assert set(field_errors(no_note)) == {"reason"} and "请填写下线说明" in no_note.content.decode()
    gift.refresh_from_db()
    assert gift.state == "online"


def test_the_api_refuses_an_operators_delisting_without_a_reason_naming_the_field(api, operator, now):
    gift = online_gift(operator, now)

    response = api(operator).post(f"/api/v1/gifts/{gift.pk}/delist/", {"reason_code": "low_sales"})

    assert response.status_code == 400 and [e["attr"] for e in response.json()["errors"]] == ["reason"]
    gift.refresh_from_db()
    assert gift.state == "online"

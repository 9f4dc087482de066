"""The reasons only the system delists for (qualification expiry, supplier suspension) are never a person's to give."""
import pytest

from core.errors import ValidationFailed
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
        catalog.delist_gift(gift=gift, actor=operator, now=now, reason_code=reason_code)

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

    assert response.status_code == 200 and "reason_code" in field_errors(response)
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

"""A refused gift action comes back on the gift's page with the values entered and each error next to its field: 400 for
bad input, 409 for a step the gift's state or its supplier does not allow."""
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from core.fsm import history_of
from suppliers.models import Gift, Notice, Supplier
from tests.factories import GiftFactory
from tests.helpers import gift_in_state, stocked_to_clear
from tests.portal import field_errors, logged_in

pytestmark = pytest.mark.django_db


def offline_for_low_sales(operator, now) -> Gift:
    """Delisted for low sales, with a unit on hand to sell off."""
    return stocked_to_clear(gift_in_state("offline", actor=operator, at=now), at=now)


def test_a_clearance_price_above_the_normal_one_is_shown_next_to_its_field_with_the_values_kept(operator, now):
    gift = offline_for_low_sales(operator, now)

    response = logged_in(operator).post(
        f"/supplier/gifts/{gift.pk}/actions/start_clearance/", {"points_price": "800", "settlement_price": "250.00", "reason": "清库存"}
    )

    page = response.content.decode()
    assert response.status_code == 400 and set(field_errors(response)) == {"settlement_price"}
    assert 'value="800"' in page and 'value="250.00"' in page and 'value="清库存"' in page
    gift.refresh_from_db()
    assert (gift.state, gift.clearance_settlement_price) == ("offline", None)


def test_a_form_error_is_shown_next_to_the_field_instead_of_a_message(operator, now):
    gift = offline_for_low_sales(operator, now)

    response = logged_in(operator).post(f"/supplier/gifts/{gift.pk}/actions/start_clearance/", {"points_price": "0", "settlement_price": "9"})

    assert response.status_code == 400 and set(field_errors(response)) == {"points_price"}
    assert 'value="9"' in response.content.decode()


def test_rejecting_without_a_reason_is_shown_next_to_the_reason(operator, now):
    gift = gift_in_state("submitted", actor=operator, at=now)

    response = logged_in(operator).post(f"/supplier/gifts/{gift.pk}/actions/reject/", {"reason": " "})

    assert response.status_code == 400 and set(field_errors(response)) == {"reason"}
    gift.refresh_from_db()
    assert gift.state == "submitted"


@pytest.mark.parametrize("reason", ["", " "])
def test_retiring_without_a_reason_is_shown_next_to_the_reason_and_nothing_is_retired_or_told(operator, now, reason):
    gift = gift_in_state("offline", actor=operator, at=now)
    client = logged_in(operator)

    refused = client.post(f"/supplier/gifts/{gift.pk}/actions/retire/", {"reason": reason})
    gift.refresh_from_db()
    refused_state, told = gift.state, Notice.objects.filter(kind="gift_retired").exists()
    client.post(f"/supplier/gifts/{gift.pk}/actions/retire/", {"reason": "品牌方停产"})

    assert refused.status_code == 400 and set(field_errors(refused)) == {"reason"}
    assert (refused_state, told) == ("offline", False)
    gift.refresh_from_db()
    assert (gift.state, history_of(gift).last().reason_text) == ("retired", "品牌方停产")
    assert "品牌方停产" in Notice.objects.get(kind="gift_retired").body_label


def test_a_refusal_on_the_operators_gift_list_keeps_the_list_as_the_page_to_return_to(operator, now):
    gift = gift_in_state("submitted", actor=operator, at=now)
    client = logged_in(operator)

    refused = client.post(f"/supplier/gifts/{gift.pk}/actions/reject/", {"reason": "", "next": "/supplier/gift-admin/?state=submitted"})
    done = client.post(f"/supplier/gifts/{gift.pk}/actions/reject/", {"reason": "图片模糊", "next": "/supplier/gift-admin/?state=submitted"})

    assert 'name="next" value="/supplier/gift-admin/?state=submitted"' in refused.content.decode()
    assert done.status_code == 302 and done["Location"] == "/supplier/gift-admin/?state=submitted"


def test_each_reason_a_draft_cannot_be_submitted_is_shown_as_an_item_of_its_own(supplier_staff):
    gift = GiftFactory(supplier=supplier_staff.supplier_membership.supplier, images=[], specification="", warranty_text="")

    response = logged_in(supplier_staff).post(f"/supplier/gifts/{gift.pk}/actions/submit/", {})

    refused = response.content.decode().split('data-action-form="submit"', 1)[1].split("</form>", 1)[0]
    listed = re.search(r'<ul class="form-errors" role="alert">(.*?)</ul>', refused, re.S).group(1)
    assert re.findall(r'<li class="field-error" data-field="__all__">([^<]*)</li>', listed) == ["至少上传一张图片", "请填写规格", "请填写保修说明"]
    assert response.status_code == 400 and Gift.objects.get(pk=gift.pk).state == "draft"


def test_a_suppliers_incomplete_submission_lists_what_is_missing_on_its_page(supplier_staff, now):
    gift = GiftFactory(supplier=supplier_staff.supplier_membership.supplier, images=[], specification="")

    response = logged_in(supplier_staff).post(f"/supplier/gifts/{gift.pk}/actions/submit/", {})

    page = response.content.decode()
    assert response.status_code == 400 and 'data-field="__all__"' in page
    assert "至少上传一张图片" in page and "请填写规格" in page
    gift.refresh_from_db()
    assert gift.state == "draft"


def test_an_action_no_longer_offered_is_a_conflict_said_at_the_top_of_the_gifts_page(operator, now):
    gift = gift_in_state("online", actor=operator, at=now)

    response = logged_in(operator).post(f"/supplier/gifts/{gift.pk}/actions/approve/", {})

    assert response.status_code == 409 and [m.level_tag for m in response.context["messages"]] == ["error"]
    assert field_errors(response) == {} and 'data-action="approve"' not in response.content.decode()
    gift.refresh_from_db()
    assert gift.state == "online"


def test_another_suppliers_gift_action_is_not_found(other_supplier_admin, now):
    gift = GiftFactory()

    response = logged_in(other_supplier_admin).post(f"/supplier/gifts/{gift.pk}/actions/submit/", {})

    assert response.status_code == 404
    gift.refresh_from_db()
    assert gift.state == "draft"


def test_a_successful_clearance_still_returns_to_the_gift(operator, now):
    gift = offline_for_low_sales(operator, now)

    response = logged_in(operator).post(f"/supplier/gifts/{gift.pk}/actions/start_clearance/", {"points_price": "800", "settlement_price": "90"})

    assert response.status_code == 302
    gift.refresh_from_db()
    assert (gift.state, gift.clearance_settlement_price) == ("clearance", Decimal("90.00"))


def test_a_suspended_suppliers_gift_page_says_why_it_offers_no_relisting_and_the_api_refuses_it(api, operator, now):
    from suppliers.services import onboarding

    gift = offline_for_low_sales(operator, now)
    onboarding.suspend_supplier(supplier=gift.supplier, actor=operator, now=now, reason="整改")

    page = logged_in(operator).get(f"/supplier/gifts/{gift.pk}/").content.decode()
    refused = api(operator).post(f"/api/v1/gifts/{gift.pk}/start-clearance/", {"points_price": 500, "settlement_price": "50.00"})

    assert 'data-testid="supplier-hold"' in page and "恢复合作前" in page
    assert "/actions/start_clearance/" not in page and "/actions/request_relisting/" not in page
    assert refused.status_code == 409 and refused.json()["errors"][0]["code"] == "supplier_not_active"
    assert Gift.objects.get(pk=gift.pk).state == "offline"


def test_a_refused_reason_is_named_by_its_input_and_the_next_visit_of_the_gift_shows_no_error(operator, now):
    gift = gift_in_state("submitted", actor=operator, at=now)
    client = logged_in(operator)

    refused = client.post(f"/supplier/gifts/{gift.pk}/actions/reject/", {"reason": " "})
    later = client.get(reverse("gift-detail", args=[gift.pk]))

    html = refused.content.decode()
    assert 'id="id_reject_reason"' in html and 'aria-invalid="true"' in html
    assert 'aria-describedby="id_reject_reason_error"' in html and '<span id="id_reject_reason_error"' in html
    assert field_errors(later) == {} and "aria-invalid" not in later.content.decode()


def test_retiring_a_gift_asks_for_confirmation_first(operator, now):
    gift = offline_for_low_sales(operator, now)

    page = logged_in(operator).get(reverse("gift-detail", args=[gift.pk])).content.decode()

    button = re.search(r'<button[^>]*data-action="retire"[^>]*>', page).group(0)
    assert "return confirm('退市后该礼品不能再上线，剩余库存转为遗留礼品。确定退市？')" in button


def test_a_suppliers_delisting_request_asks_for_confirmation_first_saying_relisting_needs_review(supplier_admin, supplier, operator, now):
    gift = gift_in_state("online", supplier=supplier, actor=operator, at=now)

    page = logged_in(supplier_admin).get(reverse("gift-detail", args=[gift.pk])).content.decode()

    button = re.search(r'<button[^>]*data-action="request_delisting"[^>]*>', page).group(0)
    assert "return confirm('下线后该礼品立即从积分商城下架，重新上线须经运营审核。确定申请下线？')" in button


def test_a_reason_too_long_to_approve_comes_back_next_to_the_reason_with_the_text_typed(operator, now):
    gift = gift_in_state("submitted", actor=operator, at=now)
    typed = "长" * 2001

    response = logged_in(operator).post(f"/supplier/gifts/{gift.pk}/actions/approve/", {"reason": typed})

    html = response.content.decode()
    assert response.status_code == 400 and list(field_errors(response)) == ["reason"] and "2000" in field_errors(response)["reason"]
    assert f'value="{typed}"' in html and 'aria-describedby="id_approve_reason_error"' in html
    assert Gift.objects.get(pk=gift.pk).state == "submitted"


def test_approving_a_gift_of_a_suspended_supplier_is_a_conflict_said_at_the_top_of_its_page(operator, now):
    gift = gift_in_state("submitted", actor=operator, at=now)
    Supplier.objects.filter(pk=gift.supplier_id).update(state=Supplier.State.SUSPENDED)

    response = logged_in(operator).post(f"/supplier/gifts/{gift.pk}/actions/approve/", {"reason": "资料已核对"})

    said = [str(m) for m in response.context["messages"]]
    assert response.status_code == 409 and len(said) == 1 and "恢复合作前" in said[0]
    assert 'data-testid="supplier-hold"' in response.content.decode()
    assert Gift.objects.get(pk=gift.pk).state == "submitted"


def test_a_gift_decided_meanwhile_is_a_conflict_on_its_page_with_the_reason_said_at_the_top(operator, now):
    gift = gift_in_state("submitted", actor=operator, at=now)
    logged_in(operator).post(f"/supplier/gifts/{gift.pk}/actions/approve/", {"reason": "资料齐全"})  # another session

    response = logged_in(operator).post(f"/supplier/gifts/{gift.pk}/actions/reject/", {"reason": "图片模糊", "next": "/supplier/gift-admin/?state=submitted"})

    assert response.status_code == 409 and [m.level_tag for m in response.context["messages"]] == ["error"]
    assert 'name="next" value="/supplier/gift-admin/?state=submitted"' in response.content.decode()
    assert Gift.objects.get(pk=gift.pk).state == "approved"


@pytest.mark.parametrize("reason", ["", "长" * 2001], ids=["no reason", "too long"])
def test_a_gift_decided_meanwhile_is_a_conflict_whatever_was_entered_in_the_refused_form(operator, now, reason):
    gift = gift_in_state("submitted", actor=operator, at=now)
    logged_in(operator).post(f"/supplier/gifts/{gift.pk}/actions/approve/", {"reason": "资料齐全"})  # another session

    response = logged_in(operator).post(f"/supplier/gifts/{gift.pk}/actions/reject/", {"reason": reason})

    said = [str(message) for message in response.context["messages"]]
    gift.refresh_from_db()
    assert response.status_code == 409 and len(said) == 1 and gift.get_state_display() in said[0]
    assert gift.state == "approved"

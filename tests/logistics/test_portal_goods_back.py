"""Portal pages of defective units going back to their supplier: the list from the navigation, with filters and its
steps; the page with its history and the return it came from, which links back; forms refused with their errors."""
import pytest
from django.utils import translation

from tests.factories import SupplierUserFactory
from tests.portal import field_errors, logged_in

pytestmark = pytest.mark.django_db


def test_logistics_reaches_the_list_from_the_navigation_and_sees_what_is_owed(owed, logistics):
    client = logged_in(logistics)

    home = client.get("/logistics/returns/").content.decode()
    page = client.get("/logistics/goods-back/?state=awaiting").content.decode()
    none = client.get("/logistics/goods-back/?state=received").content.decode()

    assert 'href="/logistics/goods-back/' in home
    assert owed.number in page and owed.return_request.number in page and "待退回" in page
    assert owed.number not in none and 'data-testid="none-matching"' in none


def test_the_return_page_and_the_goods_back_page_link_to_each_other(owed, logistics):
    client = logged_in(logistics)

    return_page = client.get(f"/logistics/returns/{owed.return_request_id}/").content.decode()
    goods_page = client.get(f"/logistics/goods-back/{owed.pk}/").content.decode()

    assert f'href="/logistics/goods-back/{owed.pk}/"' in return_page
    assert f'href="/logistics/returns/{owed.return_request_id}/"' in goods_page
    assert "退换货 %s 检验为质量问题，待退回礼品商" % owed.return_request.number in goods_page  # its history


def test_logistics_records_dispatch_from_the_page(owed, logistics):
    response = logged_in(logistics).post(f"/logistics/goods-back/{owed.pk}/send/",
                                         {"method": "carrier", "carrier": "顺丰", "tracking_number": "SF-77"})

    owed.refresh_from_db()
    assert response.status_code == 302
    assert (owed.state, owed.tracking_number) == ("dispatched", "SF-77")


def test_a_dispatch_without_its_waybill_comes_back_with_the_errors_next_to_the_fields(owed, logistics):
    response = logged_in(logistics).post(f"/logistics/goods-back/{owed.pk}/send/", {"method": "carrier", "carrier": ""})

    owed.refresh_from_db()
    assert response.status_code == 400
    assert set(field_errors(response)) >= {"carrier", "tracking_number"}
    assert owed.state == "awaiting"


def test_the_supplier_confirms_receipt_from_its_page(sent, gift_staff):
    client = logged_in(gift_staff)

    page = client.get(f"/logistics/goods-back/{sent.pk}/").content.decode()
    response = client.post(f"/logistics/goods-back/{sent.pk}/receive/", {"reason": ""})

    sent.refresh_from_db()
    assert "确认签收" in page and "SF-BACK-1" in page
    assert response.status_code == 302 and sent.state == "received"


def test_a_dispute_without_a_note_comes_back_with_its_error(sent, gift_staff):
    response = logged_in(gift_staff).post(f"/logistics/goods-back/{sent.pk}/dispute/", {"reason": ""})

    sent.refresh_from_db()
    assert response.status_code == 400 and "reason" in field_errors(response)
    assert sent.state == "dispatched"


def test_the_disputed_note_shows_on_the_list(disputed, logistics):
    page = logged_in(logistics).get("/logistics/goods-back/").content.decode()

    assert "只收到 0 件" in page and "重新发出" in page


def test_another_supplier_gets_a_404(sent, other_supplier):
    stranger = logged_in(SupplierUserFactory(username="stranger", role="supplier_admin", supplier=other_supplier))

    assert stranger.get(f"/logistics/goods-back/{sent.pk}/").status_code == 404
    assert stranger.post(f"/logistics/goods-back/{sent.pk}/receive/", {}).status_code == 404


def test_finance_and_members_do_not_open_the_pages(owed, finance, member):
    assert logged_in(finance).get("/logistics/goods-back/").status_code == 403
    assert logged_in(member.user).get(f"/logistics/goods-back/{owed.pk}/").status_code in (403, 404)


def test_the_page_reads_in_english(sent, gift_staff):
    client = logged_in(gift_staff)

    with translation.override("en"):
        page = client.get(f"/logistics/goods-back/{sent.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Confirm receipt" in page and "Dispatched" in page

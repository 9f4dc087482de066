"""The 拆分 form on a received return's page: offered to its inspector while received and not yet inspected (two units
received at least), splitting units off into a new return that each page links to (拆自 / 拆出); a refusal shows next to
its field and splits nothing."""
import pytest

from logistics.models import ReturnRequest
from logistics.services import return_split, returns
from tests.logistics.builders import received
from tests.portal import field_errors, logged_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock_at_now")]


def page(user, return_request) -> str:
    return logged_in(user).get(f"/logistics/returns/{return_request.pk}/").content.decode()


def test_logistics_splits_a_received_return_from_its_page_and_each_page_links_the_other(two_received, logistics):
    client = logged_in(logistics)

    offered = page(logistics, two_received)
    response = client.post(f"/logistics/returns/{two_received.pk}/split/", {"quantity": "1", "reason": "一件外箱压坏"})

    assert 'data-action="split"' in offered
    assert response.status_code == 302
    part = ReturnRequest.objects.get(split_from=two_received)
    original, split_off = page(logistics, two_received), page(logistics, part)
    assert f'href="/logistics/returns/{part.pk}/">{part.number}</a>' in original and 'data-testid="split-part"' in original
    assert f'href="/logistics/returns/{two_received.pk}/">{two_received.number}</a>' in split_off and 'data-testid="split-from"' in split_off
    assert "一件外箱压坏" in original and "一件外箱压坏" in split_off
    assert 'data-action="inspect"' in split_off


def test_a_quantity_out_of_range_is_shown_next_to_the_field_and_splits_nothing(two_received, logistics):
    response = logged_in(logistics).post(f"/logistics/returns/{two_received.pk}/split/", {"quantity": "2", "reason": "不同"})

    assert response.status_code == 400 and "quantity" in field_errors(response)
    two_received.refresh_from_db()
    assert (two_received.received_quantity, ReturnRequest.objects.count()) == (2, 1)


def test_no_split_is_offered_to_others_nor_once_inspected_nor_for_one_unit(two_received, delivered_order, operator, logistics, now):
    assert 'data-action="split"' not in page(operator, two_received)
    assert 'data-action="split"' not in page(delivered_order.member.user, two_received)
    response = logged_in(operator).post(f"/logistics/returns/{two_received.pk}/split/", {"quantity": "1", "reason": "x"})
    assert response.status_code == 400 and "物流仓退货由物流收货检验" in response.content.decode()
    assert ReturnRequest.objects.count() == 1

    returns.inspect_return(return_request=two_received, actor=logistics, now=now, outcome="resellable")
    assert 'data-action="split"' not in page(logistics, two_received)


def test_a_return_of_one_unit_received_offers_no_split(delivered_order, operator, logistics, now):
    one = received(delivered_order, operator=operator, handler=logistics, now=now, quantity=1)

    assert 'data-action="split"' not in page(logistics, one)


def test_the_returns_lists_link_a_split_return_and_its_part_to_each_other(two_received, delivered_order, logistics, now):
    return_split.split_return(return_request=two_received, actor=logistics, now=now, quantity=1, reason="一件压坏")
    part = ReturnRequest.objects.get(split_from=two_received)

    staff = logged_in(logistics).get("/logistics/returns/").content.decode()
    member = logged_in(delivered_order.member.user).get("/logistics/my-returns/").content.decode()

    for listed in (staff, member):
        assert f'data-testid="split-part">拆出 <a href="/logistics/returns/{part.pk}/">{part.number}</a>' in listed
        assert f'data-testid="split-from">拆自 <a href="/logistics/returns/{two_received.pk}/">{two_received.number}</a>' in listed

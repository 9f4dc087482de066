"""The adjustments waiting for their reader's decision (仅看待我处理): under maker-checker, what one finance user proposed
waits for the other; the navigation badge and the home page's to-do entry link to the list of exactly those."""
from datetime import datetime

import pytest

from settlement.services import adjustments
from tests.factories import SHANGHAI
from tests.portal import badge_links, listed, logged_in, rows_at

pytestmark = pytest.mark.django_db
ADJUSTMENTS = "/settlement/adjustments/"
NOW = datetime(2026, 10, 20, 9, 0, tzinfo=SHANGHAI)


def _proposed(supplier, actor, amount: str = "-50.00"):
    return adjustments.propose_adjustment(supplier=supplier, kind="penalty", amount=amount, reason="延迟发货", actor=actor, now=NOW)


@pytest.fixture
def by_maker(supplier, finance):
    return _proposed(supplier, finance)


@pytest.fixture
def by_checker(supplier, finance_checker):
    return _proposed(supplier, finance_checker, "-20.00")


def test_each_finance_users_adjustment_badge_links_to_the_adjustments_another_user_proposed(by_maker, by_checker, finance, finance_checker):
    maker, checker = (badge_links(user, "settlement-adjustments") for user in (finance, finance_checker))

    assert maker == {"home": (f"{ADJUSTMENTS}?waiting=1", 1), "nav": (f"{ADJUSTMENTS}?waiting=1", 1)}
    assert all(rows_at(finance, path) == 1 for path, _count in maker.values())
    assert listed(finance, ADJUSTMENTS, waiting="1") == [by_checker.pk]
    assert listed(finance_checker, ADJUSTMENTS, waiting="1") == [by_maker.pk]
    assert listed(finance, ADJUSTMENTS, waiting="false") == [by_maker.pk]  # the others: its own, for the other to decide


def test_a_decided_adjustment_no_longer_waits(by_maker, finance_checker):
    adjustments.approve_adjustment(adjustment=by_maker, actor=finance_checker, now=NOW)

    assert listed(finance_checker, ADJUSTMENTS, waiting="1") == []


def test_the_filter_is_offered_to_finance_only(by_maker, finance, operator):
    assert 'name="waiting"' in logged_in(finance).get(ADJUSTMENTS).content.decode()
    assert 'name="waiting"' not in logged_in(operator).get(ADJUSTMENTS).content.decode()


def test_the_api_lists_the_adjustments_waiting_for_the_callers_decision(by_maker, by_checker, finance, finance_checker):
    assert listed(finance, "/api/v1/adjustments/", waiting="true") == [by_checker.pk]
    assert listed(finance_checker, "/api/v1/adjustments/", waiting="true") == [by_maker.pk]
    assert listed(finance, "/api/v1/adjustments/", waiting="false") == [by_maker.pk]


def test_a_bad_waiting_value_is_a_400_naming_it(api, finance):
    response = api(finance).get("/api/v1/adjustments/", {"waiting": "maybe"})

    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "waiting"

"""The points summary (SPEC §4.4) adds up to the balance: earned − redeemed + adjusted − expired, on the member's and
the operator's pages and in the API, whatever corrections, expiries and refunds the ledger holds."""

from datetime import datetime

import pytest

from points.models import PointsAccount
from points.services import credits, ledger
from points.services.ledger import Source
from tests.factories import SHANGHAI
from tests.portal import logged_in, shown

pytestmark = pytest.mark.django_db
LAST_YEAR = datetime(2024, 6, 1, 9, 0, tzinfo=SHANGHAI)
THIS_YEAR = datetime(2025, 3, 1, 9, 0, tzinfo=SHANGHAI)
NEXT_YEAR = datetime(2026, 1, 2, 9, 0, tzinfo=SHANGHAI)  # the 2024 lot expired at the end of 2025


def adds_up(summary: dict) -> bool:
    return summary["earned"] - summary["redeemed"] + summary["adjusted"] - summary["expired"] == summary["balance"]


@pytest.fixture
def corrected_member(member):
    """Earned 3,200, redeemed 1,000 of which 400 refunded into a lot already expired, corrected +300 and −100, and 100
    expired at the end of the lot's year: 2,300 left."""
    ledger.earn_points(member=member, points=1_200, source=Source("batch", "B2024", 1), at=LAST_YEAR)
    ledger.earn_points(member=member, points=2_000, source=Source("batch", "B2025", 1), at=THIS_YEAR)
    redeem = ledger.spend_points(member=member, points=1_000, source=Source("order", "1"), at=THIS_YEAR)
    ledger.adjust_points(member=member, points=300, source=Source("correction", "c1"), at=THIS_YEAR, reason_code="goodwill")
    ledger.adjust_points(member=member, points=-100, source=Source("correction", "c2"), at=THIS_YEAR, reason_code="correction")
    ledger.expire_due_lots(now=NEXT_YEAR)
    ledger.refund_points(redeem=redeem, points=400, source=Source("refund", "1"), at=NEXT_YEAR)
    return member


def test_the_summary_adds_up_to_the_balance_after_corrections_of_both_signs_an_expiry_and_a_refund(corrected_member):
    summary = credits.balance_summary(member=corrected_member, now=NEXT_YEAR)

    assert {key: summary[key] for key in ("balance", "earned", "redeemed", "adjusted", "expired")} == {
        "balance": 2_300,
        "earned": 3_200,
        "redeemed": 600,
        "adjusted": 200,
        "expired": 500,
    }
    assert summary["balance"] == PointsAccount.objects.get(member=corrected_member).balance
    assert adds_up(summary)


def test_a_correction_taking_more_than_it_gave_shows_a_negative_adjustment_and_still_adds_up(member):
    ledger.earn_points(member=member, points=20_700, source=Source("batch", "B1", 1), at=THIS_YEAR)
    ledger.spend_points(member=member, points=15_400, source=Source("order", "1"), at=THIS_YEAR)
    ledger.adjust_points(member=member, points=-800, source=Source("correction", "c1"), at=THIS_YEAR, reason_code="reversal")

    summary = credits.balance_summary(member=member, now=THIS_YEAR)

    assert (summary["balance"], summary["adjusted"], summary["expired"]) == (4_500, -800, 0)
    assert adds_up(summary)


def test_the_member_and_operator_pages_and_the_api_show_the_adjusted_and_expired_figures(corrected_member, operator, api):
    pages = [
        logged_in(corrected_member.user).get("/member/points/"),
        logged_in(operator).get(f"/member/member-admin/{corrected_member.pk}/"),
    ]
    given = [
        api(corrected_member.user).get("/api/v1/points/balance/").json(),
        api(operator).get(f"/api/v1/members/{corrected_member.pk}/").json()["summary"],
    ]

    for page in pages:
        assert [shown(page, name) for name in ("balance", "earned", "redeemed", "adjusted", "expired")] == [
            "2,300",
            "3,200",
            "600",
            "+200",
            "500",
        ]
    for summary in given:
        assert (summary["balance"], summary["earned"], summary["redeemed"], summary["adjusted"], summary["expired"]) == (
            2_300,
            3_200,
            600,
            200,
            500,
        )

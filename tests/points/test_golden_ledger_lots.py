"""The product owner's hand-computed case ../shared/golden/ledger_lots.json, replayed through the points services."""
import json
from datetime import datetime

import pytest

from core.models import Program
from points.models import LedgerEntry, PointsLot
from points.services import credits, ledger, orders
from points.services.ledger import Source
from suppliers.services import inventory
from tests.factories import GiftFactory, MemberFactory, UserFactory, WarehouseFactory
from tests.golden import golden_file
from tests.helpers import published

GOLDEN = golden_file("ledger_lots.json")
pytestmark = pytest.mark.django_db


def lots_by_year(member) -> dict[str, int]:
    return {str(year): remaining for year, remaining in PointsLot.objects.filter(account__member=member).values_list("year", "remaining")}


def test_the_golden_ledger_case_matches_every_figure():
    case = json.loads(GOLDEN.read_text(encoding="utf-8"))
    member = MemberFactory(phone=case["member"]["phone"], tier=case["member"]["tier"], program=Program.objects.get(code=case["program"]))
    price = case["gift"]["points_price"]
    operator = UserFactory(username="golden-operator", role="operator")
    gift = GiftFactory(sku=case["gift"]["sku"], points={case["program"]: price}, tier_discounts={})
    published(gift, actor=operator, at=datetime.fromisoformat(case["steps"][0]["at"]))
    inventory.receive_stock(gift=gift, location=WarehouseFactory(), quantity=10, at=datetime.fromisoformat(case["steps"][0]["at"]))
    redemptions = {}

    for line, step in enumerate(case["steps"], start=1):
        at = datetime.fromisoformat(step["at"])
        expect = step.get("expect", {})
        if step["do"] == "earn":
            credits.credit_points_in_bulk(batch_id=step["batch"], rows=[{"phone": member.phone, "points": step["points"]}], actor=operator, now=at)
        elif step["do"] == "redeem":
            order = orders.place_order(
                member=member, gift_id=gift.pk, quantity=step["quantity"], now=at,
                recipient_name="刘洋", recipient_phone=member.phone, address="北京市西城区金融大街29号",
            )
            assert order.state == "confirmed", "below the SMS threshold, placement confirms at once"
            entry = order.redeem_entry
            redemptions[step["order"]] = entry
            assert -entry.points == expect["points_cost"]
            drawn = {str(a.lot.year): -a.points for a in entry.allocations.select_related("lot")}
            assert drawn == expect["drawn"]
        elif step["do"] == "refund":
            entry = ledger.refund_points(
                redeem=redemptions[step["order"]], points=price * step["quantity"], source=Source("return", step["source"]), at=at
            )
            assert entry.points == expect["refunded"]
            restored = {str(a.lot.year): a.points for a in entry.allocations.select_related("lot").order_by("-lot__expires_at")}
            assert restored == expect["restored"]
            assert list(restored) == list(expect["restored"]), "restored latest-expiring first"
            if "expired_at_once" in expect:
                expired = LedgerEntry.objects.get(kind="expire", source_type="return", source_id=step["source"])
                assert -expired.points == expect["expired_at_once"]
        elif step["do"] == "run_expiry":
            entries = ledger.expire_due_lots(now=at)
            if "expired" in expect:
                expired = {str(e.allocations.get().lot.year): -e.points for e in entries}
                assert expired == expect["expired"]
        if "balance" in expect:
            assert ledger.account_of(member).balance == expect["balance"], step
        if "lots" in expect:
            assert lots_by_year(member) == expect["lots"]

    final = case["expect_final"]
    entries = list(LedgerEntry.objects.filter(account__member=member).order_by("at", "id").values("kind", "points"))
    assert entries == final["entries"]
    assert ledger.account_of(member).balance == final["balance"] == ledger.ledger_total(ledger.account_of(member))

"""Settlement fixtures: a replay of the product owner's month (../shared/golden/settlement_2026_10.json) through the
services, and the building blocks other settlement tests use (delivered orders at a given recorded time)."""
import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from logistics.models import ReturnRequest, Shipment, Tariff
from logistics.models.costs import CostKind
from logistics.services import carrier_events, leftovers, returns, shipments
from points.models import RedemptionOrder
from points.services import ledger, orders
from settlement.models import Statement
from settlement.services import adjustments, generation, statements
from suppliers.models import BankAccount, Gift, Location, Supplier
from suppliers.services import catalog, inventory, onboarding
from tests.factories import (
    SHANGHAI, GiftFactory, MemberFactory, SupplierFactory, SupplierUserFactory, UserFactory, contracted,
)
from tests.golden import golden_file
from tests.helpers import picked_and_shipped

GOLDEN = golden_file("settlement_2026_10.json")
ADDRESS = {"recipient_name": "刘洋", "recipient_phone": "13812341234", "address": "浙江省杭州市西湖区文三路100号"}
SETUP_AT = datetime(2026, 9, 1, 9, 0, tzinfo=SHANGHAI)


@pytest.fixture
def supplier(db):
    """A supplier under contract: settlement adjusts only suppliers that have one (or a statement)."""
    return contracted(SupplierFactory(contract=None))


@pytest.fixture
def other_supplier(db):
    return contracted(SupplierFactory(contract=None))


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(SHANGHAI)


def month(text: str) -> date:
    return generation.parse_month(text)


@dataclass
class World:
    """Two suppliers with gifts, stock, a member with points, and the people who act on them."""

    operator: object
    logistics: object
    finance_a: object
    finance_b: object
    member: object
    suppliers: dict[str, Supplier] = field(default_factory=dict)
    admins: dict[str, object] = field(default_factory=dict)
    gifts: dict[str, Gift] = field(default_factory=dict)
    orders: dict[str, RedemptionOrder] = field(default_factory=dict)
    returns: dict[str, ReturnRequest] = field(default_factory=dict)
    warehouse: Location | None = None

    # --- orders -------------------------------------------------------------------------------------------------
    def place(self, name: str, sku: str, quantity: int, *, now: datetime) -> RedemptionOrder:
        order = orders.place_order(member=self.member, gift_id=self.gifts[sku].pk, quantity=quantity, now=now, **ADDRESS)
        assert order.state == RedemptionOrder.State.CONFIRMED
        self.orders[name] = order
        return order

    def ship(self, name: str, *, now: datetime) -> Shipment:
        order = self.orders[name]
        if order.fulfilment == "warehouse":
            shipments.hand_over_warehouse_orders(key=f"B-{name}", actor=self.logistics, now=now)
            actor = self.logistics
        else:
            shipments.hand_over_dropship_orders(actor=None, now=now)
            actor = self.admins[order.supplier.name]
        order.refresh_from_db()
        shipment = shipments.active_shipment(order)
        picked_and_shipped(shipment=shipment, actor=actor, now=now, carrier="顺丰", tracking_number=f"SF-{name}")
        return shipment

    def deliver(self, name: str, sku: str, quantity: int, *, recorded_at: datetime, clearance: bool = False) -> RedemptionOrder:
        """Place, ship and deliver an order, the delivery signed and recorded at `recorded_at`."""
        order = self.place(name, sku, quantity, now=recorded_at.replace(hour=0, minute=0, second=0))
        assert order.clearance is clearance
        shipment = self.ship(name, now=recorded_at.replace(hour=0, minute=5, second=0))
        shipments.deliver_shipment(shipment=shipment, actor=None, now=recorded_at, signer="刘洋")
        order.refresh_from_db()
        return order

    # --- returns ------------------------------------------------------------------------------------------------
    def give_back(self, name: str, *, reason: str, remedy: str, outcome: str, quantity: int, resolved_at: datetime) -> ReturnRequest:
        """A return requested, approved, received and inspected (which resolves it) at `resolved_at`."""
        order = self.orders[name]
        warehouse = order.fulfilment == "warehouse"
        return_request = returns.request_return(order=order, actor=self.member.user, now=resolved_at.replace(hour=8, minute=0),
                                                quantity=quantity, reason=reason, remedy=remedy)
        returns.approve_return(return_request=return_request, actor=self.operator, now=resolved_at.replace(hour=8, minute=30))
        receiver = self.logistics if warehouse else self.admins[order.supplier.name]
        returns.receive_return(return_request=return_request, actor=receiver, now=resolved_at.replace(hour=9, minute=0))
        inspector = self.logistics if warehouse else self.operator
        returns.inspect_return(return_request=return_request, actor=inspector, now=resolved_at, outcome=outcome)
        return_request.refresh_from_db()
        self.returns[name] = return_request
        return return_request

    # --- money --------------------------------------------------------------------------------------------------
    def penalty(self, supplier: str, amount: str, *, approved_at: datetime) -> None:
        adjustment = adjustments.propose_adjustment(
            supplier=self.suppliers[supplier], kind="penalty", amount=amount, reason="违约扣款", actor=self.finance_a,
            now=approved_at.replace(hour=9),
        )
        adjustments.approve_adjustment(adjustment=adjustment, actor=self.finance_b, now=approved_at)

    def generate(self, text: str, *, now: datetime) -> dict[str, Statement]:
        generation.generate_now(month=month(text), actor=self.finance_a, now=now)
        return {s.supplier.name: s for s in Statement.objects.filter(month=month(text)).select_related("supplier")}


def set_tariff(kind: str, amount: str) -> None:
    Tariff.objects.update_or_create(kind=kind, defaults={"amount": Decimal(amount), "unit": "order"})


def make_world(data: dict) -> World:
    world = World(
        operator=UserFactory(username="golden-operator", role="operator"),
        logistics=UserFactory(username="golden-logistics", role="logistics"),
        finance_a=UserFactory(username="finance_a", role="finance"),
        finance_b=UserFactory(username="finance_b", role="finance"),
        member=MemberFactory(phone="13812341234"),
    )
    ledger.earn_points(member=world.member, points=500_000, source=ledger.Source("batch", "GOLDEN"), at=SETUP_AT)
    world.warehouse = Location.objects.create(code="W1", name="华东1号仓", kind=Location.Kind.WAREHOUSE)
    for row in data["suppliers"]:
        supplier = contracted(SupplierFactory(name=row["name"], contract=None))
        world.suppliers[row["code"]] = supplier
        world.admins[supplier.name] = SupplierUserFactory(username=f"admin-{row['code']}", role="supplier_admin", supplier=supplier)
        BankAccount.objects.create(supplier=supplier, bank_name="中国工商银行杭州分行", account_name=supplier.name,
                                   account_number=f"62220212345678{supplier.pk:04d}", approved_at=datetime(2026, 1, 5, tzinfo=SHANGHAI))
    fulfilment = {row["code"]: row["fulfilment"] for row in data["suppliers"]}
    for row in data["gifts"]:
        supplier = world.suppliers[row["supplier"]]
        gift = GiftFactory(supplier=supplier, sku=row["sku"], settlement_price=Decimal(row["settlement_price"]),
                           fulfilment=fulfilment[row["supplier"]])
        for step in (catalog.submit_gift, catalog.approve_gift, catalog.publish_gift):
            step(gift=gift, actor=world.operator, now=SETUP_AT)
        location = world.warehouse if gift.fulfilment == "warehouse" else Location.objects.get_or_create(
            code=f"DS-{row['supplier']}", defaults={"name": "礼品商自有仓", "kind": Location.Kind.DROPSHIP, "supplier": supplier})[0]
        quantity = row.get("leftover", {}).get("quantity", 20)
        inventory.receive_stock(gift=gift, location=location, quantity=quantity, at=SETUP_AT)
        if "clearance_settlement_price" in row:
            catalog.delist_gift(gift=gift, actor=world.operator, now=SETUP_AT, reason_code="low_sales", reason="运营下线")
            catalog.start_clearance(gift=gift, actor=world.operator, now=SETUP_AT, points_price=500,
                                    settlement_price=Decimal(row["clearance_settlement_price"]))
        if "retired_at" in row:
            catalog.delist_gift(gift=gift, actor=world.operator, now=at(row["retired_at"]), reason_code="low_sales", reason="运营下线")
            catalog.retire_gift(gift=gift, actor=world.operator, now=at(row["retired_at"]), reason="停产")
            set_tariff(CostKind.STORAGE, row["leftover"]["daily_fee_per_lot"])
        world.gifts[row["sku"]] = gift
    return world


def replay(world: World, data: dict, *, until: datetime, since: datetime | None = None) -> None:
    """Every timed action of the golden events, in the order of its own time, from `since` up to (not including) `until`."""
    actions = []
    for event in data["events"]:
        actions += list(_actions(world, event))
    for when, _order, act in sorted(actions, key=lambda a: (a[0], a[1])):
        if (since is None or when >= since) and when < until:
            act()


def _actions(world: World, event: dict):
    """(time, tie-breaker, callable) for each action an event nests."""
    if "adjustment" in event:
        row = event["adjustment"]
        yield at(row["approved_at"]), 0, lambda: world.penalty(row["supplier"], row["amount"], approved_at=at(row["approved_at"]))
        return
    if "leftover_storage" in event:
        for day in range(21, 32):
            yield datetime(2026, 10, day, 0, 10, tzinfo=SHANGHAI), 0, lambda d=day: leftovers.charge_storage_fees(
                now=datetime(2026, 10, d, 0, 10, tzinfo=SHANGHAI))
        yield datetime(2026, 11, 1, 0, 10, tzinfo=SHANGHAI), 0, lambda: leftovers.charge_storage_fees(
            now=datetime(2026, 11, 1, 0, 10, tzinfo=SHANGHAI))
        return
    if "order" not in event:
        return
    name, recorded = event["order"], at(event["delivered_recorded_at"])
    if "signed_at" in event:  # a carrier reported the signing late: recorded when the event reached us
        yield recorded, 0, lambda: _late_delivery(world, event)
    else:
        yield recorded, 0, lambda: world.deliver(name, event["sku"], event["quantity"], recorded_at=recorded,
                                                  clearance=event.get("clearance", False))
    for cost in event.get("extra_costs", []):  # return freight is priced from the tariff when the return resolves
        yield at(cost["recorded_at"]), -1, lambda c=cost: set_tariff(c["kind"], c["amount"])
    if "return" in event:
        row = event["return"]
        resolved = at(row.get("refunded_recorded_at") or row["exchanged_recorded_at"])
        outcome = {"resellable": "resellable", "defective_refund": "defective", "defective_exchange": "defective",
                   "transit_damage_refund": "transit_damage"}[row["outcome"]]
        reason = {"resellable": "unused", "defective": "defective", "transit_damage": "transit_damage"}[outcome]
        remedy = "exchange" if row["outcome"].endswith("exchange") else "refund"
        yield resolved, 0, lambda: world.give_back(name, reason=reason, remedy=remedy, outcome=outcome, quantity=row["quantity"],
                                                   resolved_at=resolved)
        if "replacement_delivered_recorded_at" in row:
            yield at(row["replacement_delivered_recorded_at"]), 0, lambda: _deliver_replacement(
                world, name, at(row["replacement_delivered_recorded_at"]))


def _late_delivery(world: World, event: dict) -> None:
    name, signed, recorded = event["order"], at(event["signed_at"]), at(event["delivered_recorded_at"])
    world.place(name, event["sku"], event["quantity"], now=signed.replace(hour=8))
    shipment = world.ship(name, now=signed.replace(hour=9))
    carrier_events.record_carrier_event(
        event_id=f"EV-{name}", tracking_number=shipment.tracking_number, sequence=1, kind="delivered", occurred_at=signed,
        payload={"signer": "刘洋"}, now=recorded,
    )


def _deliver_replacement(world: World, name: str, recorded_at: datetime) -> None:
    shipment = Shipment.objects.get(replacement_for=world.returns[name])
    admin = world.admins[shipment.supplier.name]
    picked_and_shipped(shipment=shipment, actor=admin, now=recorded_at.replace(hour=9), carrier="中通",
                            tracking_number=f"ZT-R-{name}")
    shipments.deliver_shipment(shipment=shipment, actor=None, now=recorded_at, signer="刘洋")


@pytest.fixture
def golden() -> dict:
    return json.loads(GOLDEN.read_text(encoding="utf-8"))


@pytest.fixture
def golden_world(db, golden) -> World:
    return make_world(golden)


def settle_september(world: World, data: dict) -> Statement:
    """Replay up to the September run, generate it, issue S2's statement and have S2 confirm it (which closes it)."""
    run = next(e for e in data["events"] if e.get("generate") == "2026-09")
    replay(world, data, until=at(run["at"]))
    september = world.generate("2026-09", now=at(run["at"]))
    statement = september[world.suppliers["S2"].name]
    statements.issue_statement(statement=statement, actor=world.finance_a, now=at(run["at"]).replace(hour=10))
    statements.confirm_statement(statement=statement, actor=world.admins[statement.supplier.name],
                                 now=at(run["at"]).replace(hour=15))
    statement.refresh_from_db()
    return statement



# --- light-weight bookings for workflow tests ---------------------------------------------------------------------

def booked_order(supplier: Supplier, amount: str, *, recorded_at: datetime, member=None, quantity: int = 1) -> RedemptionOrder:
    """A delivered order of `supplier` worth `amount` to it, recorded at `recorded_at` (rows only, no workflow)."""
    gift = Gift.objects.filter(supplier=supplier).first() or GiftFactory(supplier=supplier)
    member = member or MemberFactory()
    return RedemptionOrder.objects.create(
        number=f"RO{RedemptionOrder.objects.count() + 1:012d}", member=member, gift=gift, supplier=supplier,
        program=member.program, quantity=quantity, fulfilment="warehouse", points_unit_price=1000, points_cost=1000 * quantity,
        settlement_unit_price=Decimal(amount) / quantity, settlement_amount=Decimal(amount), state=RedemptionOrder.State.DELIVERED,
        placed_at=recorded_at, expires_at=recorded_at, delivered_at=recorded_at, delivery_recorded_at=recorded_at, **ADDRESS,
    )


def paying_account(supplier: Supplier) -> BankAccount:
    return BankAccount.objects.create(supplier=supplier, bank_name="中国银行", account_name=supplier.name,
                                      account_number="6216600000001234", approved_at=datetime(2026, 1, 5, tzinfo=SHANGHAI))


OCTOBER = date(2026, 10, 1)
GENERATED_AT = datetime(2026, 11, 1, 2, 0, tzinfo=SHANGHAI)
LATER = GENERATED_AT + timedelta(days=1)


@pytest.fixture
def draft(supplier, finance):
    """The supplier's October draft: two deliveries worth 300.00, with an account to pay."""
    paying_account(supplier)
    booked_order(supplier, "100.00", recorded_at=datetime(2026, 10, 3, 10, 0, tzinfo=SHANGHAI))
    booked_order(supplier, "200.00", recorded_at=datetime(2026, 10, 9, 10, 0, tzinfo=SHANGHAI))
    generation.generate_now(month=OCTOBER, actor=finance, now=GENERATED_AT)
    return Statement.objects.get(supplier=supplier, month=OCTOBER)


@pytest.fixture
def issued(draft, finance):
    return statements.issue_statement(statement=draft, actor=finance, now=GENERATED_AT.replace(hour=10))


@pytest.fixture
def other_issued(other_supplier, finance):
    """Another supplier's September statement, issued: neither a receivable nor a payment due."""
    paying_account(other_supplier)
    booked_order(other_supplier, "80.00", recorded_at=datetime(2026, 9, 9, 10, 0, tzinfo=SHANGHAI))
    generation.generate_now(month=date(2026, 9, 1), actor=finance, now=datetime(2026, 10, 1, 2, 0, tzinfo=SHANGHAI))
    statement = Statement.objects.get(supplier=other_supplier, month=date(2026, 9, 1))
    return statements.issue_statement(statement=statement, actor=finance, now=datetime(2026, 10, 1, 10, 0, tzinfo=SHANGHAI))


def issued_october(supplier: Supplier, *, delivered: str, penalty: str, finance, finance_checker) -> Statement:
    """The supplier's October statement, issued: one delivery booked at `delivered` and an approved penalty of
    `penalty` (negative)."""
    booked_order(supplier, delivered, recorded_at=datetime(2026, 10, 3, tzinfo=SHANGHAI))
    proposed = adjustments.propose_adjustment(supplier=supplier, kind="penalty", amount=penalty, reason="延迟发货", actor=finance,
                                              now=datetime(2026, 10, 20, tzinfo=SHANGHAI))
    adjustments.approve_adjustment(adjustment=proposed, actor=finance_checker, now=datetime(2026, 10, 21, tzinfo=SHANGHAI))
    generation.generate_now(month=OCTOBER, actor=finance, now=GENERATED_AT)
    statement = Statement.objects.get(supplier=supplier, month=OCTOBER)
    return statements.issue_statement(statement=statement, actor=finance, now=GENERATED_AT)


@pytest.fixture
def negative(supplier, finance, finance_checker):
    """The supplier's October statement: a 50.00 delivery and an 80.00 penalty, issued."""
    return issued_october(supplier, delivered="50.00", penalty="-80.00", finance=finance, finance_checker=finance_checker)


@pytest.fixture
def receivable(negative, supplier_admin, operator):
    """The October statement of a supplier terminated before confirming it: closed as a receivable of 30.00."""
    supplier = negative.supplier
    onboarding.terminate_supplier(supplier=supplier, actor=operator, now=LATER, reason="合同到期不再续约")
    return statements.confirm_statement(statement=negative, actor=supplier_admin, now=LATER)

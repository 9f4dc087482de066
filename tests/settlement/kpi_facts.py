"""The facts the KPI tests build as rows (orders, shipments, returns, complaints, replenishment requests), with the
TransitionLog rows the services would write where a KPI reads a transition time."""
from datetime import date, datetime
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType

from core.models import TransitionLog
from logistics.models import ReturnRequest, Shipment
from points.models import RedemptionOrder
from points.models.complaints import Complaint, ComplaintDeadline
from suppliers.models import Gift, Location, Supplier
from suppliers.models.inventory import ReplenishmentRequest
from tests.factories import SHANGHAI, GiftFactory, MemberFactory

Q = Decimal


def t(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


# --- building facts -----------------------------------------------------------------------------------------------

def log(obj, transition: str, at: datetime) -> None:
    TransitionLog.objects.create(content_type=ContentType.objects.get_for_model(type(obj)), object_id=obj.pk,
                                 transition=transition, source_state="", target_state="", at=at)


def order(supplier: Supplier, *, fulfilment: str = "dropship", quantity: int = 1, state: str = "delivered",
          handed_over_at: datetime | None = None, delivered_at: datetime | None = None) -> RedemptionOrder:
    gift = Gift.objects.filter(supplier=supplier).first() or GiftFactory(supplier=supplier)
    member = MemberFactory()
    placed = handed_over_at or delivered_at
    created = RedemptionOrder.objects.create(
        number=f"RO{RedemptionOrder.objects.count() + 1:012d}", member=member, gift=gift, supplier=supplier,
        program=member.program, quantity=quantity, fulfilment=fulfilment, points_unit_price=1000, points_cost=1000 * quantity,
        settlement_unit_price=Q("10.00"), settlement_amount=Q("10.00") * quantity, state=state, placed_at=placed,
        expires_at=placed, delivered_at=delivered_at, delivery_recorded_at=delivered_at,
        recipient_name="刘洋", recipient_phone="13812341234", address="杭州市文三路100号",
    )
    if handed_over_at:
        log(created, "hand_over", handed_over_at)
    return created


def shipment(of: RedemptionOrder, *, created_at: datetime, shipped_at=None, state="shipped", delivered_at=None) -> Shipment:
    return Shipment.objects.create(order=of, supplier_id=of.supplier_id, kind=of.fulfilment, quantity=of.quantity,
                                   created_at=created_at, shipped_at=shipped_at, delivered_at=delivered_at, state=state)


def returned(of: RedemptionOrder, *, quantity: int, outcome: str) -> ReturnRequest:
    return ReturnRequest.objects.create(number=f"RR{ReturnRequest.objects.count() + 1:08d}", order=of, supplier_id=of.supplier_id,
                                        quantity=quantity, reason="defective", requested_at=t(10, 20), outcome=outcome,
                                        state="inspected")


def complaint(supplier: Supplier, *, opened_at: datetime, responsible: str = "supplier") -> Complaint:
    return Complaint.objects.create(number=f"CP{Complaint.objects.count() + 1:08d}", channel="member", supplier=supplier,
                                    title="迟迟未发货", description="下单一周仍未发货", opened_at=opened_at,
                                    responsible=responsible, state="triaged" if responsible else "open")


def low_month(supplier: Supplier, month: int) -> None:
    """One delivered order and one complaint: complaint rate 1000 (attainment 0), defect rate 0 (attainment 1)
    → score 100 × 15 / 35 = 42.86, under 60."""
    order(supplier, fulfilment="warehouse", delivered_at=t(month, 3))
    complaint(supplier, opened_at=t(month, 4))


def deadline(supplier: Supplier, *, due_at: datetime, responded_at=None, responsible: str = "supplier") -> ComplaintDeadline:
    return ComplaintDeadline.objects.create(
        complaint=complaint(supplier, opened_at=t(9, 1), responsible=responsible), responsible=responsible,
        supplier=supplier, starts_at=t(9, 1), due_at=due_at, responded_at=responded_at,
    )


def replenishment(supplier: Supplier, *, due: date, met_at=None, state: str = "met") -> ReplenishmentRequest:
    warehouse, _ = Location.objects.get_or_create(code="WH-KPI", defaults={"name": "华东仓", "kind": Location.Kind.WAREHOUSE})
    gift = GiftFactory(supplier=supplier, fulfilment="warehouse")
    return ReplenishmentRequest.objects.create(gift=gift, location=warehouse, quantity=10, raised_at=t(9, 1), due_date=due,
                                               met_at=met_at, state=state)

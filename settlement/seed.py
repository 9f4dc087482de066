"""Demo data of settlement (see SettlementConfig.ready), all through the profile, points, logistics and settlement services.

The three months before the current one (say August, September and October when seeded in November) are settled
as they would have been. Member 13800138001's tea orders of those months are placed, handed over, shipped and signed
for through the logistics services in their own step (42), between the points steps of last year's lot (40) and this
year's (45), so the member's points history is posted in time order; each is completed 15 days after it was signed
for, at the daily job's hour. The statements are made after the logistics steps (60):

* supplier_a's bank account was approved long before; supplier_b's too. supplier_a has since asked for a new one,
  its account-opening permit attached, waiting for `operator`'s review.
* month 1 — two tea orders of member 13800138001 delivered; generated on the 1st at 02:00, issued by `finance`,
  confirmed and invoiced by supplier_a, payment approved by `finance2` and paid by `finance`. supplier_b's statement
  of a compensation approved in the month is issued, confirmed and invoiced as well, and left unpaid: its payment is
  past the contract's 30 days (the statements' overdue filter).
* month 2 — one tea order delivered; issued, disputed by supplier_a (a box not booked), who also uploads its own
  statement for reconciliation, a first file with a mistyped amount and then the corrected one, which supersedes it
  (a matched line, a delivery we do not have and a return we never received); `finance` proposes a dispute adjustment
  answering the delivery (so it is resolved by it and not paid a second time) and `finance2` approves it, so version 2
  waits for `finance` to issue it; `finance` carries the return forward, `finance2` rejects that adjustment (no return
  received), so the return waits for finance to resolve again (对账), its first resolution kept in its history.
* month 3 — a compensation for supplier_b approved in the month, generated into a draft waiting to be issued.
* today — a penalty for supplier_a proposed by `finance`, waiting for `finance2`.
* supplier_d — terminated after month 1, owing that month's penalty as a receivable (settlement.seed_receivable).

Each step is all or nothing and guarded (the orders by their handoff batches, the statements by month 1's generation
run), so a second run adds nothing.
"""
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from core.roles import Role
from core.seed import ensure_user
from core.seeding import register_seed
from settlement import seed_receivable

MEMBER_PHONE = "13800138001"
TEA = "TEA-LJ-250"
BATCH_PREFIX = "DEMO-MONTHLY-"
ACCOUNTS = {
    "supplier_a": ("中国工商银行杭州文三路支行", "6222021202004567891"),
    "supplier_b": ("招商银行深圳科技园支行", "6225887766554433"),
    seed_receivable.TERMINATED[2]: seed_receivable.ACCOUNT,
}
#: the new account supplier_a has asked for, waiting for review
NEW_ACCOUNT = ("中国建设银行杭州高新支行", "6217001234560001")


def _at(month, *, day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in `month` (Asia/Shanghai)."""
    return timezone.make_aware(datetime.combine(month.replace(day=day), time(hour, minute)))


def _admin(username: str):
    from suppliers.models import SupplierMembership

    membership = SupplierMembership.objects.select_related("supplier", "user").get(user__username=username)
    return membership.supplier, membership.user


def _bank_account(username: str, *, operator, at: datetime) -> None:
    from suppliers.models import BankAccount, ProfileChange
    from suppliers.services import profile

    supplier, admin = _admin(username)
    if BankAccount.objects.filter(supplier=supplier).exists():
        return
    bank_name, number = ACCOUNTS[username]
    change = profile.request_profile_change(supplier=supplier, actor=admin, now=at, field=ProfileChange.Field.BANK_ACCOUNT,
                                            bank_name=bank_name, account_name=supplier.name, account_number=number,
                                            evidence=_permit(number))
    profile.approve_profile_change(change=change, actor=operator, now=at + timedelta(hours=2), reason="开户许可证核对无误")


def _new_bank_account(username: str, *, at: datetime) -> None:
    """A bank account change with its permit, left for the operator to review."""
    from suppliers.models import ProfileChange
    from suppliers.services import profile

    supplier, admin = _admin(username)
    bank_name, number = NEW_ACCOUNT
    profile.request_profile_change(supplier=supplier, actor=admin, now=at, field=ProfileChange.Field.BANK_ACCOUNT,
                                   bank_name=bank_name, account_name=supplier.name, account_number=number, evidence=_permit(number))


def _permit(number: str):
    """A picture standing for the scanned account-opening permit of `number`."""
    from io import BytesIO

    from django.core.files.base import ContentFile
    from PIL import Image, ImageDraw

    picture = Image.new("RGB", (480, 160), "white")
    ImageDraw.Draw(picture).text((20, 60), f"Account opening permit  No. {number}", fill="black")
    content = BytesIO()
    picture.save(content, format="PNG")
    return ContentFile(content.getvalue(), name=f"permit-{number}.png")


def _deliver_tea(*, quantity: int, placed_at: datetime, logistics) -> None:
    """An order of the member, handed over in its own batch two hours later, shipped next day, signed for (the
    carrier's event) two days later and completed by the daily job 15 days after that."""
    from logistics.seed import carrier_reports, place_as_member, ship_by_logistics
    from logistics.services import shipments
    from points.services import orders

    order = place_as_member(phone=MEMBER_PHONE, sku=TEA, quantity=quantity, at=placed_at)
    shipments.hand_over_warehouse_orders(key=f"{BATCH_PREFIX}{order.number}", actor=logistics, now=placed_at + timedelta(hours=2))
    shipment = ship_by_logistics(order, logistics=logistics, at=placed_at + timedelta(days=1), carrier="顺丰速运",
                                 tracking_number=f"SF1403300{order.pk:06d}")
    signed_at = placed_at + timedelta(days=3)
    carrier_reports(shipment, kind="delivered", at=signed_at, signer=order.recipient_name)
    due = timezone.localtime(signed_at + orders.COMPLETE_AFTER).date() + timedelta(days=1)
    orders.complete_orders(now=timezone.make_aware(datetime.combine(due, time(3))))


def _months(now) -> tuple:
    """The three months before the current one, oldest first."""
    from settlement.services.generation import last_closed_month, previous_month

    third = last_closed_month(now)
    second = previous_month(third)
    return previous_month(second), second, third


@register_seed(42, "settlement: member 13800138001's tea orders of the months before, shipped and signed for")
def seed_delivered_orders(*, now, password, progress) -> None:
    from logistics.models import HandoffBatch

    if HandoffBatch.objects.filter(key__startswith=BATCH_PREFIX).exists():
        return
    logistics = ensure_user(username="logistics", role=Role.LOGISTICS, password=password)
    first, second, _third = _months(now)
    for day in (5, 12):
        _deliver_tea(quantity=1, placed_at=_at(first, day=day, hour=10), logistics=logistics)
    _deliver_tea(quantity=2, placed_at=_at(second, day=8, hour=11), logistics=logistics)


def _after(month, *, days: int = 0, hours: int = 0) -> datetime:
    """`days` and `hours` after the month's end (00:00 on the 1st of the next month)."""
    from settlement.services.generation import cutoff_of

    return cutoff_of(month) + timedelta(days=days, hours=hours)


def _generate(month):
    """Generate the month as the beat does, at 02:00 on the 1st of the next month."""
    from settlement.models import Statement
    from settlement.services import generation

    generation.generate_now(month=month, actor=None, now=_after(month, hours=2))
    return {s.supplier.name: s for s in Statement.objects.filter(month=month).select_related("supplier")}


def _invoiced(statement, *, month, finance, admin, number: str):
    """Issued by `finance` on the 2nd of the next month, confirmed next day and invoiced the day after by the supplier
    (the payment falls due the contract's payment days later)."""
    from settlement.services import statements

    issued_at = _after(month, days=1, hours=10)
    statement = statements.issue_statement(statement=statement, actor=finance, now=issued_at)
    statements.confirm_statement(statement=statement, actor=admin, now=issued_at + timedelta(days=1))
    return statements.invoice_statement(statement=statement, actor=admin, now=issued_at + timedelta(days=2), number=number,
                                        amount=statement.payable)


def _paid_month(month, *, finance, checker, supplier, admin, overdue_supplier, overdue_admin) -> None:
    """supplier's statement paid; overdue_supplier's invoiced and left unpaid, its payment now past due."""
    from settlement.services import statements

    generated = _generate(month)
    statement = _invoiced(generated[supplier.name], month=month, finance=finance, admin=admin, number=f"33{month:%y%m}01")
    issued_at = _after(month, days=1, hours=10)
    statements.approve_payment(statement=statement, actor=checker, now=issued_at + timedelta(days=3), reason="发票核对无误")
    statements.pay_statement(statement=statement, actor=finance, now=issued_at + timedelta(days=4),
                             reference=f"PAY-{month:%Y%m}-001")
    _invoiced(generated[overdue_supplier.name], month=month, finance=finance, admin=overdue_admin, number=f"44{month:%y%m}01")


def _disputed_month(month, *, finance, checker, supplier, admin) -> None:
    from settlement.models import Adjustment, Category, Resolution
    from settlement.services import adjustments, reconciliation, statements

    statement = _generate(month)[supplier.name]
    issued_at = _after(month, days=1, hours=10)
    statement = statements.issue_statement(statement=statement, actor=finance, now=issued_at)
    line = statements.version_lines(statements.current_version(statement)).first()
    matched, missing = f"{line.order_number},{line.sku},配送,{line.quantity},{line.amount}", f"{line.order_number}-X,{line.sku},配送,1"
    unit = (line.amount / line.quantity).quantize(Decimal("0.01"))
    for rows, hours in (  # a first file with a mistyped amount, superseded by the corrected one
        ([matched, f"{missing},108.00"], 20), ([matched, f"{missing},180.00", f"{line.order_number},{line.sku},退货,-1,-{unit}"], 24),
    ):
        uploaded = reconciliation.upload_reconciliation(
            statement=statement, file_name=f"{supplier.name}-{month:%Y%m}对账.csv", content="\n".join(["订单号,SKU,类型,数量,金额", *rows]).encode(),
            actor=admin, now=issued_at + timedelta(hours=hours))
    statement = statements.dispute_statement(statement=statement, actor=admin, now=issued_at + timedelta(days=1, hours=1),
                                 reason="我方记录本月另有 1 盒龙井礼盒已签收未计入，请核对补计 ¥180.00")
    adjustment = adjustments.propose_adjustment(
        supplier=supplier, kind=Adjustment.Kind.DISPUTE, amount=Decimal("180.00"), statement=statement, actor=finance,
        now=issued_at + timedelta(days=2), reason="核实签收记录，补计 1 盒龙井礼盒结算款",
        reconciliation_lines=uploaded.lines.filter(category=Category.MISSING_IN_OURS, kind="delivery"),
    )
    adjustments.approve_adjustment(adjustment=adjustment, actor=checker, now=issued_at + timedelta(days=2, hours=3), note="签收单已核对")
    returned = uploaded.lines.get(category=Category.MISSING_IN_OURS, kind="return")
    carried = reconciliation.resolve_line(line=returned, resolution=Resolution.CARRY_FORWARD, actor=finance,
                                          now=issued_at + timedelta(days=2, hours=4), note="礼品商称已退货，转入下期扣回")
    adjustments.reject_adjustment(adjustment=carried.adjustment, actor=checker, now=issued_at + timedelta(days=2, hours=6),
                                  note="仓库未收到该退货，无退货入库记录")


@register_seed(60, "settlement: bank accounts, a paid month, a disputed month with reconciliation and adjustment, a draft")
def seed_settlement(*, now, password, progress) -> None:
    from settlement.models import Adjustment, GenerationRun
    from settlement.services import adjustments

    first, second, third = _months(now)
    if GenerationRun.objects.filter(month=first).exists():
        progress(4, 4)
        return
    operator = ensure_user(username="operator", role=Role.OPERATOR, password=password)
    finance = ensure_user(username="finance", role=Role.FINANCE, password=password)
    checker = ensure_user(username="finance2", role=Role.FINANCE, password=password)
    supplier_a, admin_a = _admin("supplier_a")
    supplier_b, admin_b = _admin("supplier_b")
    seed_receivable.onboard_terminating(first=first, operator=operator, password=password)
    for username in ACCOUNTS:
        _bank_account(username, operator=operator, at=_at(first, day=1, hour=9) - timedelta(days=30))
    _new_bank_account("supplier_a", at=now - timedelta(days=1))
    progress(1, 4)

    packaging = adjustments.propose_adjustment(
        supplier=supplier_b, kind=Adjustment.Kind.COMPENSATION, amount=Decimal("800.00"), actor=finance,
        now=_at(first, day=15, hour=10), reason="礼品商垫付的促销宣传物料费补偿",
    )
    adjustments.approve_adjustment(adjustment=packaging, actor=checker, now=_at(first, day=16, hour=11))
    seed_receivable.penalise(first=first, finance=finance, checker=checker)
    _paid_month(first, finance=finance, checker=checker, supplier=supplier_a, admin=admin_a, overdue_supplier=supplier_b,
                overdue_admin=admin_b)
    seed_receivable.terminate_owing(first=first, finance=finance, operator=operator)
    progress(2, 4)

    _disputed_month(second, finance=finance, checker=checker, supplier=supplier_a, admin=admin_a)
    progress(3, 4)

    compensation = adjustments.propose_adjustment(
        supplier=supplier_b, kind=Adjustment.Kind.COMPENSATION, amount=Decimal("500.00"), actor=finance,
        now=_at(third, day=9, hour=10), reason="国庆促销活动礼品商垫付的包装费补偿",
    )
    adjustments.approve_adjustment(adjustment=compensation, actor=checker, now=_at(third, day=10, hour=15))
    _generate(third)
    adjustments.propose_adjustment(
        supplier=supplier_a, kind=Adjustment.Kind.PENALTY, amount=Decimal("-200.00"), actor=finance,
        now=now - timedelta(days=1), reason="配送超时 2 单，按合同第 8 条扣款", source_kind="other",
    )
    progress(4, 4)

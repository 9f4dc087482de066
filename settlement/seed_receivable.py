"""Demo data of a terminated supplier's receivable (called by settlement.seed's step, within its guard): supplier_d,
onboarded four months before seeding, was charged a penalty in month 1 with no delivery to pay against; its statement
of month 1 is issued and confirmed, closing with a negative payable, and the operator then ends the cooperation, so
what it owes becomes a receivable (结算单 → 仅看应收), part paid, on which finance records the rest once it pays."""
from datetime import timedelta
from decimal import Decimal

#: the demo supplier whose cooperation has ended owing a penalty: name, first 17 characters of its credit code, login, phone
TERMINATED = ("苏州云锦家纺有限公司", "91320500MA1DDDDD3", "supplier_d", "13900004444")
ACCOUNT = ("中国农业银行苏州工业园区支行", "6228480402564890018")
#: what supplier_d has paid of its receivable of 350.00 so far: 200.00 is still outstanding
PAID_FIRST = Decimal("150.00")


def onboard_terminating(*, first, operator, password) -> None:
    """supplier_d applied and approved (with its contract and licence) well before month 1."""
    from suppliers.seed import demo_credit_code, seed_paperwork
    from suppliers.services import onboarding

    from settlement.seed import _at

    name, code17, username, phone = TERMINATED
    onboarded = _at(first, day=1, hour=9) - timedelta(days=30)
    supplier = onboarding.apply_as_supplier(
        name=name, credit_code=demo_credit_code(code17), contact_name="王经理", contact_phone=phone,
        contact_email=f"{username}@example.com", address="江苏省苏州市工业园区星湖街 328 号", username=username,
        password=password, now=onboarded,
    )
    onboarding.start_supplier_review(supplier=supplier, actor=operator, now=onboarded)
    seed_paperwork(supplier=supplier, operator=operator, now=onboarded, index=4)
    onboarding.approve_supplier(supplier=supplier, actor=operator, now=onboarded, reason="资质齐全")


def penalise(*, first, finance, checker) -> None:
    """A penalty booked in month 1 with nothing to pay against: month 1's statement of supplier_d is negative."""
    from settlement.models import Adjustment
    from settlement.seed import _admin, _at
    from settlement.services import adjustments

    supplier, _user = _admin(TERMINATED[2])
    penalty = adjustments.propose_adjustment(
        supplier=supplier, kind=Adjustment.Kind.PENALTY, amount=Decimal("-350.00"), actor=finance, now=_at(first, day=12, hour=10),
        reason="样品质检不合格，按合同第 9 条扣款", source_kind="other",
    )
    adjustments.approve_adjustment(adjustment=penalty, actor=checker, now=_at(first, day=13, hour=11))


def terminate_owing(*, first, finance, operator) -> None:
    """Month 1's statement of supplier_d issued and confirmed (closed, its negative payable carried), then the
    cooperation ended: the payable is owed as a receivable, of which the supplier has since paid a part (PAID_FIRST)."""
    from settlement.models import Statement
    from settlement.seed import _admin, _after
    from settlement.services import statements
    from suppliers.services import onboarding

    supplier, admin = _admin(TERMINATED[2])
    statement = Statement.objects.get(supplier=supplier, month=first)
    issued_at = _after(first, days=1, hours=10)
    statements.issue_statement(statement=statement, actor=finance, now=issued_at)
    statements.confirm_statement(statement=statement, actor=admin, now=issued_at + timedelta(days=1))
    onboarding.terminate_supplier(supplier=supplier, actor=operator, now=issued_at + timedelta(days=5),
                                  reason="质检连续不合格，经复评决定终止合作")
    # a first part of what it owes paid: the receivable stays open with the rest outstanding
    statements.record_collection(statement=statement, actor=finance, now=issued_at + timedelta(days=12), reference="COL-DEMO-PART",
                                 amount=PAID_FIRST)

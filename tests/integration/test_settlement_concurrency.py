"""Settlement steps racing on PostgreSQL (SPEC §4.11): each of two steps on the same supplier's money acts on what the
other committed, never on what the other is about to change; the step held first keeps its locks while the other
runs into it."""
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import transaction

from core.errors import Conflict, ValidationFailed
from logistics.errors import CostOnStatement
from logistics.models import ExtraCost
from logistics.services import costs
from settlement.models import Adjustment, Reconciliation, ReconciliationLine, SourceKind, Statement, StatementLine
from settlement.models.reconciliation import Category, Resolution
from settlement.services import adjustments, generation, locking, reconciliation, statements
from tests.factories import SHANGHAI, MemberFactory
from tests.integration.racing import hold, run_into
from tests.settlement.conftest import (  # noqa: F401  (fixtures)
    GENERATED_AT, LATER, OCTOBER, booked_order, draft, negative, supplier,
)
from tests.settlement.test_reconciliation import SUPPLIER_ROWS, book, csv_bytes, dispute, statement, statement_of, upload  # noqa: F401  (fixture)

NOVEMBER = date(2026, 11, 1)


def test_a_month_generated_again_while_its_draft_is_issued_adds_nothing_to_the_issued_version(
    programs, draft, finance, monkeypatch  # noqa: F811
):
    late = booked_order(draft.supplier, "50.00", recorded_at=datetime(2026, 10, 20, 10, 0, tzinfo=SHANGHAI))  # not claimed yet

    issuing, generating = run_into(
        lambda: statements.issue_statement(statement=Statement.objects.get(pk=draft.pk), actor=finance, now=LATER),
        hold(monkeypatch, statements, "store_pdf"),  # version 1 frozen, its PDF being rendered
        lambda: generation.generate_now(month=OCTOBER, actor=finance, now=LATER + timedelta(hours=1)),
    )

    assert (issuing.error, generating.error) == (None, None)
    issued = Statement.objects.get(pk=draft.pk)
    version = issued.versions.get(number=1)
    assert issued.state == Statement.State.ISSUED
    assert StatementLine.objects.filter(statement=issued).count() == version.line_count == 2
    assert version.payable == issued.payable == Decimal("300.00")
    assert not StatementLine.objects.filter(source_kind=SourceKind.ORDER, source_id=late.pk).exists(), "left for November"


def test_an_order_of_the_supplier_is_written_while_its_statement_is_being_issued(programs, draft, finance, monkeypatch):  # noqa: F811
    """Issuing a statement renders its PDF holding the statement's row and the supplier's only FOR NO KEY UPDATE: an
    order (a notice, a cost) referring to the supplier is written meanwhile, not once the PDF is done."""
    member = MemberFactory()

    def order():
        booked_order(draft.supplier, "50.00", recorded_at=datetime(2026, 11, 2, 10, 0, tzinfo=SHANGHAI), member=member)
        return Statement.objects.get(pk=draft.pk).state  # what was committed when the order was

    issuing, ordering = run_into(
        lambda: statements.issue_statement(statement=Statement.objects.get(pk=draft.pk), actor=finance, now=LATER),
        hold(monkeypatch, statements, "store_pdf"),  # the statement locked, its PDF being rendered
        order,
    )

    assert (issuing.error, ordering.error) == (None, None)
    assert ordering.result == Statement.State.DRAFT, "the order waited for the statement being issued"
    assert Statement.objects.get(pk=draft.pk).state == Statement.State.ISSUED


def test_a_statement_locked_while_generation_claims_for_its_supplier_is_read_with_what_was_claimed(
    programs, draft, finance, monkeypatch  # noqa: F811
):
    """Every step acting on a statement locks it through `locking`, which takes the supplier's row first: it waits for
    a generation run holding the supplier and reads the draft that run totalled, not the one it was about to change."""
    booked_order(draft.supplier, "50.00", recorded_at=datetime(2026, 10, 20, 10, 0, tzinfo=SHANGHAI))

    def read_locked():
        with transaction.atomic():
            return locking.lock_statement(Statement.objects.get(pk=draft.pk)).payable

    generating, reading = run_into(
        lambda: generation.generate_now(month=OCTOBER, actor=finance, now=LATER),
        hold(monkeypatch, generation, "_claim"),  # the supplier locked, nothing claimed yet
        read_locked,
    )

    assert (generating.error, reading.error) == (None, None)
    assert reading.result == Statement.objects.get(pk=draft.pk).payable == Decimal("350.00")


def test_a_payable_reissued_while_the_next_month_carries_it_has_its_change_proposed_as_a_correction(
    programs, negative, supplier_admin, finance, finance_checker, monkeypatch  # noqa: F811
):
    disputed = statements.dispute_statement(statement=negative, actor=supplier_admin, now=LATER, reason="罚款有误")
    answer = adjustments.propose_adjustment(supplier=negative.supplier, kind="dispute", amount="-20.00", reason="再扣一笔",
                                            actor=finance, now=LATER, statement=disputed)
    adjustments.approve_adjustment(adjustment=answer, actor=finance_checker, now=LATER)
    at = datetime(2026, 12, 1, 2, 0, tzinfo=SHANGHAI)

    generating, reissuing = run_into(
        lambda: generation.generate_now(month=NOVEMBER, actor=finance, now=at),
        hold(monkeypatch, generation, "_write_draft_totals"),  # October's -30.00 claimed by November, not committed
        lambda: statements.reissue_statement(statement=Statement.objects.get(pk=negative.pk), actor=finance, now=at),
    )

    assert (generating.error, reissuing.error) == (None, None)
    october = Statement.objects.get(pk=negative.pk)
    carried = StatementLine.objects.get(source_kind=SourceKind.STATEMENT, source_id=october.pk)
    corrections = Adjustment.objects.filter(kind=Adjustment.Kind.CARRY_CORRECTION, state=Adjustment.State.PROPOSED)
    assert (october.version, october.payable) == (2, Decimal("-50.00"))
    assert (carried.amount, [correction.amount for correction in corrections]) == (Decimal("-30.00"), [Decimal("-20.00")])


def _cost(supplier) -> ExtraCost:  # noqa: F811
    """A 12.00 handling fee the supplier bears, of an October delivery worth 100.00."""
    order = booked_order(supplier, "100.00", recorded_at=datetime(2026, 10, 5, tzinfo=SHANGHAI))
    return ExtraCost.objects.create(kind="handling", payer="supplier", supplier=supplier, amount=Decimal("12.00"), order=order,
                                    description="手工搬运", recorded_at=datetime(2026, 10, 6, tzinfo=SHANGHAI))


def _void(cost: ExtraCost, actor):
    return lambda: costs.void_extra_cost(cost=ExtraCost.objects.get(pk=cost.pk), actor=actor, now=GENERATED_AT, reason="录入错误")


def test_a_cost_voided_while_generation_claims_it_is_refused_as_on_the_statement(
    programs, supplier, finance, logistics, monkeypatch  # noqa: F811
):
    cost = _cost(supplier)

    generating, voiding = run_into(
        lambda: generation.generate_now(month=OCTOBER, actor=finance, now=GENERATED_AT),
        hold(monkeypatch, generation, "_write_draft_totals"),  # the cost claimed, not committed
        _void(cost, logistics),
    )

    assert generating.error is None
    assert isinstance(voiding.error, CostOnStatement), voiding.error
    cost.refresh_from_db()
    assert cost.state == ExtraCost.State.RECORDED
    assert StatementLine.objects.get(source_kind=SourceKind.EXTRA_COST, source_id=cost.pk).amount == Decimal("-12.00")
    assert Statement.objects.get(supplier=supplier, month=OCTOBER).payable == Decimal("88.00")


def test_a_cost_being_voided_when_generation_claims_is_not_billed(programs, supplier, finance, logistics, monkeypatch):  # noqa: F811
    cost = _cost(supplier)

    voiding, generating = run_into(
        _void(cost, logistics),
        hold(monkeypatch, costs, "_tell_supplier_voided"),  # voided, not committed
        lambda: generation.generate_now(month=OCTOBER, actor=finance, now=GENERATED_AT),
    )

    assert (voiding.error, generating.error) == (None, None)
    cost.refresh_from_db()
    assert cost.state == ExtraCost.State.VOIDED
    assert not StatementLine.objects.filter(source_kind=SourceKind.EXTRA_COST, source_id=cost.pk).exists()
    assert Statement.objects.get(supplier=supplier, month=OCTOBER).payable == Decimal("100.00")


def test_two_uploads_of_a_reconciliation_file_at_once_leave_the_later_one_current(
    programs, statement, supplier_admin, now, monkeypatch  # noqa: F811
):
    def upload():
        return reconciliation.upload_reconciliation(statement=Statement.objects.get(pk=statement.pk), file_name="对账.csv",
                                                    content=csv_bytes(SUPPLIER_ROWS), actor=supplier_admin, now=now)

    first, second = run_into(upload, hold(monkeypatch, reconciliation, "_store"), upload)  # a double click

    assert (first.error, second.error) == (None, None)
    assert list(Reconciliation.objects.filter(statement=statement, superseded_by__isnull=True)) == [second.result]
    assert Reconciliation.objects.get(pk=first.result.pk).superseded_by == second.result


def _disputed(negative, supplier_admin) -> Statement:  # noqa: F811
    return statements.dispute_statement(statement=negative, actor=supplier_admin, now=LATER, reason="罚款有误")


def _propose_answer(disputed: Statement, actor):
    return lambda: adjustments.propose_adjustment(supplier=disputed.supplier, kind="dispute", amount="-20.00", reason="再扣一笔",
                                                  actor=actor, now=LATER, statement=disputed)


def _reissue(disputed: Statement, actor):
    return lambda: statements.reissue_statement(statement=Statement.objects.get(pk=disputed.pk), actor=actor, now=LATER,
                                                reason="罚款无误，原样重新下发")


def test_a_dispute_answer_proposed_while_the_statement_is_reissued_is_refused(
    programs, negative, supplier_admin, finance, monkeypatch  # noqa: F811
):
    disputed = _disputed(negative, supplier_admin)

    reissuing, proposing = run_into(
        _reissue(disputed, finance),
        hold(monkeypatch, statements, "store_pdf"),  # version 2 frozen, its PDF being rendered
        _propose_answer(disputed, finance),
    )

    assert reissuing.error is None
    assert isinstance(proposing.error, ValidationFailed) and proposing.error.field == "statement", proposing.error
    assert not Adjustment.objects.filter(kind=Adjustment.Kind.DISPUTE).exists()
    assert Statement.objects.get(pk=negative.pk).state == Statement.State.ISSUED


def test_a_reissue_while_a_dispute_answer_is_being_proposed_waits_for_its_checker(
    programs, negative, supplier_admin, finance, monkeypatch  # noqa: F811
):
    disputed = _disputed(negative, supplier_admin)

    proposing, reissuing = run_into(
        _propose_answer(disputed, finance),
        hold(monkeypatch, adjustments, "create_numbered"),  # checked in dispute, not written yet
        _reissue(disputed, finance),
    )

    assert proposing.error is None
    assert isinstance(reissuing.error, ValidationFailed) and reissuing.error.field == "adjustments", reissuing.error
    still = Statement.objects.get(pk=negative.pk)
    assert (still.state, still.version) == (Statement.State.DISPUTED, 1)
    assert proposing.result.statement_id == still.pk and proposing.result.state == Adjustment.State.PROPOSED


@pytest.fixture
def disputed_with_lines(supplier, supplier_admin, now):  # noqa: F811
    """A statement in dispute whose reconciliation has RO-1-X (180.00) not booked by the platform."""
    disputed = statement_of(supplier, date(2026, 10, 1), now)
    book(disputed, [("RO-1", "SKU-A", SourceKind.ORDER, 1, "360.00")], now)
    upload(disputed, supplier_admin, now, csv_bytes([["RO-1", "SKU-A", "配送", "1", "360.00"], ["RO-1-X", "SKU-A", "配送", "1", "180.00"]]))
    return dispute(disputed, supplier_admin, now)


def test_a_line_resolved_while_a_dispute_adjustment_answers_it_is_answered_once_without_a_deadlock(
    programs, disputed_with_lines, supplier, finance, now, monkeypatch  # noqa: F811
):
    """Finance accepts the supplier's figure of a line while another finance user proposes a dispute adjustment answering
    that line: both lock the supplier, the statement and then the line, so the second waits for the first and is told
    the line is answered, where before each held what the other needed next and PostgreSQL broke the deadlock."""
    claim = ReconciliationLine.objects.get(category=Category.MISSING_IN_OURS)

    def answer():
        return adjustments.propose_adjustment(supplier=supplier, kind="dispute", amount="180.00", reason="补计 1 盒",
                                              statement=disputed_with_lines, actor=finance, now=now, reconciliation_lines=[claim.pk])

    def accept():
        return reconciliation.resolve_line(line=claim, resolution=Resolution.ACCEPT_THEIRS, actor=finance, now=now)

    resolving, proposing = run_into(accept, hold(monkeypatch, reconciliation, "_adjustment_for"), answer)

    assert resolving.error is None, resolving.error
    assert isinstance(proposing.error, (Conflict, ValidationFailed)), proposing.error
    claim.refresh_from_db()
    assert claim.adjustment == resolving.result.adjustment and Adjustment.objects.count() == 1

"""What an ORM delete (a shell, a data fix, a future admin page) may not take with it: a statement's versions, lines
and reconciliations, the facts that hang off complaints, assessments, hand-overs and tariffs, and who moved points or
stock. Each is protected, as the audit trail is (core.0007)."""
from datetime import datetime

import pytest
from django.db.models import ProtectedError

from core.roles import Role
from points.models import Complaint, ComplaintDeadline, LedgerEntry
from points.services import complaints, ledger
from settlement.models import Reconciliation, ReconciliationLine, Statement, StatementLine, StatementVersion
from settlement.services import reconciliation
from suppliers.models import StockMovement
from suppliers.services import inventory
from tests.factories import SHANGHAI, GiftFactory, MemberFactory, UserFactory, WarehouseFactory

pytestmark = pytest.mark.django_db
AT = datetime(2026, 3, 1, 10, 0, tzinfo=SHANGHAI)


def test_deleting_an_issued_statement_is_refused_and_keeps_its_versions_and_lines(issued):
    lines = list(StatementLine.objects.filter(statement=issued).values_list("source_kind", "source_id", "amount"))
    assert len(lines) == 2

    with pytest.raises(ProtectedError):
        Statement.objects.filter(pk=issued.pk).delete()

    assert Statement.objects.get(pk=issued.pk).state == "issued"
    assert list(StatementLine.objects.filter(statement=issued).values_list("source_kind", "source_id", "amount")) == lines
    assert StatementVersion.objects.filter(statement=issued).exists()


def test_a_draft_statement_is_deleted_only_once_its_lines_are(draft):
    with pytest.raises(ProtectedError):
        draft.delete()

    StatementLine.objects.filter(statement=draft).delete()
    StatementVersion.objects.filter(statement=draft).delete()
    draft.delete()

    assert not Statement.objects.exists()


def test_a_user_who_corrected_points_or_moved_stock_is_kept(db):
    operator = UserFactory(username="op2", role=Role.OPERATOR)
    member = MemberFactory()
    ledger.earn_points(member=member, points=100, source=ledger.Source("batch", "A"), at=AT)
    entry = ledger.adjust_points(member=member, points=-40, source=ledger.Source("manual", "1"), at=AT, reason_code="fix",
                                 actor=operator, note="手工更正")
    clerk = UserFactory(username="clerk", role=Role.LOGISTICS)
    inventory.receive_stock(gift=GiftFactory(), location=WarehouseFactory(code="WH-KEPT"), quantity=5, at=AT, actor=clerk)

    for user in (operator, clerk):
        with pytest.raises(ProtectedError):
            user.delete()

    assert LedgerEntry.objects.get(pk=entry.pk).actor == operator
    assert StockMovement.objects.get().actor == clerk


def test_a_reconciliation_with_its_lines_is_kept(issued, supplier_admin, now):
    content = "order_number,sku,kind,quantity,amount\nRO-1,SKU-1,delivery,1,170.00\n".encode()
    uploaded = reconciliation.upload_reconciliation(statement=issued, file_name="ours.csv", content=content, actor=supplier_admin, now=now)
    lines = ReconciliationLine.objects.filter(reconciliation=uploaded).count()

    with pytest.raises(ProtectedError):
        Reconciliation.objects.filter(pk=uploaded.pk).delete()

    assert lines > 0 and ReconciliationLine.objects.filter(reconciliation=uploaded).count() == lines


def test_a_triaged_complaint_keeps_its_answering_deadline(supplier, finance, operator, now):
    complaint = complaints.open_complaint(actor=finance, now=now, supplier=supplier, title="恶意压价", description="…")
    complaints.triage_complaint(complaint=complaint, actor=operator, now=now, responsible="supplier")
    assert ComplaintDeadline.objects.filter(complaint=complaint).exists()

    with pytest.raises(ProtectedError):
        Complaint.objects.filter(pk=complaint.pk).delete()

    assert Complaint.objects.filter(pk=complaint.pk).exists() and ComplaintDeadline.objects.filter(complaint=complaint).exists()

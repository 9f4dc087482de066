"""`manage.py seed_demo`'s settlement months: the dispute adjustment answers the reconciliation line of the same
claim, so finance is not offered to pay it a second time; supplier_b's invoiced statement is overdue."""
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from core.errors import Conflict
from settlement.models import Adjustment, Category, ReconciliationLine, Resolution, Statement
from settlement.services.reconciliation import lines_to_resolve, resolve_line
from tests.factories import FIXED_NOW

# with --dist loadgroup one worker runs the module: the demo is seeded once (seeded_demo), not once per worker
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("seed_settlement")]


def test_the_seeded_dispute_adjustment_resolves_its_reconciliation_line(seeded_demo, django_user_model):
    dispute = Adjustment.objects.get(kind=Adjustment.Kind.DISPUTE)
    claim = ReconciliationLine.objects.select_related("reconciliation__statement", "reconciliation__version", "adjustment").get(
        category=Category.MISSING_IN_OURS, kind="delivery", reconciliation__superseded_by__isnull=True)
    finance = django_user_model.objects.get(username="finance")

    assert (claim.resolution, claim.adjustment, claim.amount, claim.open) == (Resolution.ACCEPT_THEIRS, dispute, dispute.amount, False)
    with pytest.raises(Conflict):
        resolve_line(line=claim, resolution=Resolution.ACCEPT_THEIRS, actor=finance, now=FIXED_NOW)
    assert Adjustment.objects.filter(kind=Adjustment.Kind.DISPUTE).count() == 1
    assert lines_to_resolve(finance) == 1  # the return the supplier's file claims, left for finance (the next test)


def test_supplier_as_newer_reconciliation_file_supersedes_the_older_and_leaves_a_return_for_finance_to_resolve(
        seeded_demo, client, django_user_model):
    from settlement.models import Reconciliation

    call_command("seed_demo", stdout=StringIO())  # seeded twice
    older, newer = Reconciliation.objects.filter(statement__supplier__name="杭州优选礼品有限公司").order_by("uploaded_at", "pk")
    finance = django_user_model.objects.get(username="finance")
    client.login(username="finance", password="demo12345")

    open_only = client.get("/settlement/reconciliations/?open_only=on").context["page_obj"]

    assert older.superseded_by == newer and newer.superseded_by is None
    assert [r.pk for r in open_only] == [newer.pk]
    (left,) = [line for line in newer.lines.all() if line.open]
    assert (left.kind, left.category, left.quantity) == ("return", Category.MISSING_IN_OURS, -1)
    assert [(kept.resolution, kept.resolved_by.username, kept.adjustment.state) for kept in left.resolution_log.all()] == [
        ("carry_forward", "finance", "rejected")]
    page = client.get(f"/settlement/reconciliations/{newer.pk}/").content.decode()
    assert "礼品商称已退货，转入下期扣回" in page and "已驳回" in page
    resolve_line(line=left, resolution=Resolution.ACCEPT_OURS, actor=finance, now=FIXED_NOW, note="未收到退货")
    assert lines_to_resolve(finance) == 0
    assert [kept.resolution for kept in left.resolution_log.order_by("pk")] == ["carry_forward", "accept_ours"]


def test_finance_finds_the_terminated_suppliers_receivable_and_records_its_collection(seeded_demo, client, django_user_model):
    from settlement.services.statements import record_collection
    from suppliers.models import Supplier

    call_command("seed_demo", stdout=StringIO())  # seeded twice
    client.login(username="finance", password="demo12345")

    listed = client.get("/settlement/statements/?receivable=on").context["page_obj"]

    (owed,) = listed
    assert (owed.supplier.state, owed.state, owed.receivable, owed.payable, owed.outstanding) == (
        Supplier.State.TERMINATED, "closed", True, -350, 200)  # a first 150.00 paid
    own = Client()
    own.login(username="supplier_d", password="demo12345")
    assert [s.pk for s in own.get("/settlement/statements/?receivable=on").context["page_obj"]] == [owed.pk]  # its own, read
    collected = record_collection(statement=owed, actor=django_user_model.objects.get(username="finance"), now=timezone.now(),
                                  reference="COL-DEMO-001", amount="200.00")
    assert (collected.state, collected.collection_reference) == ("collected", "COL-DEMO-001")


def test_supplier_bs_invoiced_statement_is_past_its_payment_due_day_in_the_list_and_on_its_page(seeded_demo, client):
    call_command("seed_demo", stdout=StringIO())  # seeded twice
    overdue = Statement.objects.get(supplier__name="深圳星河数码科技有限公司", state=Statement.State.INVOICED)
    client.login(username="finance", password="demo12345")

    listed = client.get("/settlement/statements/?overdue=on").context["page_obj"]
    page = client.get(f"/settlement/statements/{overdue.pk}/").content.decode()

    assert [statement.pk for statement in listed] == [overdue.pk]
    assert overdue.payment_due_on < timezone.localdate() and overdue.payment_days == 30
    assert 'data-testid="overdue"' in page
    assert Statement.objects.filter(supplier=overdue.supplier).count() == 2  # seeded once: this and the last month's draft


def test_finance_finds_a_penalty_proposed_by_the_complaint_rate_rule_waiting_in_its_queue(seeded_demo, client, django_user_model):
    from core.fsm import history_of
    from settlement.models import PenaltyProposal
    from settlement.services.assessment import penalties_waiting

    call_command("seed_demo", stdout=StringIO())  # seeded twice
    client.login(username="finance", password="demo12345")

    page = client.get("/settlement/assessments/penalties/")

    proposal = PenaltyProposal.objects.select_related("supplier", "rule", "assessment").get()
    assert (proposal.supplier.name, proposal.rule.kpi, proposal.state, proposal.amount) == (
        "杭州优选礼品有限公司", "complaint_rate", "proposed", -200
    )
    assert proposal.value > proposal.rule.threshold
    assert [(log.transition, log.actor) for log in history_of(proposal)] == [("propose", None)]  # the assessment proposed it
    assert [p.pk for p in page.context["page_obj"]] == [proposal.pk]
    assert penalties_waiting(django_user_model.objects.get(username="finance")) == 1


def test_the_operator_finds_supplier_as_new_bank_account_waiting_with_its_permit_and_both_numbers_whole(seeded_demo, client):
    from suppliers.models import ProfileChange

    call_command("seed_demo", stdout=StringIO())  # seeded twice
    change = ProfileChange.objects.get(field="bank_account", state="pending")
    client.login(username="operator", password="demo12345")

    page = client.get(f"/supplier/profile-changes/review/{change.pk}/").content.decode()
    permit = client.get(f"/supplier/files/profile-changes/{change.pk}/")

    assert change.supplier.name == "杭州优选礼品有限公司"
    assert "6222021202004567891" in page and "6217001234560001" in page
    assert (permit.status_code, permit["Content-Type"], b"".join(permit.streaming_content)[:8]) == (200, "image/png", b"\x89PNG\r\n\x1a\n")


def test_seeding_again_after_finance_accepts_the_seeded_penalty_keeps_its_assessment_as_decided(seeded_demo, django_user_model):
    from settlement.models import Assessment, KpiResult, PenaltyProposal
    from settlement.services.assessment import accept_penalty

    proposal = PenaltyProposal.objects.get()
    accept_penalty(proposal=proposal, actor=django_user_model.objects.get(username="finance"), now=timezone.now())
    decided = Assessment.objects.filter(pk=proposal.assessment_id).values_list("score", "computed_at").get()
    results = sorted(KpiResult.objects.filter(assessment_id=proposal.assessment_id).values_list("kpi", "numerator", "denominator"))

    call_command("seed_demo", stdout=StringIO())

    assert PenaltyProposal.objects.get().state == PenaltyProposal.State.ACCEPTED
    assert Assessment.objects.filter(pk=proposal.assessment_id).values_list("score", "computed_at").get() == decided
    assert sorted(KpiResult.objects.filter(assessment_id=proposal.assessment_id).values_list("kpi", "numerator", "denominator")) == results

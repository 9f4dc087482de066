"""`active` needs an approved contract in force and a valid business licence (SPEC §4.1)."""
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import translation

from core.errors import ValidationFailed
from suppliers.errors import ActivationBlocked
from suppliers.models import Supplier
from suppliers.services import contracts, onboarding
from tests.factories import SHANGHAI, ContractFactory, QualificationFactory, ready_to_activate

pytestmark = [pytest.mark.django_db, pytest.mark.supplier(applicant=True)]  # `supplier`: an applicant gathering its paperwork


@pytest.fixture
def under_review(supplier, operator, now):
    return onboarding.start_supplier_review(supplier=supplier, actor=operator, now=now)


def test_approval_without_contract_or_licence_is_refused_naming_what_is_missing(under_review, operator, now):
    with pytest.raises(ActivationBlocked) as refused:
        onboarding.approve_supplier(supplier=under_review, actor=operator, now=now)

    assert refused.value.field == "contract" and "营业执照" in refused.value.detail
    under_review.refresh_from_db()
    assert under_review.state == Supplier.State.UNDER_REVIEW


def test_a_pending_contract_does_not_count(under_review, operator, now):
    ContractFactory(supplier=under_review)
    QualificationFactory(supplier=under_review)

    with pytest.raises(ActivationBlocked) as refused:
        onboarding.approve_supplier(supplier=under_review, actor=operator, now=now)

    assert refused.value.field == "contract"


def test_an_expired_licence_does_not_count(under_review, operator, now):
    contracts.approve_contract(contract=ContractFactory(supplier=under_review), actor=operator, now=now)
    QualificationFactory(supplier=under_review, issued_on=date(2020, 1, 1), expires_on=now.date() - timedelta(days=1))

    with pytest.raises(ActivationBlocked) as refused:
        onboarding.approve_supplier(supplier=under_review, actor=operator, now=now)

    assert refused.value.field == "business_licence"


def test_with_both_the_supplier_becomes_active(under_review, operator, now):
    ready_to_activate(under_review)

    onboarding.approve_supplier(supplier=under_review, actor=operator, now=now)

    assert under_review.state == Supplier.State.ACTIVE


def test_reactivation_also_needs_a_contract_in_force(under_review, operator, now):
    ready_to_activate(under_review)
    onboarding.approve_supplier(supplier=under_review, actor=operator, now=now)
    onboarding.suspend_supplier(supplier=under_review, actor=operator, now=now, reason="整改")

    with pytest.raises(ActivationBlocked):
        onboarding.reactivate_supplier(supplier=under_review, actor=operator, now=now.replace(year=2028))

    under_review.refresh_from_db()
    assert under_review.state == Supplier.State.SUSPENDED


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"end_date": date(2025, 1, 1)}, "end_date"), ({"programs": []}, "programs"), ({"programs": ["unicom"]}, "programs")],
)
def test_a_bad_contract_is_refused_naming_the_field(supplier, operator, now, changes, field):
    values = {"number": "HT-1", "start_date": date(2026, 1, 1), "end_date": date(2027, 1, 1), "programs": ["gotone"],
              "payment_days": 30, "deposit_amount": "1000.00"} | changes

    with pytest.raises(ValidationFailed) as refused:
        contracts.create_contract(supplier=supplier, actor=operator, now=now, **values)

    assert refused.value.field == field
    assert not supplier.contracts.exists()


@pytest.mark.parametrize("decision", ["suspend", "terminate"])
def test_suspending_or_terminating_needs_a_reason_and_changes_nothing_without_one(under_review, operator, now, decision):
    from tests.portal import field_errors, logged_in

    ready_to_activate(under_review, now=now)
    onboarding.approve_supplier(supplier=under_review, actor=operator, now=now)
    client = logged_in(operator)
    page = client.get(f"/supplier/review/{under_review.pk}/").content.decode()

    with pytest.raises(ValidationFailed) as refused:
        getattr(onboarding, f"{decision}_supplier")(supplier=under_review, actor=operator, now=now, reason="  ")
    response = client.post(f"/supplier/review/{under_review.pk}/{decision}/", {"reason": ""})

    under_review.refresh_from_db()
    assert refused.value.field == "reason" and under_review.state == Supplier.State.ACTIVE
    assert response.status_code == 400 and field_errors(response) == {"reason": "请说明原因"}  # next to the reason, on the page
    assert re.search(rf'<button type="submit" class="danger" data-action="{decision}" onclick="return confirm\(', page)


def test_a_refusal_naming_both_requirements_reads_in_the_readers_language(under_review, operator, now):
    for language, expected in (("en", "No approved contract in force. No valid business licence."),
                               ("zh-hans", "缺少已生效的合同；缺少有效的营业执照")):
        with translation.override(language), pytest.raises(ActivationBlocked) as refused:
            onboarding.approve_supplier(supplier=under_review, actor=operator, now=now)

        assert refused.value.detail == expected


def test_a_reason_too_long_comes_back_next_to_its_field_with_what_was_typed(under_review, operator):
    from tests.portal import field_errors, logged_in

    typed = "材料" * 1001  # 2 002 characters

    response = logged_in(operator).post(f"/supplier/review/{under_review.pk}/reject/", {"reason": typed})

    under_review.refresh_from_db()
    assert response.status_code == 400 and list(field_errors(response)) == ["reason"]
    assert f'value="{typed}"' in response.content.decode() and under_review.state == Supplier.State.UNDER_REVIEW


def test_a_contract_is_in_force_from_its_first_day_to_its_last(supplier, operator, now):
    contract = contracts.create_contract(supplier=supplier, actor=operator, now=now, number="HT-2027-101", start_date=date(2027, 1, 1),
                                         end_date=date(2027, 12, 31), programs=["gotone"], payment_days=30, deposit_amount=Decimal("10000.00"))
    contracts.approve_contract(contract=contract, actor=operator, now=now)

    in_force = {day: contracts.current_contract(supplier=supplier, on=day)
                for day in (date(2026, 12, 31), date(2027, 1, 1), date(2027, 12, 31), date(2028, 1, 1))}

    assert in_force == {date(2026, 12, 31): None, date(2027, 1, 1): contract, date(2027, 12, 31): contract, date(2028, 1, 1): None}


def test_a_contract_ends_at_the_earliest_the_day_after_it_starts(supplier, operator, now):
    terms = {"start_date": date(2027, 1, 1), "programs": ["gotone"], "payment_days": 30, "deposit_amount": Decimal("10000.00")}

    with pytest.raises(ValidationFailed) as refused:
        contracts.create_contract(supplier=supplier, actor=operator, now=now, number="HT-2027-102", end_date=date(2027, 1, 1), **terms)
    shortest = contracts.create_contract(supplier=supplier, actor=operator, now=now, number="HT-2027-103", end_date=date(2027, 1, 2), **terms)

    assert refused.value.field == "end_date"
    assert list(supplier.contracts.values_list("number", flat=True)) == [shortest.number]


def test_the_activation_checklist_shows_the_contract_waiting_for_review_up_to_its_last_day(supplier, operator, now):
    today = now.astimezone(SHANGHAI).date()
    waiting = contracts.create_contract(supplier=supplier, actor=operator, now=now, number="HT-2026-104", start_date=today - timedelta(days=30),
                                        end_date=today, programs=["gotone"], payment_days=30, deposit_amount=Decimal("10000.00"))

    contract_need = contracts.activation_requirements(supplier=supplier, now=now)[0]
    next_day = contracts.activation_requirements(supplier=supplier, now=now + timedelta(days=1))[0]

    assert (contract_need.field, contract_need.met, contract_need.row) == ("contract", False, waiting)
    assert next_day.row is None

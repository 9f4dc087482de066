"""Finance's decisions on a logistics claim besides accepting it (SPEC §4.6): rejecting one the provider rightly
contests, correcting its figures while it is open, and settling it with the amount and day received."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from core.fsm import history_of
from logistics.errors import LostParcelClaimNotRejectable
from logistics.models import LogisticsClaim, Shipment
from logistics.services import claims, shipments
from points.models import RedemptionOrder
from tests.helpers import picked_and_shipped
from tests.portal import downloaded, field_errors, logged_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def open_claim(delivered_order, now):
    """A transit-damage claim on one of the delivered order's two units (settlement price ¥180.00 each)."""
    return claims.open_claim(order=delivered_order, cause="transit_damage", quantity=1, now=now)


@pytest.fixture
def accepted_claim(open_claim, finance, now):
    return claims.accept_claim(claim=open_claim, actor=finance, now=now)


@pytest.fixture
def lost_parcel_claim(confirmed_order, logistics, now):
    shipments.hand_over_warehouse_orders(key="LOST", actor=logistics, now=now)
    shipped = picked_and_shipped(shipment=Shipment.objects.get(order=confirmed_order), actor=logistics, now=now, carrier="顺丰",
                                 tracking_number="SF-LOST")
    return claims.report_lost_parcel(shipment=shipped, actor=logistics, now=now)


def latest_log(claim):
    return list(history_of(claim))[-1]


# --- rejecting -----------------------------------------------------------------------------------------------------

def test_finance_rejects_an_open_claim_saying_why_and_the_history_keeps_who_when_and_why(open_claim, finance, now):
    claims.reject_claim(claim=open_claim, actor=finance, now=now, reason="签收照片显示外包装完好")

    claim = LogisticsClaim.objects.get()
    log = latest_log(claim)
    assert claim.state == "rejected"
    assert (log.transition, log.actor, log.at, log.reason) == ("reject", finance, now, "签收照片显示外包装完好")
    assert claim.rejection.reason_text == "签收照片显示外包装完好"


def test_rejecting_without_a_reason_is_refused_naming_it_and_changes_nothing(open_claim, finance, now):
    with pytest.raises(ValidationFailed) as refused:
        claims.reject_claim(claim=open_claim, actor=finance, now=now, reason="  ")

    assert refused.value.field == "reason"
    assert LogisticsClaim.objects.get().state == "open"


def test_rejecting_a_settled_claim_is_an_invalid_transition_and_changes_nothing(accepted_claim, finance, now):
    claims.settle_claim(claim=accepted_claim, actor=finance, now=now, settlement_reference="PAY-1")

    with pytest.raises(InvalidTransition):
        claims.reject_claim(claim=accepted_claim, actor=finance, now=now, reason="晚了")

    assert LogisticsClaim.objects.get().state == "settled"


def test_a_rejected_claim_is_neither_accepted_nor_corrected(open_claim, finance, now):
    claims.reject_claim(claim=open_claim, actor=finance, now=now, reason="非运输破损")

    with pytest.raises(InvalidTransition):
        claims.accept_claim(claim=open_claim, actor=finance, now=now)
    with pytest.raises(InvalidTransition):
        claims.correct_claim(claim=open_claim, actor=finance, now=now, amount=Decimal("100.00"), reason="协商")

    assert LogisticsClaim.objects.values_list("state", "amount").get() == ("rejected", Decimal("180.00"))


def test_a_lost_parcels_claim_is_never_rejected_as_the_order_has_acted_on_the_loss(lost_parcel_claim, finance, now):
    with pytest.raises(LostParcelClaimNotRejectable) as refused:
        claims.reject_claim(claim=lost_parcel_claim, actor=finance, now=now, reason="包裹后来送达了")

    assert refused.value.status == 409 and "不能驳回" in str(refused.value.detail)
    assert LogisticsClaim.objects.get().state == "open"
    assert (Shipment.objects.get().state, RedemptionOrder.objects.get().state) == ("failed", "delivery_failed")


@pytest.mark.parametrize("who", ["logistics", "operator"])
def test_only_finance_rejects_or_corrects_a_claim(open_claim, logistics, operator, now, who):
    someone = {"logistics": logistics, "operator": operator}[who]

    with pytest.raises(PermissionDenied):
        claims.reject_claim(claim=open_claim, actor=someone, now=now, reason="非运输破损")
    with pytest.raises(PermissionDenied):
        claims.correct_claim(claim=open_claim, actor=someone, now=now, amount=Decimal("100.00"), reason="协商")

    assert LogisticsClaim.objects.values_list("state", "amount").get() == ("open", Decimal("180.00"))


# --- correcting ----------------------------------------------------------------------------------------------------

def test_finance_corrects_an_open_claims_figures_and_the_history_keeps_the_old_and_the_new(open_claim, finance, now):
    claims.correct_claim(claim=open_claim, actor=finance, now=now, amount=Decimal("300.50"), quantity=2, reason="双方核对为两件")

    log = latest_log(open_claim)
    assert (open_claim.state, open_claim.amount, open_claim.quantity) == ("open", Decimal("300.50"), 2)
    assert LogisticsClaim.objects.values_list("amount", "quantity").get() == (Decimal("300.50"), 2)
    assert (log.transition, log.actor, log.source_state, log.target_state) == ("correct", finance, "open", "open")
    assert log.reason_text == "金额 ¥180.00 → ¥300.50，数量 1 → 2：双方核对为两件"


def test_an_amount_alone_is_corrected_keeping_the_quantity(open_claim, finance, now):
    claims.correct_claim(claim=open_claim, actor=finance, now=now, amount=Decimal("150"), reason="协商")

    assert LogisticsClaim.objects.values_list("amount", "quantity").get() == (Decimal("150.00"), 1)


@pytest.mark.parametrize("changes, field", [
    ({"amount": Decimal("0")}, "amount"),
    ({"amount": Decimal("-5.00")}, "amount"),
    ({"amount": Decimal("10.005")}, "amount"),
    ({"amount": Decimal("360.01")}, "amount"),  # above the settlement price ¥180.00 × the order's 2 units
    ({"quantity": 3}, "quantity"),
    ({"quantity": 0}, "quantity"),
    ({"amount": Decimal("180.00"), "quantity": 1}, "amount"),  # nothing changes
    ({"amount": Decimal("100.00"), "reason": " "}, "reason"),
])
def test_a_correction_out_of_bounds_is_refused_naming_the_field_and_changes_nothing(open_claim, finance, now, changes, field):
    with pytest.raises(ValidationFailed) as refused:
        claims.correct_claim(claim=open_claim, actor=finance, now=now, **{"reason": "协商"} | changes)

    assert refused.value.field == field
    assert LogisticsClaim.objects.values_list("amount", "quantity").get() == (Decimal("180.00"), 1)
    assert [log.transition for log in history_of(open_claim)] == ["open"]


def test_the_amount_may_be_corrected_up_to_the_settlement_price_times_the_orders_quantity(open_claim, finance, now):
    claims.correct_claim(claim=open_claim, actor=finance, now=now, amount=Decimal("360.00"), reason="两件均破损")

    assert LogisticsClaim.objects.get().amount == Decimal("360.00")


def test_an_accepted_claim_is_not_corrected(accepted_claim, finance, now):
    with pytest.raises(InvalidTransition):
        claims.correct_claim(claim=accepted_claim, actor=finance, now=now, amount=Decimal("100.00"), reason="协商")

    assert LogisticsClaim.objects.values_list("state", "amount").get() == ("accepted", Decimal("180.00"))


# --- settling ------------------------------------------------------------------------------------------------------

def test_settling_records_the_amount_and_day_received_with_why_it_differs(accepted_claim, finance, now):
    claims.settle_claim(claim=accepted_claim, actor=finance, now=now, settlement_reference="PAY-7", received_amount=Decimal("150.00"),
                        received_date=date(2026, 10, 14) + timedelta(days=1), settlement_note="按保价上限赔付")

    claim = LogisticsClaim.objects.get()
    assert (claim.state, claim.received_amount, claim.received_date, claim.settlement_note) == (
        "settled", Decimal("150.00"), date(2026, 10, 15), "按保价上限赔付")
    assert latest_log(claim).reason_text == "凭证 PAY-7，实收 ¥150.00，到账日期 2026-10-15：按保价上限赔付"


def test_settling_without_an_amount_or_day_records_the_claims_amount_received_today(accepted_claim, finance, now):
    claims.settle_claim(claim=accepted_claim, actor=finance, now=now, settlement_reference="PAY-8")

    assert LogisticsClaim.objects.values_list("received_amount", "received_date", "settlement_note").get() == (
        Decimal("180.00"), date(2026, 10, 15), "")


@pytest.mark.parametrize("given, field", [
    ({"received_amount": Decimal("150.00")}, "settlement_note"),  # a different amount says why
    ({"received_amount": Decimal("0")}, "received_amount"),
    ({"received_amount": Decimal("1.001"), "settlement_note": "差额"}, "received_amount"),
    ({"received_date": date(2026, 10, 16)}, "received_date"),  # tomorrow
    ({"received_date": date(2026, 10, 14)}, "received_date"),  # before the claim was opened
])
def test_a_settlement_out_of_bounds_is_refused_naming_the_field_and_changes_nothing(accepted_claim, finance, now, given, field):
    with pytest.raises(ValidationFailed) as refused:
        claims.settle_claim(claim=accepted_claim, actor=finance, now=now, settlement_reference="PAY-9", **given)

    assert refused.value.field == field
    assert LogisticsClaim.objects.values_list("state", "received_amount").get() == ("accepted", None)


# --- the total ----------------------------------------------------------------------------------------------------

@pytest.fixture
def open_rejected_and_short_settled(delivered_order, finance, now):
    """Three ¥180.00 claims on the order: one still open, one rejected, one settled for ¥150.00 received."""
    def opened():
        return claims.open_claim(order=delivered_order, cause="transit_damage", quantity=1, now=now)

    still_open = opened()
    rejected = claims.reject_claim(claim=opened(), actor=finance, now=now, reason="签收照片显示外包装完好")
    short = claims.settle_claim(claim=claims.accept_claim(claim=opened(), actor=finance, now=now), actor=finance, now=now,
                                settlement_reference="PAY-6", received_amount=Decimal("150.00"), settlement_note="按保价上限赔付")
    return still_open, rejected, short


def test_the_claims_total_leaves_out_a_rejected_claim_and_counts_a_settled_one_at_what_was_received(open_rejected_and_short_settled):
    still_open, rejected, short = open_rejected_and_short_settled

    assert claims.claims_total(LogisticsClaim.objects.all()) == Decimal("330.00")  # ¥180.00 open + ¥150.00 received
    assert claims.claims_total(LogisticsClaim.objects.filter(pk=rejected.pk)) == Decimal("0.00")
    assert claims.claims_total(LogisticsClaim.objects.filter(pk=short.pk)) == Decimal("150.00")


def test_the_claims_page_shows_what_the_provider_owes_of_the_claims_listed(open_rejected_and_short_settled, finance):
    client = logged_in(finance)

    everything = client.get("/logistics/claims/").content.decode()
    rejected_only = client.get("/logistics/claims/?state=rejected").content.decode()

    assert 'data-testid="claims-total">应赔合计（不含已驳回，已结清的按实收）：¥330.00<' in everything
    assert 'data-testid="claims-total">应赔合计（不含已驳回，已结清的按实收）：¥0.00<' in rejected_only


# --- API -----------------------------------------------------------------------------------------------------------

def test_finance_corrects_rejects_and_filters_claims_through_the_api(api, open_claim, delivered_order, finance, now):
    other = claims.open_claim(order=delivered_order, cause="transit_damage", quantity=1, now=now)
    client = api(finance)

    corrected = client.post(f"/api/v1/logistics-claims/{open_claim.pk}/correct/", {"amount": "120.00", "reason": "协商一致"})
    rejected = client.post(f"/api/v1/logistics-claims/{other.pk}/reject/", {"reason": "非运输破损"})
    listed = client.get("/api/v1/logistics-claims/?state=rejected").json()["results"]
    history = client.get(f"/api/v1/logistics-claims/{other.pk}/history/").json()

    assert corrected.status_code == 200 and (corrected.json()["amount"], corrected.json()["quantity"]) == ("120.00", 1)
    assert rejected.status_code == 200 and (rejected.json()["state"], rejected.json()["rejection_reason"]) == ("rejected", "非运输破损")
    assert [(row["id"], row["rejection_reason"]) for row in listed] == [(other.pk, "非运输破损")]
    assert (history[-1]["transition"], history[-1]["actor"], history[-1]["reason"]) == ("reject", "finance", "非运输破损")


def test_a_correction_above_the_ceiling_or_a_rejection_without_reason_is_400_naming_the_field(api, open_claim, finance):
    client = api(finance)

    too_much = client.post(f"/api/v1/logistics-claims/{open_claim.pk}/correct/", {"amount": "360.01", "reason": "协商"})
    no_reason = client.post(f"/api/v1/logistics-claims/{open_claim.pk}/reject/", {"reason": " "})

    assert too_much.status_code == 400 and [e["attr"] for e in too_much.json()["errors"]] == ["amount"]
    assert no_reason.status_code == 400 and [e["attr"] for e in no_reason.json()["errors"]] == ["reason"]
    assert LogisticsClaim.objects.values_list("state", "amount").get() == ("open", Decimal("180.00"))


def test_rejecting_a_settled_claim_through_the_api_is_409(api, accepted_claim, finance, now):
    claims.settle_claim(claim=accepted_claim, actor=finance, now=now, settlement_reference="PAY-1")

    response = api(finance).post(f"/api/v1/logistics-claims/{accepted_claim.pk}/reject/", {"reason": "晚了"})

    assert (response.status_code, response.json()["errors"][0]["code"]) == (409, "invalid_transition")
    assert LogisticsClaim.objects.get().state == "settled"


def test_rejecting_a_lost_parcels_claim_through_the_api_is_409_saying_why(api, lost_parcel_claim, finance):
    response = api(finance).post(f"/api/v1/logistics-claims/{lost_parcel_claim.pk}/reject/", {"reason": "后来送达"})

    assert (response.status_code, response.json()["errors"][0]["code"]) == (409, "lost_parcel_claim_not_rejectable")
    assert LogisticsClaim.objects.get().state == "open"


def test_the_api_settles_with_the_amount_and_day_received(api, accepted_claim, finance):
    body = {"settlement_reference": "PAY-5", "received_amount": "170.00", "received_date": "2026-10-20", "settlement_note": "扣除运费"}

    response = api(finance).post(f"/api/v1/logistics-claims/{accepted_claim.pk}/settle/", body)
    unexplained = api(finance).get(f"/api/v1/logistics-claims/{accepted_claim.pk}/").json()

    assert response.status_code == 200
    assert {key: unexplained[key] for key in ("state", "received_amount", "received_date", "settlement_note")} == {
        "state": "settled", "received_amount": "170.00", "received_date": "2026-10-20", "settlement_note": "扣除运费"}


def test_a_different_amount_received_without_a_note_is_400_through_the_api(api, accepted_claim, finance):
    response = api(finance).post(f"/api/v1/logistics-claims/{accepted_claim.pk}/settle/",
                                 {"settlement_reference": "PAY-5", "received_amount": "170.00"})

    assert response.status_code == 400 and [e["attr"] for e in response.json()["errors"]] == ["settlement_note"]
    assert LogisticsClaim.objects.get().state == "accepted"


@pytest.mark.parametrize("role, status", [("logistics", 403), ("operator", 403), ("supplier_admin", 404), ("member", 404)])
def test_only_finance_rejects_or_corrects_through_the_api(api, open_claim, logistics, operator, supplier_admin, member, role, status):
    user = {"logistics": logistics, "operator": operator, "supplier_admin": supplier_admin, "member": member.user}[role]
    client = api(user)

    rejected = client.post(f"/api/v1/logistics-claims/{open_claim.pk}/reject/", {"reason": "非运输破损"})
    corrected = client.post(f"/api/v1/logistics-claims/{open_claim.pk}/correct/", {"amount": "100.00", "reason": "协商"})

    assert (rejected.status_code, corrected.status_code) == (status, status)
    assert LogisticsClaim.objects.values_list("state", "amount").get() == ("open", Decimal("180.00"))


# --- portal --------------------------------------------------------------------------------------------------------

def test_finance_rejects_a_claim_on_its_page_which_then_shows_why_and_lists_it_as_rejected(open_claim, finance):
    client = logged_in(finance)

    page = client.get(f"/logistics/claims/{open_claim.pk}/").content.decode()
    client.post(f"/logistics/claims/{open_claim.pk}/reject/", {"reason": "签收照片显示外包装完好"})
    after = client.get(f"/logistics/claims/{open_claim.pk}/").content.decode()
    rejected = client.get("/logistics/claims/?state=rejected").content.decode()
    still_open = client.get("/logistics/claims/?state=open").content.decode()

    assert 'data-action="reject"' in page and 'data-action="correct"' in page
    assert 'data-testid="state">已驳回<' in after and 'data-testid="rejection"' in after and "签收照片显示外包装完好" in after
    assert 'data-action="reject"' not in after
    assert f'href="/logistics/claims/{open_claim.pk}/"' in rejected and f'href="/logistics/claims/{open_claim.pk}/"' not in still_open


def test_a_rejection_without_reason_comes_back_with_the_error_next_to_its_field(open_claim, finance):
    refused = logged_in(finance).post(f"/logistics/claims/{open_claim.pk}/reject/", {"reason": ""})

    assert refused.status_code == 400 and list(field_errors(refused)) == ["reason"]
    assert LogisticsClaim.objects.get().state == "open"


def test_a_lost_parcels_claim_page_offers_no_rejection_and_says_why(lost_parcel_claim, finance):
    page = logged_in(finance).get(f"/logistics/claims/{lost_parcel_claim.pk}/").content.decode()

    assert 'data-action="reject"' not in page and 'data-action="accept"' in page
    assert 'data-testid="not-rejectable"' in page


def test_finance_corrects_a_claim_on_its_page_and_an_amount_too_high_is_shown_next_to_it(open_claim, finance):
    client = logged_in(finance)

    refused = client.post(f"/logistics/claims/{open_claim.pk}/correct/", {"amount": "999.00", "reason": "协商"})
    client.post(f"/logistics/claims/{open_claim.pk}/correct/", {"amount": "99.90", "quantity": "", "reason": "协商一致"})
    page = client.get(f"/logistics/claims/{open_claim.pk}/").content.decode()

    assert refused.status_code == 400 and list(field_errors(refused)) == ["amount"]
    assert LogisticsClaim.objects.values_list("amount", "quantity").get() == (Decimal("99.90"), 1)
    assert 'data-testid="amount">¥99.90<' in page and "¥180.00 → ¥99.90" in page.split('data-testid="history"', 1)[1]


def test_finance_settles_on_the_claims_page_with_what_was_received_shown_on_the_page_list_and_download(accepted_claim, finance):
    client = logged_in(finance)

    listed_before = client.get("/logistics/claims/").content.decode()
    form = client.get(f"/logistics/claims/{accepted_claim.pk}/").content.decode()
    unexplained = client.post(f"/logistics/claims/{accepted_claim.pk}/settle/", {
        "settlement_reference": "PAY-3", "received_amount": "160.00", "received_date": "2026-10-20"})
    client.post(f"/logistics/claims/{accepted_claim.pk}/settle/", {
        "settlement_reference": "PAY-3", "received_amount": "160.00", "received_date": "2026-10-20", "settlement_note": "扣除运费"})
    page = client.get(f"/logistics/claims/{accepted_claim.pk}/").content.decode()
    listed = client.get("/logistics/claims/?state=settled").content.decode()
    header, row = downloaded(client.get("/logistics/claims/export.csv"))

    assert f'href="/logistics/claims/{accepted_claim.pk}/" data-action="settle"' in listed_before
    assert f'name="received_date" value="{timezone.localdate():%Y-%m-%d}"' in form  # today, as a date input reads it
    assert unexplained.status_code == 400 and list(field_errors(unexplained)) == ["settlement_note"]
    assert 'data-testid="received-amount">¥160.00<' in page and 'data-testid="received-date">2026-10-20<' in page
    assert 'data-testid="settlement-note">扣除运费<' in page
    assert "¥160.00" in listed and "2026-10-20" in listed
    assert (header[-3:], row[-3:]) == (["实收金额", "到账日期", "差额说明"], ["160.00", "2026-10-20", "扣除运费"])


def test_the_settle_form_starts_from_the_claims_amount_which_settles_as_it_is_without_a_note(accepted_claim, finance):
    client = logged_in(finance)

    form = client.get(f"/logistics/claims/{accepted_claim.pk}/").content.decode()
    settled = client.post(f"/logistics/claims/{accepted_claim.pk}/settle/", {
        "settlement_reference": "PAY-4", "received_amount": "180.00", "received_date": "2026-10-15"})

    assert 'name="received_amount" value="180.00"' in form
    assert settled.status_code == 302
    assert LogisticsClaim.objects.values_list("state", "received_amount", "settlement_note").get() == (
        "settled", Decimal("180.00"), "")


def test_a_refused_settlement_keeps_the_amount_typed_rather_than_the_claims(accepted_claim, finance):
    refused = logged_in(finance).post(f"/logistics/claims/{accepted_claim.pk}/settle/", {
        "settlement_reference": "PAY-4", "received_amount": "120.00", "received_date": "2026-10-15"})

    assert refused.status_code == 400 and list(field_errors(refused)) == ["settlement_note"]
    assert 'name="received_amount" value="120.00"' in refused.content.decode()


"""The gift FSM of SPEC §4.2: every transition with its rules, and an illegal one for each state."""
from decimal import Decimal

import pytest
from django.utils import translation

from core.errors import InvalidTransition, PermissionDenied
from core.events import _handlers, subscribe
from core.fsm import apply_transition
from core.models import TransitionLog
from suppliers.errors import ClearanceNotAllowed, IncompleteGift, SupplierNotCooperating
from suppliers.events import GiftRetired
from suppliers.models import Notice
from suppliers.models import Gift
from suppliers.services import catalog, onboarding
from tests.factories import GiftFactory, QualificationFactory
from tests.helpers import gift_in_state, stocked_to_clear

pytestmark = pytest.mark.django_db


#: each step a gift takes, through the catalog service that takes it
SERVICES = {"submit": catalog.submit_gift, "approve": catalog.approve_gift, "reject": catalog.reject_gift,
            "publish": catalog.publish_gift, "delist": catalog.delist_gift, "retire": catalog.retire_gift}


def move(gift, *steps, actor, now):
    for name, kwargs in steps:
        SERVICES[name](gift=gift, actor=actor, now=now, **kwargs)
    return gift


def online_gift(operator, now, **attrs):
    return gift_in_state("online", actor=operator, at=now, **attrs)


def test_a_complete_draft_goes_through_review_to_online(supplier_staff, operator, now):
    supplier = supplier_staff.supplier_membership.supplier
    QualificationFactory(supplier=supplier)
    gift = GiftFactory(supplier=supplier)

    catalog.submit_gift(gift=gift, actor=supplier_staff, now=now)
    catalog.approve_gift(gift=gift, actor=operator, now=now)
    catalog.publish_gift(gift=gift, actor=operator, now=now)

    assert gift.state == Gift.State.ONLINE
    assert list(TransitionLog.objects.values_list("target_state", flat=True)) == ["submitted", "approved", "online"]


def test_an_incomplete_draft_is_refused_naming_every_missing_field(supplier_staff, now):
    gift = GiftFactory(images=[], specification="", warranty_text="", points={})

    with pytest.raises(IncompleteGift) as refused:
        catalog.submit_gift(gift=gift, actor=supplier_staff, now=now)

    assert {field for field, _, _ in refused.value.errors} == {"images", "specification", "warranty_text", "points_prices"}
    gift.refresh_from_db()
    assert gift.state == Gift.State.DRAFT


def test_a_rejected_gift_needs_a_reason_and_goes_back_to_draft_for_rework(operator, supplier_staff, now):
    gift = gift_in_state("submitted", actor=supplier_staff, at=now)

    catalog.reject_gift(gift=gift, actor=operator, now=now, reason="图片不清晰")
    catalog.rework_gift(gift=gift, actor=supplier_staff, now=now)

    assert gift.state == Gift.State.DRAFT
    assert TransitionLog.objects.get(transition="reject").reason == "图片不清晰"
    notice = Notice.objects.get(supplier=gift.supplier, kind="gift_rejected")  # the supplier learns why in its inbox
    assert gift.sku in notice.title_text and "图片不清晰" in notice.body_text and notice.link == f"/supplier/gifts/{gift.pk}/"


def test_a_supplier_may_only_request_delisting(operator, supplier_staff, now):
    gift = online_gift(operator, now)

    with pytest.raises(PermissionDenied):
        catalog.delist_gift(gift=gift, actor=supplier_staff, now=now, reason_code=Gift.DelistReason.QUALITY)
    catalog.delist_gift(gift=gift, actor=supplier_staff, now=now, reason_code=Gift.DelistReason.SUPPLIER_REQUEST)

    assert (gift.state, gift.delist_reason) == (Gift.State.OFFLINE, "supplier_request")


def test_a_delisting_without_a_note_records_its_reasons_label_read_in_the_readers_language(operator, supplier_staff, now):
    gift = online_gift(operator, now)

    catalog.delist_gift(gift=gift, actor=supplier_staff, now=now, reason_code=Gift.DelistReason.SUPPLIER_REQUEST)

    log = TransitionLog.objects.get(transition="delist")
    assert (log.reason, log.reason_label) == ("礼品商申请", "礼品商申请")
    with translation.override("en"):
        assert log.reason_label == "Supplier request"


def test_a_delisting_note_is_recorded_as_typed(operator, now):
    gift = online_gift(operator, now)

    catalog.delist_gift(gift=gift, actor=operator, now=now, reason_code=Gift.DelistReason.QUALITY, reason="包装破损投诉多")

    assert TransitionLog.objects.get(transition="delist").reason == "包装破损投诉多"


def test_relisting_goes_back_through_review(operator, supplier_staff, now):
    gift = online_gift(operator, now)
    catalog.delist_gift(gift=gift, actor=operator, now=now, reason_code=Gift.DelistReason.OTHER, reason="运营下线")

    catalog.request_relisting(gift=gift, actor=supplier_staff, now=now)

    assert gift.state == Gift.State.SUBMITTED


@pytest.mark.parametrize("reason_code", [Gift.DelistReason.SUPPLIER_REQUEST, Gift.DelistReason.LOW_SALES])
def test_clearance_after_a_supplier_request_or_low_sales_delisting(operator, now, reason_code):
    gift = stocked_to_clear(online_gift(operator, now))
    catalog.delist_gift(gift=gift, actor=operator, now=now, reason_code=reason_code, reason="运营下线")

    catalog.start_clearance(gift=gift, actor=operator, now=now, points_price=800, settlement_price=Decimal("90.00"))

    assert (gift.state, gift.clearance_points_price, gift.clearance_settlement_price) == ("clearance", 800, Decimal("90.00"))


def test_clearance_is_refused_after_a_quality_delisting(operator, now):
    gift = online_gift(operator, now)
    catalog.delist_gift(gift=gift, actor=operator, now=now, reason_code=Gift.DelistReason.QUALITY, reason="运营下线")

    with pytest.raises(ClearanceNotAllowed):
        catalog.start_clearance(gift=gift, actor=operator, now=now, points_price=800, settlement_price=Decimal("90.00"))

    gift.refresh_from_db()
    assert gift.state == Gift.State.OFFLINE and gift.clearance_points_price is None


def test_retiring_publishes_the_gift_retired_event_once(operator, now):
    seen = []
    subscribe(GiftRetired)(seen.append)
    gift = online_gift(operator, now)
    catalog.delist_gift(gift=gift, actor=operator, now=now, reason_code=Gift.DelistReason.LOW_SALES, reason="运营下线")

    try:
        catalog.retire_gift(gift=gift, actor=operator, now=now, reason="停产")
    finally:
        _handlers[GiftRetired].remove(seen.append)

    assert seen == [GiftRetired(gift_id=gift.pk, at=now)]
    assert gift.state == Gift.State.RETIRED


def test_suspension_delists_online_and_clearance_gifts_and_reactivation_leaves_them_offline(operator, supplier, now):
    online = online_gift(operator, now, supplier=supplier)
    clearance = stocked_to_clear(online_gift(operator, now, supplier=supplier))
    catalog.delist_gift(gift=clearance, actor=operator, now=now, reason_code=Gift.DelistReason.LOW_SALES, reason="运营下线")
    catalog.start_clearance(gift=clearance, actor=operator, now=now, points_price=500, settlement_price=Decimal("50"))
    draft = GiftFactory(supplier=supplier)

    onboarding.suspend_supplier(supplier=supplier, actor=operator, now=now, reason="整改")
    onboarding.reactivate_supplier(supplier=supplier, actor=operator, now=now)

    states = dict(Gift.objects.values_list("pk", "state"))
    assert (states[online.pk], states[clearance.pk], states[draft.pk]) == ("offline", "offline", "draft")


def test_a_suspensions_delisting_records_its_reasons_label(operator, supplier, now):
    online = online_gift(operator, now, supplier=supplier)

    onboarding.suspend_supplier(supplier=supplier, actor=operator, now=now, reason="整改")

    log = TransitionLog.objects.get(transition="delist", object_id=online.pk)
    assert log.reason == "礼品商暂停"
    with translation.override("en"):
        assert log.reason_label == str(Gift.DelistReason.SUPPLIER_SUSPENDED.label)


def test_termination_retires_every_gift_from_any_state(operator, supplier, now):
    gifts = [GiftFactory(supplier=supplier), online_gift(operator, now, supplier=supplier)]

    onboarding.terminate_supplier(supplier=supplier, actor=operator, now=now, reason="合同到期不续")

    assert set(Gift.objects.filter(pk__in=[g.pk for g in gifts]).values_list("state", flat=True)) == {"retired"}


@pytest.mark.parametrize(
    ("steps", "illegal"),
    [
        ([], "approve"),
        ([("submit", {})], "publish"),
        ([("submit", {}), ("approve", {})], "delist"),
        ([("submit", {}), ("reject", {"reason": "图片不清晰"})], "publish"),
        ([("submit", {}), ("approve", {}), ("publish", {})], "retire"),
        ([("submit", {}), ("approve", {}), ("publish", {}), ("delist", {"reason_code": "other", "reason": "运营下线"})], "publish"),
        ([("submit", {}), ("approve", {}), ("publish", {}), ("delist", {"reason_code": "other", "reason": "运营下线"}), ("retire", {"reason": "停产"})], "request_relisting"),
    ],
)
def test_an_illegal_gift_transition_is_refused_and_changes_nothing(operator, now, steps, illegal):
    gift = move(GiftFactory(), *steps, actor=operator, now=now)
    gift.refresh_from_db()
    before = (gift.state, TransitionLog.objects.count())

    with pytest.raises(InvalidTransition):
        apply_transition(gift, illegal, actor=operator, at=now, **({"reason_code": "other"} if illegal == "delist" else {}))

    gift.refresh_from_db()
    assert (gift.state, TransitionLog.objects.count()) == before


@pytest.fixture
def suspended_with_gifts(operator, supplier, now):
    """An active supplier's gifts: one offline for low sales, one approved, one submitted; then the supplier is suspended."""
    offline = online_gift(operator, now, supplier=supplier)
    catalog.delist_gift(gift=offline, actor=operator, now=now, reason_code=Gift.DelistReason.LOW_SALES, reason="运营下线")
    approved = gift_in_state("approved", supplier=supplier, actor=operator, at=now)
    submitted = gift_in_state("submitted", supplier=supplier, actor=operator, at=now)
    draft = GiftFactory(supplier=supplier)
    onboarding.suspend_supplier(supplier=supplier, actor=operator, now=now, reason="整改")
    return {"offline": offline, "approved": approved, "submitted": submitted, "draft": draft}


@pytest.mark.parametrize(
    ("gift_key", "step", "kwargs"),
    [
        ("draft", catalog.submit_gift, {}),
        ("submitted", catalog.approve_gift, {}),
        ("approved", catalog.publish_gift, {}),
        ("offline", catalog.request_relisting, {}),
        ("offline", catalog.start_clearance, {"points_price": 500, "settlement_price": Decimal("50")}),
    ],
)
def test_a_suspended_suppliers_gift_goes_nowhere_near_the_catalog_until_reactivation(
    suspended_with_gifts, operator, now, gift_key, step, kwargs
):
    gift = suspended_with_gifts[gift_key]
    state = gift.state

    with pytest.raises(SupplierNotCooperating) as refused:
        step(gift=Gift.objects.get(pk=gift.pk), actor=operator, now=now, **kwargs)

    assert "已暂停" in str(refused.value.detail)
    assert Gift.objects.get(pk=gift.pk).state == state
    assert not Gift.objects.filter(state__in=["online", "clearance"]).exists()


def test_the_model_refuses_those_steps_too_and_reactivation_lets_the_gift_through_review_again(suspended_with_gifts, operator, supplier, now):
    offline = suspended_with_gifts["offline"]
    with pytest.raises(InvalidTransition):
        apply_transition(Gift.objects.get(pk=offline.pk), "request_relisting", actor=operator, at=now)

    onboarding.reactivate_supplier(supplier=supplier, actor=operator, now=now)
    gift = Gift.objects.get(pk=offline.pk)
    for step in (catalog.request_relisting, catalog.approve_gift, catalog.publish_gift):
        step(gift=gift, actor=operator, now=now)

    assert Gift.objects.get(pk=offline.pk).state == "online"


@pytest.mark.supplier(applicant=True)
def test_a_terminated_or_rejected_suppliers_draft_cannot_be_submitted(operator, supplier, now):
    onboarding.start_supplier_review(supplier=supplier, actor=operator, now=now)
    onboarding.reject_supplier(supplier=supplier, actor=operator, now=now, reason="资料不实")
    draft = GiftFactory(supplier=supplier)

    with pytest.raises(SupplierNotCooperating):
        catalog.submit_gift(gift=draft, actor=operator, now=now)
    assert Gift.objects.get(pk=draft.pk).state == "draft"

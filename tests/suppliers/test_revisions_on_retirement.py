"""A retired gift is never listed again, so a change of it waiting for review is withdrawn when it is retired (by an
operator, with its supplier's termination, or when its clearance stock runs out), recorded with the reason; a revision
applies only to a gift whose state takes changes, and the review queue shows only those."""
import pytest

from core.errors import InvalidTransition
from core.fsm import bulk_transition, history_of
from suppliers.models import Gift, GiftRevision
from suppliers.services import catalog, onboarding, revisions
from tests.factories import supplier_in
from tests.helpers import gift_in_state

pytestmark = pytest.mark.django_db


def pending_change(gift, actor, now) -> GiftRevision:
    return revisions.edit_gift(gift=gift, actor=actor, now=now, changes={"name": "新包装龙井"})


def withdrawal(revision: GiftRevision):
    revision.refresh_from_db()
    return revision.state, [(log.transition, log.actor, log.reason_label) for log in history_of(revision) if log.transition == "withdraw"]


def test_retiring_a_gift_withdraws_its_pending_change_saying_why(supplier_staff, operator, now):
    gift = gift_in_state("offline", actor=operator, at=now)
    revision = pending_change(gift, supplier_staff, now)

    catalog.retire_gift(gift=gift, actor=operator, now=now, reason="停产")

    assert withdrawal(revision) == ("withdrawn", [("withdraw", operator, "礼品已退市，待审核的修改随之撤回")])
    assert revision.decided_at == now


def test_terminating_a_supplier_withdraws_the_pending_changes_of_all_its_gifts(supplier_staff, operator, now):
    supplier = supplier_in("active", actor=operator, now=now)
    online, offline = (gift_in_state(state, actor=operator, at=now, supplier=supplier) for state in ("online", "offline"))
    changes = [pending_change(gift, supplier_staff, now) for gift in (online, offline)]

    onboarding.terminate_supplier(supplier=supplier, actor=operator, now=now, reason="合同到期不再续签")

    assert [withdrawal(revision)[0] for revision in changes] == ["withdrawn", "withdrawn"]
    assert Gift.objects.get(pk=online.pk).name != "新包装龙井"


def test_a_change_of_a_gift_no_longer_taking_changes_is_not_approved_and_left_out_of_the_review_queue(supplier_staff, operator, now, api):
    gift = gift_in_state("offline", actor=operator, at=now)
    revision = pending_change(gift, supplier_staff, now)
    bulk_transition(Gift.objects.filter(pk=gift.pk), "retire", actor=None, at=now)  # retired before its changes were withdrawn

    refused = api(operator).post(f"/api/v1/gift-revisions/{revision.pk}/approve/", {}, format="json")
    _gifts, queue = catalog.review_queue()

    assert refused.status_code == 409 and refused.json()["errors"][0]["code"] == "invalid_transition"
    assert revision not in queue
    assert GiftRevision.objects.get(pk=revision.pk).state == "pending" and Gift.objects.get(pk=gift.pk).name != "新包装龙井"


def test_a_change_of_a_gift_back_in_review_waits_until_the_gift_is_approved(supplier_staff, operator, now):
    gift = gift_in_state("offline", actor=operator, at=now)
    revision = pending_change(gift, supplier_staff, now)
    catalog.request_relisting(gift=gift, actor=supplier_staff, now=now)

    with pytest.raises(InvalidTransition):
        revisions.approve_revision(revision=revision, actor=operator, now=now)
    catalog.approve_gift(gift=gift, actor=operator, now=now)
    revisions.approve_revision(revision=revision, actor=operator, now=now)

    assert Gift.objects.get(pk=gift.pk).name == "新包装龙井"

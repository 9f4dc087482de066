"""An admin action whose step needs a reason (suspending or ending a cooperation, retiring a gift) asks for it on a
confirmation page: the reason typed reaches the history and the supplier's notice, an empty one is refused next to its
field and nothing is done."""
import pytest

from core.fsm import history_of
from core.models import TransitionLog
from suppliers.models import Gift, Notice, Supplier
from suppliers.services import onboarding
from tests.factories import ready_to_activate
from tests.helpers import gift_in_state
from tests.portal import logged_in

pytestmark = [pytest.mark.django_db, pytest.mark.supplier(applicant=True)]  # the supplier is an applicant, as onboarding starts it

SUPPLIERS = "/admin/suppliers/supplier/"


@pytest.fixture
def active_supplier(supplier, operator, now):
    onboarding.start_supplier_review(supplier=ready_to_activate(supplier), actor=operator, now=now)
    return onboarding.approve_supplier(supplier=supplier, actor=operator, now=now)


@pytest.mark.parametrize(("action", "state", "kind"), [("suspend", "suspended", "supplier_suspended"),
                                                       ("terminate", "terminated", "supplier_terminated")])
def test_suspending_or_ending_a_cooperation_in_the_admin_asks_why_and_tells_the_supplier_the_reason_typed(
    superuser, active_supplier, other_supplier, action, state, kind
):
    client = logged_in(superuser)

    client.post(SUPPLIERS, {"action": "start_review", "_selected_action": [ready_to_activate(other_supplier).pk]})  # no reason needed
    asked = client.post(SUPPLIERS, {"action": action, "_selected_action": [active_supplier.pk]})
    client.post(SUPPLIERS, {"action": action, "_selected_action": [active_supplier.pk], "apply": "yes", "reason": "多次延迟发货"})

    assert Supplier.objects.get(pk=other_supplier.pk).state == "under_review"
    assert asked.status_code == 200 and 'name="reason"' in asked.content.decode()
    active_supplier.refresh_from_db()
    last = history_of(active_supplier).last()
    assert (active_supplier.state, last.actor, last.reason_text) == (state, superuser, "多次延迟发货")
    body = Notice.objects.get(kind=kind).body_label
    assert "多次延迟发货" in body and "管理后台操作" not in body


@pytest.mark.parametrize("reason", ["", "   "])
def test_an_empty_reason_is_refused_next_to_its_field_and_nothing_is_written(superuser, active_supplier, reason):
    logged = TransitionLog.objects.count()

    refused = logged_in(superuser).post(
        SUPPLIERS, {"action": "suspend", "_selected_action": [active_supplier.pk], "apply": "yes", "reason": reason}
    )

    page = refused.content.decode()
    assert refused.status_code == 400 and "errorlist" in page and 'name="reason"' in page
    assert Supplier.objects.get(pk=active_supplier.pk).state == "active"
    assert TransitionLog.objects.count() == logged and not Notice.objects.filter(kind="supplier_suspended").exists()


def test_retiring_a_gift_in_the_admin_keeps_the_reason_typed(superuser, operator, now):
    gift = gift_in_state("offline", actor=operator, at=now)

    logged_in(superuser).post(
        "/admin/suppliers/gift/", {"action": "retire", "_selected_action": [gift.pk], "apply": "yes", "reason": "品牌方停产"}
    )

    assert Gift.objects.get(pk=gift.pk).state == "retired"
    assert history_of(gift).last().reason_text == "品牌方停产"
    assert "品牌方停产" in Notice.objects.get(kind="gift_retired").body_label

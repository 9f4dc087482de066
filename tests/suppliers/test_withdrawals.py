"""A supplier takes back its own pending gift revision or profile change (a typo spotted before review) instead of
waiting for an operator to reject it."""
import pytest
from django.core.files.storage import default_storage

from core.errors import InvalidTransition, PermissionDenied
from core.fsm import history_of
from suppliers.models import GiftRevision, ProfileChange
from suppliers.services import profile, revisions
from tests.factories import GiftFactory
from tests.portal import logged_in
from tests.suppliers.profile_factories import evidence
from tests.suppliers.builders import picture, upload_with_an_edit
from tests.creation import assert_history_begins_with_creation
from tests.helpers import published

pytestmark = pytest.mark.django_db


@pytest.fixture
def listed(licensed_supplier, operator, now):
    return published(GiftFactory(supplier=licensed_supplier), actor=operator, at=now)


@pytest.fixture
def pending(listed, supplier_staff, now):
    return revisions.edit_gift(gift=listed, actor=supplier_staff, now=now, changes={"name": "龙井（错别字）"})


@pytest.fixture
def change(supplier, supplier_admin, now):
    return profile.request_profile_change(supplier=supplier, actor=supplier_admin, now=now, field="legal_name", legal_name="新名称有限公司",
                                           evidence=evidence())


# --- gift revisions ---------------------------------------------------------------------------------------------

def test_rejecting_a_revision_without_a_reason_is_400_required_and_it_stays_pending(api, pending, operator):
    response = api(operator).post(f"/api/v1/gift-revisions/{pending.pk}/reject/", {}, format="json")

    assert response.status_code == 400
    assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == [("reason", "required")]
    pending.refresh_from_db()
    assert pending.state == "pending"


def test_a_supplier_user_withdraws_a_pending_revision_and_may_edit_again_at_once(pending, listed, supplier_staff, now):
    listed_name = listed.name

    revisions.withdraw_revision(revision=pending, actor=supplier_staff, now=now)
    again = revisions.edit_gift(gift=listed, actor=supplier_staff, now=now, changes={"name": "龙井"})

    listed.refresh_from_db()
    assert (pending.state, pending.decided_at, listed.name) == ("withdrawn", now, listed_name)
    assert [(log.transition, log.actor) for log in history_of(pending)] == [("request", supplier_staff), ("withdraw", supplier_staff)]
    assert_history_begins_with_creation(pending)
    assert isinstance(again, GiftRevision) and again.state == "pending"


@pytest.mark.parametrize("who", ["operator", "other_supplier_admin"])
def test_only_the_gifts_own_supplier_withdraws_its_revision(pending, who, request, now):
    with pytest.raises(PermissionDenied):
        revisions.withdraw_revision(revision=pending, actor=request.getfixturevalue(who), now=now)

    pending.refresh_from_db()
    assert pending.state == "pending"


def test_a_decided_revision_cannot_be_withdrawn(pending, operator, supplier_staff, now):
    revisions.approve_revision(revision=pending, actor=operator, now=now)

    with pytest.raises(InvalidTransition):
        revisions.withdraw_revision(revision=pending, actor=supplier_staff, now=now)

    pending.refresh_from_db()
    assert pending.state == "approved"


def test_pictures_uploaded_with_a_withdrawn_revision_are_deleted(listed, supplier_admin, django_capture_on_commit_callbacks, now):
    listed.images = []
    listed.save()
    revision = upload_with_an_edit(logged_in(supplier_admin), listed, picture("typo.png"))
    brought = revision.changes["images"][-1]
    assert default_storage.exists(brought)

    with django_capture_on_commit_callbacks(execute=True):
        revisions.withdraw_revision(revision=revision, actor=supplier_admin, now=now)

    assert not default_storage.exists(brought)


def test_the_review_queue_no_longer_lists_a_withdrawn_revision(pending, supplier_staff, operator, now):
    revisions.withdraw_revision(revision=pending, actor=supplier_staff, now=now)

    page = logged_in(operator).get("/supplier/gift-review/?queue=revisions").content.decode()

    assert "龙井（错别字）" not in page


def test_the_gift_page_offers_the_supplier_the_withdraw_button_and_it_withdraws(pending, listed, supplier_staff, operator):
    client = logged_in(supplier_staff)

    page = client.get(f"/supplier/gifts/{listed.pk}/").content.decode()
    response = client.post(f"/supplier/gift-review/revisions/{pending.pk}/withdraw/")

    pending.refresh_from_db()
    assert 'data-testid="withdraw-revision"' in page
    assert 'data-testid="withdraw-revision"' not in logged_in(operator).get(f"/supplier/gifts/{listed.pk}/").content.decode()
    assert (response.status_code, response["Location"], pending.state) == (302, f"/supplier/gifts/{listed.pk}/", "withdrawn")


def test_another_supplier_cannot_withdraw_through_the_portal(pending, other_supplier_admin):
    response = logged_in(other_supplier_admin).post(f"/supplier/gift-review/revisions/{pending.pk}/withdraw/")

    pending.refresh_from_db()
    assert (response.status_code, pending.state) == (404, "pending")


def test_the_edit_page_says_a_revision_is_pending_and_offers_the_withdraw_instead_of_a_form(pending, listed, supplier_staff):
    page = logged_in(supplier_staff).get(f"/supplier/gifts/{listed.pk}/edit/").content.decode()

    assert 'data-testid="revision-pending"' in page and 'data-testid="withdraw-revision"' in page
    assert 'data-testid="gift-form"' not in page


def test_the_api_withdraws_a_revision(pending, supplier_staff, api):
    response = api(supplier_staff).post(f"/api/v1/gift-revisions/{pending.pk}/withdraw/", {}, format="json")

    assert (response.status_code, response.json()["state"]) == (200, "withdrawn")


# --- profile changes --------------------------------------------------------------------------------------------

def test_the_supplier_admin_withdraws_a_pending_change_and_may_ask_again(change, supplier, supplier_admin, now):
    profile.withdraw_profile_change(change=change, actor=supplier_admin, now=now)
    again = profile.request_profile_change(supplier=supplier, actor=supplier_admin, now=now, field="legal_name", legal_name="新名称二有限公司",
                                             evidence=evidence())

    supplier.refresh_from_db()
    assert (change.state, supplier.name != "新名称有限公司") == ("withdrawn", True)
    assert [log.transition for log in history_of(change)] == ["request", "withdraw"]
    assert again.state == "pending"


@pytest.mark.parametrize("who", ["supplier_staff", "operator", "other_supplier_admin"])
def test_only_the_suppliers_admin_withdraws_its_change(change, who, request, now):
    with pytest.raises(PermissionDenied):
        profile.withdraw_profile_change(change=change, actor=request.getfixturevalue(who), now=now)

    assert ProfileChange.objects.get(pk=change.pk).state == "pending"


def test_the_profile_page_offers_the_admin_the_withdraw_button_and_it_withdraws(change, supplier_admin, supplier_staff):
    client = logged_in(supplier_admin)

    page = client.get("/supplier/profile/").content.decode()
    response = client.post(f"/supplier/profile/changes/{change.pk}/withdraw/")

    assert 'data-testid="withdraw-change"' in page
    assert 'data-testid="withdraw-change"' not in logged_in(supplier_staff).get("/supplier/profile/").content.decode()
    assert (response.status_code, ProfileChange.objects.get(pk=change.pk).state) == (302, "withdrawn")


def test_another_supplier_cannot_withdraw_a_change_through_the_portal(change, other_supplier_admin):
    response = logged_in(other_supplier_admin).post(f"/supplier/profile/changes/{change.pk}/withdraw/")

    assert (response.status_code, ProfileChange.objects.get(pk=change.pk).state) == (404, "pending")


def test_the_operators_queue_of_pending_changes_no_longer_counts_a_withdrawn_one(change, supplier_admin, operator, now):
    profile.withdraw_profile_change(change=change, actor=supplier_admin, now=now)

    assert profile.changes_waiting(operator) == 0


def test_a_decided_change_cannot_be_withdrawn(change, supplier_admin, operator, now):
    profile.reject_profile_change(change=change, actor=operator, now=now, reason="证照不符")

    with pytest.raises(InvalidTransition):
        profile.withdraw_profile_change(change=change, actor=supplier_admin, now=now)

    change.refresh_from_db()
    assert change.state == "rejected" and [log.transition for log in history_of(change)] == ["request", "reject"]

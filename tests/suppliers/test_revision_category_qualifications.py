"""A revision cannot move a listed gift into a category whose product certificate its supplier lacks (SPEC §4.1): the
change is refused on its category when asked for (service, portal, API, catalog import) and again when approved; nor
into a category deleted since it was asked for."""
from datetime import date, datetime

import pytest

from core.errors import ValidationFailed
from core.fsm import history_of
from suppliers.errors import QualificationBlocked
from suppliers.models import Gift, GiftRevision
from suppliers.services import revisions
from suppliers.services.catalog_io import ImportRejected, import_catalog
from tests.factories import SHANGHAI, CategoryFactory, GiftFactory
from tests.helpers import gift_in_state
from tests.portal import field_errors, logged_in
from tests.suppliers.builders import ROW, csv_bytes
from tests.suppliers.profile_factories import CertificateFactory, electronics

pytestmark = pytest.mark.django_db

LISTED = datetime(2026, 9, 1, 10, 0, tzinfo=SHANGHAI)  # when the gift went online and its change was asked for


def category_of(gift) -> str:
    return Gift.objects.get(pk=gift.pk).category.code


def test_a_listed_gift_is_not_moved_into_a_category_whose_certificate_its_supplier_lacks(licensed_supplier, supplier_staff, now):
    electronics()
    listed = gift_in_state("online", at=LISTED, supplier=licensed_supplier)

    with pytest.raises(QualificationBlocked) as refused:
        revisions.edit_gift(gift=listed, actor=supplier_staff, now=now, changes={"category": "electronics"})

    assert refused.value.field == "category" and "3C" in refused.value.detail
    assert not GiftRevision.objects.filter(gift=listed).exists() and category_of(listed) == "tea"


def test_a_move_into_a_category_whose_certificate_expired_since_it_was_asked_for_is_not_approved(
    licensed_supplier, supplier_staff, operator, now
):
    CertificateFactory(supplier=licensed_supplier, issued_on=date(2021, 1, 1), expires_on=date(2026, 10, 1))
    listed = gift_in_state("online", at=LISTED, supplier=licensed_supplier)
    revision = revisions.edit_gift(gift=listed, actor=supplier_staff, now=LISTED, changes={"category": electronics().code})

    with pytest.raises(QualificationBlocked) as refused:
        revisions.approve_revision(revision=revision, actor=operator, now=now)

    assert refused.value.field == "category"
    assert GiftRevision.objects.get(pk=revision.pk).state == GiftRevision.State.PENDING and category_of(listed) == "tea"


def test_with_the_certificate_held_the_move_is_approved(licensed_supplier, supplier_staff, operator, now):
    CertificateFactory(supplier=licensed_supplier)
    listed = gift_in_state("online", at=LISTED, supplier=licensed_supplier)
    revision = revisions.edit_gift(gift=listed, actor=supplier_staff, now=now, changes={"category": electronics().code})

    revisions.approve_revision(revision=revision, actor=operator, now=now)

    assert category_of(listed) == "electronics"


def move_into_a_category_deleted_since(gift, actor) -> GiftRevision:
    revision = revisions.edit_gift(gift=gift, actor=actor, now=LISTED, changes={"category": CategoryFactory(code="home", name="家居").code})
    CategoryFactory(code="home").delete()
    return revision


def unchanged(revision: GiftRevision, gift) -> bool:
    revision.refresh_from_db()
    history = [log.transition for log in history_of(revision)]
    return revision.state == GiftRevision.State.PENDING and history == ["request"] and category_of(gift) == "tea"


def test_a_move_into_a_category_deleted_since_it_was_asked_for_is_refused_on_the_category(
    licensed_supplier, supplier_staff, operator, now
):
    listed = gift_in_state("online", at=LISTED, supplier=licensed_supplier)
    revision = move_into_a_category_deleted_since(listed, supplier_staff)

    with pytest.raises(ValidationFailed) as refused:
        revisions.approve_revision(revision=revision, actor=operator, now=now)

    assert refused.value.field == "category" and "home" in refused.value.detail
    assert unchanged(revision, listed)


def test_the_api_refuses_approving_a_move_into_a_deleted_category_as_invalid_on_the_category(
    licensed_supplier, supplier_staff, operator, api
):
    listed = gift_in_state("online", at=LISTED, supplier=licensed_supplier)
    revision = move_into_a_category_deleted_since(listed, supplier_staff)

    refused = api(operator).post(f"/api/v1/gift-revisions/{revision.pk}/approve/", {}, format="json")

    assert refused.status_code == 400
    assert [(error["code"], error["attr"]) for error in refused.json()["errors"]] == [("invalid", "category")]
    assert "home" in refused.json()["errors"][0]["detail"]
    assert unchanged(revision, listed)


def test_a_draft_still_changes_category_in_place_its_submission_checking_the_certificate(licensed_supplier, supplier_staff, now):
    draft = GiftFactory(supplier=licensed_supplier)

    revisions.edit_gift(gift=draft, actor=supplier_staff, now=now, changes={"category": electronics().code})

    assert category_of(draft) == "electronics"


def test_the_portal_edit_form_shows_the_missing_certificate_next_to_the_category(licensed_supplier, supplier_staff):
    category = electronics()
    listed = gift_in_state("online", at=LISTED, supplier=licensed_supplier)
    client = logged_in(supplier_staff)
    form = client.get(f"/supplier/gifts/{listed.pk}/edit/").context["form"]
    data = {name: "" if value is None else getattr(value, "pk", value) for name, value in form.initial.items()}

    response = client.post(f"/supplier/gifts/{listed.pk}/edit/", data | {"category": category.pk})

    assert "3C" in field_errors(response).get("category", "")
    assert not GiftRevision.objects.filter(gift=listed).exists() and category_of(listed) == "tea"


def test_the_api_refuses_the_move_naming_the_category(api, licensed_supplier, supplier_staff):
    electronics()
    listed = gift_in_state("online", at=LISTED, supplier=licensed_supplier)

    refused = api(supplier_staff).patch(f"/api/v1/gifts/{listed.pk}/", {"category": "electronics"}, format="json")

    assert refused.status_code == 409
    assert refused.json()["errors"][0]["code"] == "qualification_blocked" and refused.json()["errors"][0]["attr"] == "category"
    assert not GiftRevision.objects.filter(gift=listed).exists()


def test_a_catalog_import_moving_a_listed_gift_into_such_a_category_reports_the_row_and_writes_nothing(
    licensed_supplier, supplier_staff, now
):
    electronics()
    listed = gift_in_state("online", at=LISTED, supplier=licensed_supplier)
    row = ROW | {"sku": listed.sku, "category": "electronics"}

    with pytest.raises(ImportRejected) as rejected:
        import_catalog(supplier=licensed_supplier, actor=supplier_staff, now=now, file_name="catalog.csv", content=csv_bytes(row))

    assert [(p.row, p.column) for p in rejected.value.problems if "3C" in p.detail] == [(2, "category")]
    assert not GiftRevision.objects.filter(gift=listed).exists()

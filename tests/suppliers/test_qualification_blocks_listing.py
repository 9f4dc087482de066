"""An expired or missing licence or product certificate keeps a gift already in review from going online (SPEC §4.1):
it is not approved, listed, scheduled or changed by a revision until renewed, and its scheduled publishing is cancelled;
the operators' queue of gifts to put online shows such a gift blocked, saying why, and the API says so too."""
import itertools
import re
from datetime import date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from suppliers.errors import QualificationBlocked
from suppliers.models import Gift, GiftRevision, Notice, Qualification
from suppliers.services import catalog, qualifications, revisions
from tests.factories import SHANGHAI, supplier_in
from tests.helpers import assert_list_queries_constant, gift_in_state, stocked_to_clear
from tests.portal import logged_in, page_in
from tests.suppliers.profile_factories import CertificateFactory, electronics, expiring_licence

pytestmark = [pytest.mark.django_db, pytest.mark.supplier(licence=None)]  # `supplier`: active, holding only the licences each test gives it

TODAY = date(2026, 10, 15)  # the date of the fixed `now`
REVIEWED = datetime(2026, 9, 1, 10, 0, tzinfo=SHANGHAI)  # when the gifts went to review, every licence and certificate still valid
EXPIRED = TODAY - timedelta(days=1)
QUEUE = "/supplier/gift-review/?queue=approved"


def state_of(gift) -> tuple[str, object]:
    gift.refresh_from_db()
    return gift.state, gift.publish_at


def test_an_approved_gift_is_not_put_online_once_the_licence_has_expired_and_been_swept(supplier, operator, now):
    expiring_licence(supplier, expires_on=EXPIRED)
    approved = gift_in_state("approved", actor=operator, at=REVIEWED, supplier=supplier)
    qualifications.sweep_qualifications(now=now)

    with pytest.raises(QualificationBlocked) as refused:
        catalog.publish_gift(gift=approved, actor=operator, now=now)

    assert refused.value.field == "business_licence"
    assert state_of(approved) == ("approved", None)


def test_a_submitted_gift_is_not_approved_while_a_certificate_its_category_needs_has_expired(supplier, operator, now):
    expiring_licence(supplier, expires_on=date(2027, 12, 31))
    CertificateFactory(supplier=supplier, issued_on=date(2021, 1, 1), expires_on=EXPIRED)
    phone = gift_in_state("submitted", actor=operator, at=REVIEWED, supplier=supplier, category=electronics())

    with pytest.raises(QualificationBlocked) as refused:
        catalog.approve_gift(gift=phone, actor=operator, now=now)

    assert refused.value.field == "certificates" and "3C" in refused.value.detail
    assert state_of(phone) == ("submitted", None)


def test_an_approved_gift_is_not_scheduled_while_the_licence_has_expired(supplier, operator, now):
    expiring_licence(supplier, expires_on=EXPIRED)
    approved = gift_in_state("approved", actor=operator, at=REVIEWED, supplier=supplier)

    with pytest.raises(QualificationBlocked):
        revisions.schedule_publication(gift=approved, actor=operator, now=now, publish_at=now + timedelta(days=1))

    assert state_of(approved) == ("approved", None)


def test_a_scheduled_gift_whose_licence_expired_is_not_published_its_schedule_cancelled_and_its_supplier_told(operator, now):
    active = supplier_in("active")
    tea = gift_in_state("approved", actor=operator, at=REVIEWED, supplier=active)
    revisions.schedule_publication(gift=tea, actor=operator, now=REVIEWED, publish_at=now - timedelta(minutes=1))
    Qualification.objects.filter(supplier=active).update(issued_on=date(2021, 1, 1), expires_on=EXPIRED)

    published = revisions.publish_scheduled_gifts(now=now)

    assert published == [] and state_of(tea) == ("approved", None)
    assert Notice.objects.filter(supplier=active, kind="gift_schedule_cancelled").count() == 1


def test_a_schedule_the_system_cancels_for_an_expired_licence_is_logged_on_the_gift_as_the_systems_with_why(operator, now):
    from core.fsm import history_of

    active = supplier_in("active")
    tea = gift_in_state("approved", actor=operator, at=REVIEWED, supplier=active)
    revisions.schedule_publication(gift=tea, actor=operator, now=REVIEWED, publish_at=now - timedelta(minutes=1))
    Qualification.objects.filter(supplier=active).update(issued_on=date(2021, 1, 1), expires_on=EXPIRED)

    revisions.publish_scheduled_gifts(now=now)

    cancelled = history_of(tea).last()
    assert (cancelled.transition, cancelled.actor, cancelled.at, cancelled.reason_text) == (
        "cancel_schedule", None, now, "资质已过期或缺失，定时上线取消")


def test_scheduled_publishing_skips_only_the_gift_whose_certificate_expired(operator, now):
    active = supplier_in("active")
    CertificateFactory(supplier=active, issued_on=date(2021, 1, 1), expires_on=date(2026, 10, 1))
    phone = gift_in_state("approved", actor=operator, at=REVIEWED, supplier=active, category=electronics())
    tea = gift_in_state("approved", actor=operator, at=REVIEWED, supplier=active)
    for gift in (phone, tea):
        revisions.schedule_publication(gift=gift, actor=operator, now=REVIEWED, publish_at=now - timedelta(minutes=1))

    published = revisions.publish_scheduled_gifts(now=now)

    assert published == [tea.pk]
    assert state_of(tea) == ("online", None) and state_of(phone) == ("approved", None)


def test_a_revision_is_not_approved_while_the_licence_has_expired(supplier, supplier_staff, operator, now):
    expiring_licence(supplier, expires_on=EXPIRED)
    listed = gift_in_state("online", actor=operator, at=REVIEWED, supplier=supplier)
    revision = revisions.edit_gift(gift=listed, actor=supplier_staff, now=REVIEWED, changes={"name": "新名称"})

    with pytest.raises(QualificationBlocked):
        revisions.approve_revision(revision=revision, actor=operator, now=now)

    revision.refresh_from_db()
    listed.refresh_from_db()
    assert (revision.state, listed.name) == (GiftRevision.State.PENDING, Gift.objects.get(pk=listed.pk).name)
    assert listed.name != "新名称"


def test_publishing_on_the_portal_says_on_the_gifts_page_that_the_licence_has_expired(supplier, operator, now):
    expiring_licence(supplier, expires_on=EXPIRED)
    approved = gift_in_state("approved", actor=operator, at=REVIEWED, supplier=supplier)

    response = logged_in(operator).post(f"/supplier/gifts/{approved.pk}/actions/publish/")

    assert response.status_code == 409 and "营业执照已过期或缺失，续期前礼品不能送审或上线" in response.content.decode()
    assert state_of(approved) == ("approved", None)


@pytest.mark.parametrize(("state", "action", "body"), [
    ("submitted", "approve", {}),
    ("approved", "publish", {}),
    ("approved", "schedule", {"publish_at": "2099-01-01T10:00:00+08:00"}),
])
def test_the_api_refuses_a_step_towards_sale_while_the_licence_has_expired(api, supplier, operator, state, action, body):
    expiring_licence(supplier, expires_on=EXPIRED)
    gift = gift_in_state(state, actor=operator, at=REVIEWED, supplier=supplier)

    refused = api(operator).post(f"/api/v1/gifts/{gift.pk}/{action}/", body, format="json")

    assert refused.status_code == 409
    assert refused.json()["errors"][0]["code"] == "qualification_blocked"
    assert state_of(gift) == (state, None)


def test_the_api_refuses_approving_a_revision_while_the_licence_has_expired(api, supplier, supplier_staff, operator, now):
    expiring_licence(supplier, expires_on=EXPIRED)
    listed = gift_in_state("online", actor=operator, at=REVIEWED, supplier=supplier)
    revision = revisions.edit_gift(gift=listed, actor=supplier_staff, now=REVIEWED, changes={"name": "新名称"})

    refused = api(operator).post(f"/api/v1/gift-revisions/{revision.pk}/approve/", {}, format="json")

    assert refused.status_code == 409 and refused.json()["errors"][0]["code"] == "qualification_blocked"
    assert GiftRevision.objects.get(pk=revision.pk).state == GiftRevision.State.PENDING


def test_a_gift_with_every_qualification_valid_still_goes_online(supplier, operator, now):
    expiring_licence(supplier, expires_on=date(2027, 12, 31))
    approved = gift_in_state("approved", actor=operator, at=REVIEWED, supplier=supplier)

    catalog.publish_gift(gift=approved, actor=operator, now=now)

    assert state_of(approved) == ("online", None)


def test_the_api_refuses_putting_an_offline_gift_on_clearance_while_the_licence_has_expired(api, supplier, operator):
    expiring_licence(supplier, expires_on=EXPIRED)
    delisted = gift_in_state("offline", actor=operator, at=REVIEWED, supplier=supplier)
    stocked_to_clear(delisted, at=REVIEWED)

    refused = api(operator).post(f"/api/v1/gifts/{delisted.pk}/start-clearance/",
                                 {"points_price": 500, "settlement_price": "50.00"}, format="json")

    assert refused.status_code == 409 and refused.json()["errors"][0]["code"] == "qualification_blocked"
    assert state_of(delisted) == ("offline", None)


def publication_tab(operator, language: str = "zh-hans") -> dict[str, str]:
    """The review page's 待上线 tab: each gift's SKU and what its last cell offers (its actions, or why it is blocked)."""
    page = page_in(operator, QUEUE, language)
    rows = re.findall(r'<tr data-sku="([^"]+)">(.*?)</tr>', page, flags=re.S)
    return {sku: row.rsplit("<td>", 1)[-1] for sku, row in rows}


def an_approved_gift_of_a_supplier_whose_licence_lapsed(operator, supplier):
    expiring_licence(supplier, expires_on=EXPIRED)
    blocked = gift_in_state("approved", actor=operator, at=REVIEWED, supplier=supplier)
    renewed = supplier_in("active", actor=operator, now=REVIEWED)
    expiring_licence(renewed, expires_on=date(2027, 12, 31))
    publishable = gift_in_state("approved", actor=operator, at=REVIEWED, supplier=renewed)
    return blocked, publishable


def test_the_publication_queue_shows_a_gift_whose_supplier_lacks_a_qualification_as_blocked_saying_why_without_publishing_it(
    supplier, operator
):
    blocked, publishable = an_approved_gift_of_a_supplier_whose_licence_lapsed(operator, supplier)

    chinese, english = publication_tab(operator), publication_tab(operator, "en")

    assert "资质不全，暂不能上线：营业执照已过期或缺失" in chinese[blocked.sku]
    assert "Qualifications incomplete, cannot go online yet: " in english[blocked.sku]
    assert f"/gifts/{blocked.pk}/actions/" not in chinese[blocked.sku] and "立即上线" not in chinese[blocked.sku]
    assert f"/gifts/{publishable.pk}/actions/publish/" in chinese[publishable.sku] and "资质不全" not in chinese[publishable.sku]


def test_the_api_says_why_an_approved_gift_cannot_go_online_in_the_list_and_the_detail(api, supplier, operator):
    blocked, publishable = an_approved_gift_of_a_supplier_whose_licence_lapsed(operator, supplier)
    client = api(operator)

    listed = {gift["sku"]: gift["qualification_blocked"] for gift in client.get("/api/v1/gifts/?state=approved").json()["results"]}
    detail = client.get(f"/api/v1/gifts/{blocked.pk}/").json()["qualification_blocked"]
    refused = client.post(f"/api/v1/gifts/{blocked.pk}/publish/", {}, format="json")

    assert listed == {blocked.sku: detail, publishable.sku: ""}
    assert "营业执照已过期或缺失" in detail and detail == refused.json()["errors"][0]["detail"]


def approved_gifts_half_blocked(operator, supplier):
    """make(n): n more approved gifts of `supplier` (licensed, its 3C certificate lapsed), every other one a phone its
    lapsed certificate keeps from going online (the first one too), the others tea that may."""
    expiring_licence(supplier, expires_on=date(2027, 12, 31))
    CertificateFactory(supplier=supplier, issued_on=date(2021, 1, 1), expires_on=EXPIRED)
    made = itertools.count()

    def make(n: int) -> None:
        for _ in range(n):
            category = {"category": electronics()} if next(made) % 2 == 0 else {}
            gift_in_state("approved", actor=operator, at=REVIEWED, supplier=supplier, **category)

    return make


def test_the_suppliers_gift_list_in_the_api_reads_as_many_queries_for_1_and_50_gifts_blocked_ones_among_them(
    api, supplier, supplier_admin, operator
):
    client = api(supplier_admin)

    assert_list_queries_constant(client, "/api/v1/gifts/", approved_gifts_half_blocked(operator, supplier))

    blocked = [gift["qualification_blocked"] for gift in client.get("/api/v1/gifts/?page_size=50").json()["results"]]
    assert blocked.count("") == 25 and all("3C" in reason for reason in blocked if reason)


def test_the_publication_queue_reads_as_many_queries_for_1_and_20_gifts_blocked_ones_among_them(supplier, operator):
    make, client = approved_gifts_half_blocked(operator, supplier), logged_in(operator)

    make(1)
    client.get(QUEUE)  # once before counting: what a process reads once (content types) is read
    with CaptureQueriesContext(connection) as one:
        first = client.get(QUEUE)
    make(19)
    with CaptureQueriesContext(connection) as twenty:
        second = client.get(QUEUE)

    assert first.content.decode().count('data-testid="blocked"') == 1
    assert len(second.context["page_obj"]) == 20 and second.content.decode().count('data-testid="blocked"') == 10
    assert len(one.captured_queries) == len(twenty.captured_queries), "\n".join(q["sql"] for q in twenty.captured_queries)

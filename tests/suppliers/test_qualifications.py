"""Qualification expiry (SPEC §4.1): warned 30 days ahead, an expired licence delists all gifts, an expired certificate
the gifts it covers, both block submissions until renewed; the daily sweep does each thing once."""
from datetime import date, datetime, timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone, translation

from core.errors import ValidationFailed
from core.models import Notification, TransitionLog
from suppliers.errors import QualificationBlocked
from suppliers.models import Gift, Notice, Qualification
from suppliers import selectors_profile as qualifications_selectors
from suppliers.services import catalog, contracts, onboarding, qualifications
from suppliers.tasks_profile import sweep_qualifications as sweep_task
from tests.factories import SHANGHAI, GiftFactory, QualificationFactory, SupplierFactory
from tests.helpers import gift_in_state
from tests.suppliers.profile_factories import CertificateFactory, electronics, expiring_licence

pytestmark = [pytest.mark.django_db, pytest.mark.supplier(licence=None)]  # `supplier`: active, holding only the licences each test gives it

TODAY = date(2026, 10, 15)  # the date of the fixed `now`
LISTED = datetime(2026, 9, 1, 10, 0, tzinfo=SHANGHAI)  # when the gifts went online, every licence and certificate still valid


def sweep(now):
    return qualifications.sweep_qualifications(now=now)


def states(*gifts):
    return [(g.state, g.delist_reason) for g in Gift.objects.filter(pk__in=[g.pk for g in gifts]).order_by("pk")]


def test_a_qualification_expiring_within_thirty_days_is_warned_once_however_often_the_sweep_runs(supplier, now):
    licence = expiring_licence(supplier, expires_on=TODAY + timedelta(days=30))

    first = sweep(now)
    second = sweep(now + timedelta(days=1))

    assert (first.warned, second.warned) == ([licence.pk], [])
    notice = Notice.objects.get(supplier=supplier)
    assert notice.kind == "qualification_expiring" and "2026-11-14" in notice.title_text and notice.link == "/supplier/paperwork/"
    assert Notification.objects.filter(phone=supplier.contact_phone).count() == 1
    assert Qualification.objects.get(pk=licence.pk).warned_at == now


def test_a_qualification_expiring_in_thirty_one_days_is_not_warned_yet(supplier, now):
    expiring_licence(supplier, expires_on=TODAY + timedelta(days=31))

    assert sweep(now).warned == []
    assert not Notice.objects.exists()


def test_a_qualification_already_renewed_is_not_warned(supplier, now):
    expiring_licence(supplier, expires_on=TODAY + timedelta(days=10))
    QualificationFactory(supplier=supplier, issued_on=TODAY - timedelta(days=1), expires_on=date(2031, 1, 1))

    assert sweep(now).warned == []
    assert not Notice.objects.exists()


@pytest.mark.parametrize("state", ["pending", "rejected"])
def test_a_qualification_not_approved_is_neither_warned_of_nor_acted_on_as_it_expires(supplier, now, state):
    expiring_licence(supplier, expires_on=TODAY + timedelta(days=10), state=state)
    expiring_licence(supplier, expires_on=TODAY - timedelta(days=1), state=state)

    swept = sweep(now)

    assert (swept.warned, swept.expired) == ([], [])
    assert not Notice.objects.exists()
    assert list(qualifications_selectors.expiry_warnings(supplier=supplier, on=TODAY)) == []


def test_an_expired_licence_delists_every_online_and_clearance_gift_once(supplier, now):
    licence = expiring_licence(supplier, expires_on=TODAY - timedelta(days=1))
    online, clearance = (gift_in_state(state, at=LISTED, supplier=supplier) for state in ("online", "clearance"))
    draft = GiftFactory(supplier=supplier)

    first = sweep(now)
    logged = TransitionLog.objects.count()
    second = sweep(now + timedelta(days=1))

    assert first.expired == [licence.pk] and sorted(first.delisted_gifts) == sorted([online.pk, clearance.pk])
    assert states(online, clearance, draft) == [
        ("offline", "qualification_expired"), ("offline", "qualification_expired"), ("draft", "")
    ]
    assert (second.expired, second.delisted_gifts, TransitionLog.objects.count()) == ([], [], logged)
    assert Notice.objects.filter(supplier=supplier, kind="qualification_expired").count() == 1
    assert TransitionLog.objects.filter(object_id=online.pk, transition="delist").get().actor is None


def test_the_expired_qualification_is_named_in_each_readers_language(supplier, now):
    licence = expiring_licence(supplier, expires_on=TODAY - timedelta(days=1), number="91330000MA27XY")
    certificate = expiring_licence(supplier, expires_on=TODAY - timedelta(days=1), kind="product_certificate", certificate_type="3C",
                                   number="2026010101")
    online = gift_in_state("online", at=LISTED, supplier=supplier)

    sweep(now)

    notices = {n.title_text: n for n in Notice.objects.filter(supplier=supplier, kind="qualification_expired")}
    assert set(notices) == {"资质已过期：营业执照 91330000MA27XY", "资质已过期：产品资质证书 3C 2026010101"}
    delisted = TransitionLog.objects.filter(object_id=online.pk, transition="delist").get()
    assert delisted.reason_text == "资质过期：营业执照 91330000MA27XY"
    with translation.override("en"):
        assert {n.title_label for n in notices.values()} == {
            "Qualification expired: Business licence 91330000MA27XY", "Qualification expired: Product certificate 3C 2026010101",
        }
        assert delisted.reason_label == "Qualification expired: Business licence 91330000MA27XY"
    assert (licence.described(), certificate.described()) == ("营业执照 91330000MA27XY", "产品资质证书 3C 2026010101")


def test_a_licence_still_counts_on_the_day_it_expires(supplier, now):
    expiring_licence(supplier, expires_on=TODAY)
    online = gift_in_state("online", supplier=supplier)

    assert sweep(now).expired == []
    assert states(online) == [("online", "")]


def test_an_approved_licence_issued_only_tomorrow_counts_for_nothing_today(supplier, supplier_staff, now):
    expired = expiring_licence(supplier, expires_on=TODAY - timedelta(days=1))
    QualificationFactory(supplier=supplier, issued_on=TODAY + timedelta(days=1), expires_on=date(2031, 1, 1))
    online, draft = gift_in_state("online", at=LISTED, supplier=supplier), GiftFactory(supplier=supplier)

    swept = sweep(now)
    with pytest.raises(QualificationBlocked):
        catalog.submit_gift(gift=draft, actor=supplier_staff, now=now)

    assert swept.expired == [expired.pk]
    assert states(online, draft) == [("offline", "qualification_expired"), ("draft", "")]
    assert contracts.valid_licence(supplier=supplier, on=TODAY) is None
    assert ("business_licence", "缺少有效的营业执照") in contracts.activation_missing(supplier=supplier, now=now)


def test_expiry_is_judged_by_the_date_in_shanghai(supplier):
    expiring_licence(supplier, expires_on=TODAY)
    online = gift_in_state("online", supplier=supplier)
    just_after_midnight = datetime(2026, 10, 16, 0, 30, tzinfo=SHANGHAI)  # still 15 October in UTC

    sweep(just_after_midnight)

    assert states(online) == [("offline", "qualification_expired")]


def test_an_expired_product_certificate_delists_only_the_gifts_whose_category_requires_it(supplier, now):
    QualificationFactory(supplier=supplier)
    CertificateFactory(supplier=supplier, issued_on=date(2021, 1, 1), expires_on=TODAY - timedelta(days=1))
    phone = gift_in_state("online", at=LISTED, supplier=supplier, category=electronics())
    phone_on_clearance = gift_in_state("clearance", at=LISTED, supplier=supplier, category=electronics())
    tea = gift_in_state("online", at=LISTED, supplier=supplier)

    sweep(now)

    assert states(phone, phone_on_clearance, tea) == [
        ("offline", "qualification_expired"), ("offline", "qualification_expired"), ("online", "")
    ]


def test_a_renewal_means_nothing_is_delisted_and_the_old_licence_is_settled(supplier, now):
    old = expiring_licence(supplier, expires_on=TODAY - timedelta(days=1))
    QualificationFactory(supplier=supplier, issued_on=TODAY - timedelta(days=5), expires_on=date(2031, 1, 1))
    online = gift_in_state("online", supplier=supplier)

    result = sweep(now)

    assert (result.expired, result.delisted_gifts) == ([], [])
    assert states(online) == [("online", "")]
    assert Qualification.objects.get(pk=old.pk).expiry_handled_at == now
    assert not Notice.objects.filter(kind__startswith="qualification").exists()


def test_a_renewed_certificate_of_another_type_does_not_count(supplier, now):
    QualificationFactory(supplier=supplier)
    CertificateFactory(supplier=supplier, issued_on=date(2021, 1, 1), expires_on=TODAY - timedelta(days=1))
    CertificateFactory(supplier=supplier, certificate_type="食品生产许可", issued_on=TODAY, expires_on=date(2031, 1, 1))
    phone = gift_in_state("online", at=LISTED, supplier=supplier, category=electronics())

    sweep(now)

    assert states(phone) == [("offline", "qualification_expired")]


def test_another_suppliers_gifts_are_untouched(supplier, other_supplier, now):
    expiring_licence(supplier, expires_on=TODAY - timedelta(days=1))
    QualificationFactory(supplier=other_supplier)
    theirs = gift_in_state("online", supplier=other_supplier)

    sweep(now)

    assert states(theirs) == [("online", "")]


def test_an_expired_licence_stops_scheduled_publishing(supplier, now):
    expiring_licence(supplier, expires_on=TODAY - timedelta(days=1))
    scheduled = gift_in_state("approved", at=LISTED, supplier=supplier)
    Gift.objects.filter(pk=scheduled.pk).update(publish_at=now + timedelta(days=2))

    sweep(now)

    scheduled.refresh_from_db()
    assert (scheduled.state, scheduled.publish_at) == ("approved", None)


@pytest.mark.supplier(applicant=True)
def test_a_rejected_applicant_is_neither_warned_nor_swept(supplier, operator, now):
    licence = expiring_licence(supplier, expires_on=TODAY + timedelta(days=5))
    onboarding.start_supplier_review(supplier=supplier, actor=operator, now=now)
    onboarding.reject_supplier(supplier=supplier, actor=operator, now=now, reason="材料不全")

    results = [sweep(now), sweep(now + timedelta(days=6))]

    assert [(r.warned, r.expired) for r in results] == [([], []), ([], [])]
    assert not Notice.objects.filter(kind__startswith="qualification").exists()
    assert Qualification.objects.get(pk=licence.pk).expiry_handled_at is None


def test_an_expired_licence_blocks_submitting_a_gift(supplier, supplier_staff, now):
    expiring_licence(supplier, expires_on=TODAY - timedelta(days=1))
    draft = GiftFactory(supplier=supplier)

    with pytest.raises(QualificationBlocked) as refused:
        catalog.submit_gift(gift=draft, actor=supplier_staff, now=now)

    assert refused.value.field == "business_licence"
    assert states(draft) == [("draft", "")]


def test_after_an_approved_renewal_the_gift_can_be_submitted(supplier, supplier_staff, operator, now):
    expiring_licence(supplier, expires_on=TODAY - timedelta(days=1))
    draft = GiftFactory(supplier=supplier)
    renewal = qualifications.upload_qualification(
        supplier=supplier, actor=supplier_staff, now=now, kind="business_licence", number=supplier.credit_code,
        issued_on=TODAY, expires_on=date(2031, 1, 1), file=ContentFile(b"%PDF-1.4\n", name="licence.pdf"),
    )
    qualifications.approve_qualification(qualification=renewal, actor=operator, now=now)

    catalog.submit_gift(gift=draft, actor=supplier_staff, now=now)

    assert states(draft) == [("submitted", "")]


def test_a_category_needing_a_certificate_blocks_submission_until_one_is_valid(supplier, supplier_staff, now):
    QualificationFactory(supplier=supplier)
    phone = GiftFactory(supplier=supplier, category=electronics())

    with pytest.raises(QualificationBlocked) as refused:
        catalog.submit_gift(gift=phone, actor=supplier_staff, now=now)
    CertificateFactory(supplier=supplier)
    catalog.submit_gift(gift=phone, actor=supplier_staff, now=now)

    assert refused.value.field == "certificates" and "3C" in refused.value.detail
    assert states(phone) == [("submitted", "")]


def test_an_expired_certificate_blocks_relisting_a_gift_it_covers(supplier, supplier_staff, now):
    QualificationFactory(supplier=supplier)
    CertificateFactory(supplier=supplier, issued_on=date(2021, 1, 1), expires_on=TODAY - timedelta(days=1))
    phone = gift_in_state("online", at=LISTED, supplier=supplier, category=electronics())
    sweep(now)
    phone.refresh_from_db()

    with pytest.raises(QualificationBlocked):
        catalog.request_relisting(gift=phone, actor=supplier_staff, now=now)

    assert states(phone) == [("offline", "qualification_expired")]


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"issued_on": TODAY, "expires_on": TODAY}, "expires_on"),
        ({"issued_on": TODAY + timedelta(days=1)}, "issued_on"),
        ({"issued_on": TODAY, "expires_on": TODAY - timedelta(days=1)}, "expires_on"),
        ({"kind": "product_certificate", "certificate_type": " "}, "certificate_type"),
        ({"file": None}, "file"),
    ],
)
def test_a_bad_upload_is_refused_naming_the_field_and_nothing_is_written(supplier, supplier_staff, now, values, field):
    upload = {"kind": "business_licence", "number": supplier.credit_code, "issued_on": TODAY, "expires_on": date(2030, 1, 1),
              "file": ContentFile(b"%PDF-1.4\n", name="licence.pdf")} | values

    with pytest.raises(ValidationFailed) as refused:
        qualifications.upload_qualification(supplier=supplier, actor=supplier_staff, now=now, **upload)

    assert refused.value.field == field
    assert not Qualification.objects.exists()


def test_the_beat_task_runs_the_sweep_on_todays_date(db):
    supplier = SupplierFactory(licence=None)
    today = timezone.localdate()
    expiring_licence(supplier, expires_on=today + timedelta(days=3))

    first, second = sweep_task(), sweep_task()

    assert (first["warned"], second["warned"]) == (1, 0)

"""Members' phone numbers and confirmation codes in the admin (SPEC §4.13): an operator reads them masked, as on the
portal's member lookup; a superuser editing a record sees its phone whole, and that read is in the access log."""
import pytest
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from core.masking import mask_name, mask_phone
from core.models import AccessLog, TransitionLog
from core.notifications import notify
from core.roles import Role
from points.models import Member
from tests.factories import MemberFactory, UserFactory
from tests.portal import logged_in
from tests.suppliers.profile_factories import ProfileChangeFactory, evidence
from tests.helpers import ORDERED

pytestmark = pytest.mark.django_db


def test_an_operator_reads_members_phones_masked_in_the_admin_and_nothing_is_logged(operator, member):
    member.user.phone = member.phone
    member.user.save(update_fields=["phone"])
    client = logged_in(operator)

    pages = [client.get(url).content.decode() for url in (
        "/admin/points/member/", f"/admin/points/member/{member.pk}/change/", "/admin/core/user/",
        f"/admin/core/user/{member.user.pk}/change/",
    )]

    assert not [page for page in pages if member.phone in page]
    assert all(mask_phone(member.phone) in page for page in pages)
    assert not AccessLog.objects.exists()


def test_the_admin_never_shows_a_confirmation_code_and_masks_the_phone_it_went_to(operator, superuser, member, now):
    code = notify(kind="confirmation_code", phone=member.phone, at=now, context=ORDERED | {"code": "273645"})
    deducted = notify(kind="points_deducted", phone=member.phone, at=now,
                      context={"order_number": "R2026000123", "points": 1500, "balance": 48500})

    for user in (operator, superuser):
        client = logged_in(user)
        pages = [client.get(url).content.decode() for url in (
            "/admin/core/notification/", f"/admin/core/notification/{code.pk}/change/",
            f"/admin/core/notification/{deducted.pk}/change/",
        )]

        assert not [page for page in pages if "273645" in page or member.phone in page]
        assert "验证码为 ******" in pages[1] and "保温杯" not in pages[1] and mask_phone(member.phone) in pages[1]
        assert "已扣减 1500 积分，当前余额 48500 积分" in pages[2]


def test_a_superuser_editing_a_member_sees_its_phone_and_the_read_is_logged(superuser, member):
    page = logged_in(superuser).get(f"/admin/points/member/{member.pk}/change/").content.decode()

    logged = AccessLog.objects.get()
    assert f'value="{member.phone}"' in page
    assert (logged.actor, logged.subject_type, logged.subject_id, logged.fields) == (
        superuser, "points.member", str(member.pk), "phone")


def test_no_admin_page_an_operator_opens_shows_a_members_whole_phone_or_name(operator, now):
    phone, name = "13912345678", "王小明"
    member = MemberFactory(user=UserFactory(username=phone, role=Role.MEMBER, first_name=name, phone=phone),
                           phone=phone, name=name)
    TransitionLog.objects.create(content_type=ContentType.objects.get_for_model(Member), object_id=member.pk,
                                 transition="opt_out", source_state="a", target_state="b", actor=member.user, at=now)
    AccessLog.objects.create(actor=member.user, at=now, subject_type="points.member", subject_id=str(member.pk),
                             fields="phone", purpose="lookup")
    client = logged_in(operator)

    shown = {}
    for model in admin.site._registry:
        meta = model._meta
        urls = [reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")] + [
            reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[pk])
            for pk in model._default_manager.values_list("pk", flat=True)]
        for url in urls:
            response = client.get(url)
            assert response.status_code in (200, 403), url  # 403: a page the operator may not open
            shown[url] = response.content.decode()

    assert [url for url, page in shown.items() if phone in page or name in page] == []
    assert mask_phone(phone) in shown[f"/admin/core/user/{member.user.pk}/change/"]
    assert mask_name(name) in shown[f"/admin/points/member/{member.pk}/change/"]
    assert mask_phone(phone) in shown["/admin/core/transitionlog/"] and mask_phone(phone) in shown["/admin/core/accesslog/"]


def test_a_profile_changes_evidence_in_the_admin_links_to_the_portals_file_never_naming_it(operator, supplier):
    change = ProfileChangeFactory(supplier=supplier, evidence=evidence("开户许可证-6222021234567890.pdf", b"%PDF-1.4 permit"))
    client = logged_in(operator)

    page = client.get(f"/admin/suppliers/profilechange/{change.pk}/change/").content.decode()
    link = reverse("supplier-profile-change-evidence", args=[change.pk])

    assert "6222021234567890" not in page and "/media/" not in page
    assert f'href="{link}"' in page
    assert b"".join(client.get(link).streaming_content) == b"%PDF-1.4 permit"

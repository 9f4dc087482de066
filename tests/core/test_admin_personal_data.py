"""Members' phone numbers and confirmation codes in the admin (SPEC §4.13): an operator reads them masked, as on the
portal's member lookup; a superuser editing a record sees its phone whole, and that read is in the access log."""
import pytest

from core.masking import mask_phone
from core.models import AccessLog
from core.notifications import notify
from tests.portal import logged_in

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
    code = notify(kind="confirmation_code", phone=member.phone, at=now, context={"code": "273645"})
    deducted = notify(kind="points_deducted", phone=member.phone, at=now,
                      context={"order_number": "R2026000123", "points": 1500, "balance": 48500})

    for user in (operator, superuser):
        client = logged_in(user)
        pages = [client.get(url).content.decode() for url in (
            "/admin/core/notification/", f"/admin/core/notification/{code.pk}/change/",
            f"/admin/core/notification/{deducted.pk}/change/",
        )]

        assert not [page for page in pages if "273645" in page or member.phone in page]
        assert "您的兑换验证码为 ******" in pages[1] and mask_phone(member.phone) in pages[1]
        assert "已扣减 1500 积分，当前余额 48500 积分" in pages[2]


def test_a_superuser_editing_a_member_sees_its_phone_and_the_read_is_logged(superuser, member):
    page = logged_in(superuser).get(f"/admin/points/member/{member.pk}/change/").content.decode()

    logged = AccessLog.objects.get()
    assert f'value="{member.phone}"' in page
    assert (logged.actor, logged.subject_type, logged.subject_id, logged.fields) == (
        superuser, "points.member", str(member.pk), "phone")

"""A supplier admin's team: adding staff accounts, disabling and enabling them (with who, when and why), resetting a
password; only the supplier's own admin, only staff accounts, another supplier's are not found."""
import re
from datetime import timedelta

import pytest
from django.contrib.auth import authenticate
from django.test import Client

from core.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from core.fsm import history_of
from core.models import TransitionLog, User
from suppliers.models import SupplierMembership
from suppliers.services import team
from tests.factories import SupplierUserFactory, UserFactory
from tests.portal import field_errors, logged_in, nav

pytestmark = pytest.mark.django_db

NEW = {"username": "zhangwei", "name": "张伟", "phone": "13912345678", "password": "ship-it-2026"}


def test_an_admin_adds_a_staff_account_that_logs_in_for_its_supplier(supplier_admin, supplier, now):
    membership = team.add_staff(actor=supplier_admin, now=now, **NEW)

    user = authenticate(username="zhangwei", password="ship-it-2026")
    assert user is not None and (user.role, user.supplier_id, user.first_name, user.phone) == (
        "supplier_staff", supplier.pk, "张伟", "13912345678")
    assert (membership.state, membership.supplier_id) == ("active", supplier.pk)


@pytest.mark.parametrize(("changes", "field"), [
    ({"username": " "}, "username"), ({"username": "supplier_admin"}, "username"), ({"username": "SUPPLIER_ADMIN"}, "username"),
    ({"username": "bad name <x>"}, "username"),
    ({"name": ""}, "name"), ({"phone": "12345"}, "phone"), ({"password": "short"}, "password"), ({"password": "password123"}, "password"),
])
def test_a_bad_staff_account_names_its_field_and_creates_nothing(supplier_admin, now, changes, field):
    with pytest.raises(ValidationFailed) as refused:
        team.add_staff(actor=supplier_admin, now=now, **(NEW | changes))

    assert refused.value.field == field
    assert SupplierMembership.objects.count() == 1  # the admin's own


def test_a_username_taken_in_another_letter_case_while_the_account_is_added_is_refused(supplier_admin, now, monkeypatch):
    check_name = team._name

    def taken_meanwhile(value):  # another admin's "ZhangWei" is saved after this request checked its username
        UserFactory(username="ZhangWei")
        return check_name(value)

    monkeypatch.setattr(team, "_name", taken_meanwhile)

    with pytest.raises(ValidationFailed) as refused:
        team.add_staff(actor=supplier_admin, now=now, **NEW)

    assert refused.value.field == "username"
    assert not User.objects.filter(username="zhangwei").exists()
    assert SupplierMembership.objects.count() == 1  # the admin's own


def test_disabling_needs_a_reason_stops_the_login_and_is_in_the_history(supplier_admin, now):
    membership = team.add_staff(actor=supplier_admin, now=now, **NEW)

    with pytest.raises(ValidationFailed) as no_reason:
        team.disable_member(actor=supplier_admin, membership=membership, now=now, reason=" ")
    team.disable_member(actor=supplier_admin, membership=membership, now=now, reason="已离职")
    locked_out = authenticate(username="zhangwei", password="ship-it-2026")
    with pytest.raises(InvalidTransition):
        team.disable_member(actor=supplier_admin, membership=membership, now=now, reason="再次")
    team.enable_member(actor=supplier_admin, membership=membership, now=now, reason="返聘")

    assert no_reason.value.field == "reason" and locked_out is None
    assert authenticate(username="zhangwei", password="ship-it-2026") is not None
    assert [(log.transition, log.actor, log.reason) for log in history_of(membership)] == [
        ("create", supplier_admin, ""), ("disable", supplier_admin, "已离职"), ("enable", supplier_admin, "返聘")]


def test_a_reset_password_replaces_the_old_one_and_revokes_the_api_token(supplier_admin, now):
    from rest_framework.authtoken.models import Token

    membership = team.add_staff(actor=supplier_admin, now=now, **NEW)
    Token.objects.create(user=membership.user)

    with pytest.raises(ValidationFailed) as weak:
        team.reset_password(actor=supplier_admin, membership=membership, password="123", now=now)
    team.reset_password(actor=supplier_admin, membership=membership, password="new-pass-2026", now=now)

    assert weak.value.field == "password" and not Token.objects.filter(user=membership.user).exists()
    assert authenticate(username="zhangwei", password="ship-it-2026") is None
    assert authenticate(username="zhangwei", password="new-pass-2026") is not None


def test_a_password_reset_is_in_the_members_history_with_who_and_when_and_never_the_password(supplier_admin, now):
    membership = team.add_staff(actor=supplier_admin, now=now, **NEW)
    team.disable_member(actor=supplier_admin, membership=membership, now=now, reason="手机丢失")

    team.reset_password(actor=supplier_admin, membership=membership, password="new-pass-2026", now=now + timedelta(hours=1))

    membership.refresh_from_db()
    reset = history_of(membership).last()
    assert membership.state == "disabled"  # a reset leaves the account as it was
    assert (reset.transition, reset.source_state, reset.target_state, reset.actor, reset.at, reset.reason) == (
        "reset_password", "disabled", "disabled", supplier_admin, now + timedelta(hours=1), "")
    assert not TransitionLog.objects.filter(reason__contains="new-pass-2026").exists()


def test_a_refused_password_reset_leaves_no_step_in_the_history(supplier_admin, now):
    membership = team.add_staff(actor=supplier_admin, now=now, **NEW)

    with pytest.raises(ValidationFailed):
        team.reset_password(actor=supplier_admin, membership=membership, password="123", now=now)

    assert [log.transition for log in history_of(membership)] == ["create"]


def test_the_members_page_lists_the_password_reset_in_its_history(supplier_admin, supplier_staff):
    staff = SupplierMembership.objects.get(user=supplier_staff)
    client = logged_in(supplier_admin)

    page = client.post(f"/supplier/team/{staff.pk}/password/", {"password": "new-pass-2026"}, follow=True).content.decode()

    history = page.split('data-testid="history"', 1)[1].split("</table>", 1)[0]
    row = [re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r"<td>(.*?)</td>", history.split("<tr>")[-1])]
    assert row[1:5] == ["重置密码", "已启用", "已启用", "supplier_admin"]
    assert "new-pass-2026" not in page


def test_only_the_suppliers_own_admin_manages_only_staff_accounts(supplier_admin, supplier_staff, other_supplier_admin, operator,
                                                                  supplier, now):
    staff = SupplierMembership.objects.get(user=supplier_staff)
    second_admin = SupplierMembership.objects.get(user=SupplierUserFactory(username="admin2", supplier=supplier))

    with pytest.raises(NotFound):
        team.disable_member(actor=other_supplier_admin, membership=staff, now=now, reason="x")
    with pytest.raises(PermissionDenied):
        team.disable_member(actor=supplier_admin, membership=second_admin, now=now, reason="x")
    for actor in (supplier_staff, operator):
        with pytest.raises(PermissionDenied):
            team.add_staff(actor=actor, now=now, **NEW)
    staff.refresh_from_db()
    assert staff.state == "active" and set(team.team_of(supplier_admin).values_list("user__username", flat=True)) == {
        "supplier_admin", "supplier_staff", "admin2"}


# --- the portal ---------------------------------------------------------------------------------------------------

def test_the_admin_finds_the_team_in_the_navigation_and_adds_staff_with_errors_next_to_the_fields(supplier_admin, supplier_staff):
    client = logged_in(supplier_admin)

    page = client.get("/supplier/team/")
    bad = client.post("/supplier/team/", NEW | {"phone": "12345", "password": "short"})
    added = client.post("/supplier/team/", NEW, follow=True)

    assert "团队成员" in nav(page) and "团队成员" not in nav(logged_in(supplier_staff).get("/supplier/stock/"))
    assert 'data-username="supplier_staff"' in page.content.decode()
    assert bad.status_code == 400 and set(field_errors(bad)) == {"phone", "password"}
    assert 'data-username="zhangwei"' in added.content.decode() and "已添加员工账号 zhangwei" in added.content.decode()
    assert Client().login(username="zhangwei", password="ship-it-2026")


def test_the_admin_disables_and_enables_a_member_on_its_page_and_reads_why(supplier_admin, supplier_staff):
    client = logged_in(supplier_admin)
    staff = SupplierMembership.objects.get(user=supplier_staff)

    refused = client.post(f"/supplier/team/{staff.pk}/disable/", {"reason": ""}, follow=True).content.decode()
    client.post(f"/supplier/team/{staff.pk}/disable/", {"reason": "手机丢失"})
    disabled = client.get(f"/supplier/team/{staff.pk}/").content.decode()
    client.post(f"/supplier/team/{staff.pk}/enable/", {"reason": "已找回"})

    staff.refresh_from_db()
    assert "请说明停用原因" in refused
    assert 'data-action="enable"' in disabled and "手机丢失" in disabled and "停用" in disabled
    assert 'data-action="disable"' not in disabled and 'data-action="password"' in disabled
    assert staff.state == "active" and staff.user.is_active


def test_other_roles_and_suppliers_cannot_reach_the_team(supplier_staff, other_supplier_admin, operator):
    staff = SupplierMembership.objects.get(user=supplier_staff)

    assert logged_in(supplier_staff).get("/supplier/team/").status_code == 403
    assert logged_in(operator).get("/supplier/team/").status_code == 403
    assert logged_in(other_supplier_admin).get(f"/supplier/team/{staff.pk}/").status_code == 404
    assert logged_in(other_supplier_admin).post(f"/supplier/team/{staff.pk}/disable/", {"reason": "x"}).status_code == 404
    staff.refresh_from_db()
    assert staff.state == "active"


def test_enabling_an_active_member_is_an_illegal_step_that_changes_nothing(supplier_admin, now):
    membership = team.add_staff(actor=supplier_admin, now=now, **NEW)

    with pytest.raises(InvalidTransition):
        team.enable_member(actor=supplier_admin, membership=membership, now=now, reason="x")

    membership.refresh_from_db()
    assert membership.state == "active" and [log.transition for log in history_of(membership)] == ["create"]


def test_a_weak_password_reset_in_the_portal_is_refused_next_to_the_field_and_the_old_one_stays(supplier_admin, supplier_staff):
    staff = SupplierMembership.objects.get(user=supplier_staff)

    response = logged_in(supplier_admin).post(f"/supplier/team/{staff.pk}/password/", {"password": "123"})

    supplier_staff.refresh_from_db()
    assert response.status_code == 400 and "8" in field_errors(response)["password"]  # the validator: at least 8 characters
    assert supplier_staff.check_password("pass12345")


def test_in_english_a_staff_accounts_state_and_its_button_read_differently(supplier_admin, supplier_staff, now):
    client = logged_in(supplier_admin)
    staff = SupplierMembership.objects.get(user=supplier_staff)

    active = client.get(f"/supplier/team/{staff.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    team.disable_member(membership=staff, actor=supplier_admin, now=now, reason="手机丢失")
    disabled = client.get(f"/supplier/team/{staff.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    chinese = client.get(f"/supplier/team/{staff.pk}/").content.decode()  # (and the thread back in Chinese for the next test)

    assert '<span class="badge" data-testid="state">Active</span>' in active and '<button type="submit" class="danger" data-action="disable">Disable</button>' in active
    assert '<span class="badge bad" data-testid="state">Disabled</span>' in disabled and 'data-action="enable">Enable</button>' in disabled
    assert 'data-testid="state">已停用</span>' in chinese and 'data-action="enable">启用</button>' in chinese


def test_a_refused_team_action_comes_back_with_its_error_next_to_the_field_and_changes_nothing(supplier_admin, supplier_staff):
    client = logged_in(supplier_admin)
    staff = SupplierMembership.objects.get(user=supplier_staff)

    no_reason = client.post(f"/supplier/team/{staff.pk}/disable/", {"reason": " "})
    weak_password = client.post(f"/supplier/team/{staff.pk}/password/", {"password": "password123"})

    assert (no_reason.status_code, weak_password.status_code) == (400, 400)
    assert "停用原因" in field_errors(no_reason)["reason"] and 'value=" "' in no_reason.content.decode()
    assert set(field_errors(weak_password)) == {"password"}
    staff.refresh_from_db()
    assert staff.state == "active" and Client().login(username="supplier_staff", password="password123") is False


def test_enabling_an_account_already_active_is_409_on_its_page_with_why(supplier_admin, supplier_staff):
    staff = SupplierMembership.objects.get(user=supplier_staff)

    response = logged_in(supplier_admin).post(f"/supplier/team/{staff.pk}/enable/", {"reason": "再次启用"})

    assert response.status_code == 409 and 'class="error"' in response.content.decode()
    assert 'data-action="disable"' in response.content.decode()
    staff.refresh_from_db()
    assert staff.state == "active" and list(history_of(staff)) == []


def test_a_disabled_member_signing_in_is_told_its_admin_disabled_it_only_with_the_right_password(supplier_admin, now):
    membership = team.add_staff(actor=supplier_admin, now=now, **NEW)
    team.disable_member(actor=supplier_admin, membership=membership, now=now, reason="已离职")

    right = Client().post("/accounts/login/", {"username": "zhangwei", "password": "ship-it-2026"})
    wrong = Client().post("/accounts/login/", {"username": "zhangwei", "password": "not-it"})

    assert "_auth_user_id" not in right.wsgi_request.session
    assert "已被管理员停用" in right.content.decode() and membership.supplier.name in right.content.decode()
    assert "停用" not in wrong.content.decode() and membership.supplier.name not in wrong.content.decode()

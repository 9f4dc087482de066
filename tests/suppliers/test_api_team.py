"""The team API (`/api/v1/team-members/`): a supplier admin lists its supplier's accounts, adds a staff account,
disables (with a reason) and enables one, resets its password, each step in the account's history, as the portal's
team pages do; another supplier's account is not found, anyone but a supplier admin is refused."""
import pytest
from django.contrib.auth import authenticate

from core.models import User
from suppliers.models import SupplierMembership
from tests.factories import SupplierUserFactory
from tests.helpers import assert_list_queries_constant

pytestmark = pytest.mark.django_db

NEW = {"username": "zhangwei", "name": "张伟", "phone": "13912345678", "password": "ship-it-2026"}


def errors_of(response) -> set[str]:
    return {error["attr"] for error in response.json()["errors"]}


@pytest.fixture
def staff(supplier_staff) -> SupplierMembership:
    return SupplierMembership.objects.get(user=supplier_staff)


def test_an_admin_lists_its_own_suppliers_accounts_admins_first(api, supplier_admin, supplier_staff, other_supplier_admin):
    listed = api(supplier_admin).get("/api/v1/team-members/")

    assert listed.status_code == 200
    assert [(row["username"], row["role"], row["state"]) for row in listed.json()["results"]] == [
        (supplier_admin.username, "supplier_admin", "active"), (supplier_staff.username, "supplier_staff", "active")]


def test_an_admin_adds_a_staff_account_that_logs_in_and_whose_history_says_who_added_it(api, supplier_admin, supplier):
    client = api(supplier_admin)

    added = client.post("/api/v1/team-members/", NEW)
    history = client.get(f"/api/v1/team-members/{added.json()['id']}/history/")

    assert added.status_code == 201
    assert {key: added.json()[key] for key in ("username", "name", "phone", "role", "state")} == {
        "username": "zhangwei", "name": "张伟", "phone": "13912345678", "role": "supplier_staff", "state": "active"}
    assert "password" not in added.json()
    assert authenticate(username="zhangwei", password="ship-it-2026").supplier_id == supplier.pk
    assert [(row["transition"], row["actor"]) for row in history.json()] == [("create", supplier_admin.username)]


def test_a_bad_staff_account_names_every_bad_field_at_once_and_creates_nothing(api, supplier_admin):
    refused = api(supplier_admin).post("/api/v1/team-members/", {"username": "bad name <x>", "name": " ", "phone": "12345",
                                                                  "password": "short"})

    assert refused.status_code == 400
    assert errors_of(refused) == {"username", "name", "phone", "password"}
    assert SupplierMembership.objects.count() == 1  # the admin's own


def test_disabling_needs_a_reason_stops_the_login_and_enabling_lets_it_in_again(api, supplier_admin, staff):
    client = api(supplier_admin)
    staff.user.set_password("ship-it-2026")
    staff.user.save()

    without_reason = client.post(f"/api/v1/team-members/{staff.pk}/disable/", {"reason": " "})
    disabled = client.post(f"/api/v1/team-members/{staff.pk}/disable/", {"reason": "已离职"})
    locked_out = authenticate(username=staff.user.username, password="ship-it-2026")
    again = client.post(f"/api/v1/team-members/{staff.pk}/disable/", {"reason": "再次"})
    enabled = client.post(f"/api/v1/team-members/{staff.pk}/enable/", {"reason": "返聘"})
    history = client.get(f"/api/v1/team-members/{staff.pk}/history/").json()

    assert without_reason.status_code == 400 and errors_of(without_reason) == {"reason"}
    assert disabled.status_code == 200 and disabled.json()["state"] == "disabled" and locked_out is None
    assert again.status_code == 409
    assert enabled.status_code == 200 and enabled.json()["state"] == "active"
    assert authenticate(username=staff.user.username, password="ship-it-2026") is not None
    assert [(row["transition"], row["actor"], row["reason"]) for row in history] == [
        ("disable", supplier_admin.username, "已离职"), ("enable", supplier_admin.username, "返聘")]


def test_a_reset_password_replaces_the_old_one_and_is_in_the_history_without_the_password(api, supplier_admin, staff):
    client = api(supplier_admin)

    weak = client.post(f"/api/v1/team-members/{staff.pk}/reset-password/", {"password": "123"})
    reset = client.post(f"/api/v1/team-members/{staff.pk}/reset-password/", {"password": "new-pass-2026"})
    history = client.get(f"/api/v1/team-members/{staff.pk}/history/")

    assert weak.status_code == 400 and errors_of(weak) == {"password"}
    assert reset.status_code == 200 and reset.json()["state"] == "active"
    assert authenticate(username=staff.user.username, password="new-pass-2026") is not None
    assert [row["transition"] for row in history.json()] == ["reset_password"]
    assert "new-pass-2026" not in history.content.decode()


def test_another_suppliers_account_is_not_found_and_changes_nothing(api, other_supplier_admin, staff):
    client = api(other_supplier_admin)

    read = client.get(f"/api/v1/team-members/{staff.pk}/")
    disabled = client.post(f"/api/v1/team-members/{staff.pk}/disable/", {"reason": "x"})
    listed = client.get("/api/v1/team-members/")

    assert read.status_code == disabled.status_code == 404
    assert staff.user.username not in {row["username"] for row in listed.json()["results"]}
    staff.refresh_from_db()
    assert staff.state == "active"


def test_anyone_but_a_supplier_admin_is_refused(api, supplier_staff, operator, finance, member, staff):
    for user in (supplier_staff, operator, finance, member.user):
        client = api(user)

        answers = [client.get("/api/v1/team-members/"), client.get(f"/api/v1/team-members/{staff.pk}/"),
                   client.post(f"/api/v1/team-members/{staff.pk}/disable/", {"reason": "x"}), client.post("/api/v1/team-members/", NEW)]

        assert [answer.status_code for answer in answers] == [403] * 4, user.role
    assert not User.objects.filter(username="zhangwei").exists()


def test_an_admins_account_is_read_but_not_managed(api, supplier_admin, supplier):
    second_admin = SupplierMembership.objects.get(user=SupplierUserFactory(username="admin2", supplier=supplier))
    client = api(supplier_admin)

    read = client.get(f"/api/v1/team-members/{second_admin.pk}/")
    disabled = client.post(f"/api/v1/team-members/{second_admin.pk}/disable/", {"reason": "x"})
    reset = client.post(f"/api/v1/team-members/{second_admin.pk}/reset-password/", {"password": "new-pass-2026"})

    assert read.status_code == 200 and read.json()["role"] == "supplier_admin"
    assert disabled.status_code == reset.status_code == 403
    second_admin.refresh_from_db()
    assert second_admin.state == "active"


def test_the_team_list_runs_the_same_queries_for_one_account_and_fifty(api, supplier_admin, supplier):
    assert_list_queries_constant(
        api(supplier_admin), "/api/v1/team-members/",
        lambda n: [SupplierUserFactory(role="supplier_staff", supplier=supplier) for _ in range(n)],
    )


def test_a_staff_account_with_a_badly_typed_field_names_its_other_bad_fields_in_the_same_answer(api, supplier_admin):
    refused = api(supplier_admin).post("/api/v1/team-members/", {"username": ["zhangwei"], "name": "", "phone": "12345",
                                                                  "password": "short"})

    assert refused.status_code == 400
    assert {error["attr"].split(".")[0] for error in refused.json()["errors"]} == {"username", "name", "phone", "password"}
    assert SupplierMembership.objects.count() == 1  # the admin's own


@pytest.mark.parametrize("body", [{}, {"username": "zhangwei"}, NEW], ids=["empty", "incomplete", "complete"])
def test_supplier_staff_adding_an_account_are_refused_whatever_they_send(api, supplier_staff, body):
    refused = api(supplier_staff).post("/api/v1/team-members/", body)

    assert refused.status_code == 403 and refused.json()["errors"][0]["code"] == "permission_denied"
    assert not User.objects.filter(username="zhangwei").exists()

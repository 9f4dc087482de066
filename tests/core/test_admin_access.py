"""The admin is for reading: an operator opens every page of the product there but changes nothing (each change has its
portal page and service); a superuser manages users and reference data; nobody edits or deletes the audit trail."""
import pytest
from django.db.models import ProtectedError

from core.fsm import history_of
from core.models import AccessLog, Notification, TransitionLog, User
from core.roles import Role
from points.models import Member
from suppliers.models import BankAccount, Contract, Gift, GiftRevision, Qualification, Supplier, SupplierMembership
from suppliers.services import onboarding
from tests.core.test_portal import _admin_page_data
from tests.factories import FIXED_NOW, ContractFactory, GiftFactory, QualificationFactory, SupplierUserFactory, supplier_in
from tests.portal import logged_in, page_in
from tests.suppliers.profile_factories import NEW_ACCOUNT, ProfileChangeFactory

pytestmark = [pytest.mark.django_db, pytest.mark.supplier(applicant=True)]  # the supplier is an applicant, as onboarding starts it


def test_an_operator_cannot_make_itself_a_superuser_or_change_any_account(operator, finance):
    client = logged_in(operator)
    own = f"/admin/core/user/{operator.pk}/change/"

    promoted = client.post(own, {"username": "operator", "role": "operator", "is_active": "on", "is_superuser": "on",
                                 "date_joined_0": "2026-01-01", "date_joined_1": "00:00:00"})
    added = client.post("/admin/core/user/add/", {"username": "maker", "password1": "Xy7-pass-9981",
                                                   "password2": "Xy7-pass-9981", "role": "finance"})
    password = client.post(f"/admin/core/user/{finance.pk}/password/", {"password1": "Xy7-pass-9981",
                                                                       "password2": "Xy7-pass-9981"})

    operator.refresh_from_db()
    finance.refresh_from_db()
    assert (promoted.status_code, added.status_code, password.status_code) == (403, 403, 403)
    assert not operator.is_superuser and not User.objects.filter(username="maker").exists()
    assert not finance.check_password("Xy7-pass-9981")


def test_an_operator_cannot_add_a_bank_account_or_edit_suppliers_prices_members_or_changes(operator, supplier, member):
    gift = GiftFactory(supplier=supplier)
    change = ProfileChangeFactory(supplier=supplier)
    client = logged_in(operator)

    statuses = {
        "bank account": client.post("/admin/suppliers/bankaccount/add/", NEW_ACCOUNT | {
            "supplier": supplier.pk, "account_name": "Evil Bank", "approved_at_0": "2026-01-01", "approved_at_1": "00:00:00",
        }).status_code,
        "supplier": client.post(f"/admin/suppliers/supplier/{supplier.pk}/change/", {"name": "改名公司"}).status_code,
        "price": client.post(f"/admin/suppliers/gift/{gift.pk}/change/", {"settlement_price": "0.01"}).status_code,
        "member": client.post(f"/admin/points/member/{member.pk}/change/", {"phone": "13900000000"}).status_code,
        "profile change": client.post(f"/admin/suppliers/profilechange/{change.pk}/change/",
                                      {"new_value": '{"legal_name": "Evil"}'}).status_code,
        "gift deleted": client.post(f"/admin/suppliers/gift/{gift.pk}/delete/", {"post": "yes"}).status_code,
    }

    assert set(statuses.values()) == {403}, statuses
    assert not BankAccount.objects.exists()
    supplier.refresh_from_db()
    gift.refresh_from_db()
    change.refresh_from_db()
    assert supplier.name != "改名公司" and str(gift.settlement_price) != "0.01"
    assert Member.objects.get().phone == member.phone and change.new_value != {"legal_name": "Evil"}


def test_an_operator_takes_workflow_steps_on_the_portal_not_through_admin_actions(operator, supplier):
    client = logged_in(operator)

    changelist = client.get("/admin/suppliers/supplier/")
    client.post("/admin/suppliers/supplier/", {"action": "start_review", "_selected_action": [supplier.pk]})

    supplier.refresh_from_db()
    assert changelist.status_code == 200 and "start_review" not in changelist.content.decode()
    assert supplier.state == Supplier.State.APPLIED and not TransitionLog.objects.exists()


def test_an_objects_admin_page_shows_its_state_changes_at_shanghai_time(operator):
    supplier = supplier_in("active", actor=operator)  # every step at 2026-10-15 10:00 Shanghai, 02:00 UTC

    page = logged_in(operator).get(f"/admin/suppliers/supplier/{supplier.pk}/change/").content.decode()

    assert page.count("<div>2026-10-15 10:00 ") == history_of(supplier).count() > 0
    assert "2026-10-15 02:00" not in page


def test_an_operator_reading_a_user_in_the_admin_is_offered_no_password_reset_it_would_be_refused(operator, superuser, finance):
    page = f"/admin/core/user/{finance.pk}/change/"

    read = logged_in(operator).get(page).content.decode()
    managed = logged_in(superuser).get(page).content.decode()

    assert 'href="../password/"' not in read
    assert 'href="../password/"' in managed


def test_a_superuser_still_manages_users_in_the_admin(superuser, finance):
    client = logged_in(superuser)

    added = client.post("/admin/core/user/add/", {"username": "finance3", "password1": "Xy7-pass-9981",
                                                  "password2": "Xy7-pass-9981", "role": "finance", "phone": ""})
    password = client.post(f"/admin/core/user/{finance.pk}/password/", {"password1": "Xy7-pass-9981",
                                                                       "password2": "Xy7-pass-9981"})

    finance.refresh_from_db()
    assert added.status_code == 302 and User.objects.get(username="finance3").role == Role.FINANCE
    assert password.status_code == 302 and finance.check_password("Xy7-pass-9981")


def test_a_user_is_deactivated_never_deleted_so_its_history_still_names_it(superuser, operator, supplier, now):
    onboarding.start_supplier_review(supplier=supplier, actor=operator, now=now)
    AccessLog.objects.create(actor=operator, at=FIXED_NOW, subject_type="member", subject_id="1", fields="phone")
    client = logged_in(superuser)

    statuses = [client.get(f"/admin/core/user/{operator.pk}/delete/").status_code,
                client.post(f"/admin/core/user/{operator.pk}/delete/", {"post": "yes"}).status_code]
    changelist = client.get("/admin/core/user/").content.decode()
    client.post("/admin/core/user/", {"action": "delete_selected", "_selected_action": [operator.pk], "post": "yes"})
    User.objects.filter(pk=operator.pk).update(is_active=False)
    with pytest.raises(ProtectedError):
        User.objects.get(pk=operator.pk).delete()

    assert statuses == [403, 403] and "delete_selected" not in changelist
    assert [log.actor_label for log in history_of(supplier)] == ["operator"]
    assert AccessLog.objects.get().actor == operator and not User.objects.get(pk=operator.pk).is_active


@pytest.mark.parametrize("who", ["operator", "superuser"])
def test_nobody_edits_or_deletes_the_audit_trail_in_the_admin(request, who, supplier, now):
    user = request.getfixturevalue(who)
    onboarding.start_supplier_review(supplier=supplier, actor=user, now=now)
    read = AccessLog.objects.create(actor=user, at=FIXED_NOW, subject_type="member", subject_id="1", fields="phone")
    sms = Notification.objects.create(kind="points_deducted", phone="13800138000", body="扣减", created_at=now, not_before=now)
    logged = TransitionLog.objects.get()
    client = logged_in(user)

    statuses = [client.post(f"/admin/core/{model}/{pk}/delete/", {"post": "yes"}).status_code
                for model, pk in (("accesslog", read.pk), ("notification", sms.pk), ("transitionlog", logged.pk))]
    statuses.append(client.post(f"/admin/core/accesslog/{read.pk}/change/", {"purpose": "x"}).status_code)
    client.post("/admin/core/accesslog/", {"action": "delete_selected", "_selected_action": [read.pk], "post": "yes"})

    assert set(statuses) == {403}
    assert (AccessLog.objects.get().purpose, Notification.objects.count(), TransitionLog.objects.count()) == ("", 1, 1)


@pytest.mark.parametrize("who", ["operator", "superuser"])
def test_bank_accounts_and_profile_changes_are_only_read_in_the_admin_with_account_numbers_masked(request, who, supplier):
    from suppliers.models import ProfileChange
    from tests.suppliers.profile_factories import BankAccountFactory

    account = BankAccountFactory(supplier=supplier, account_number="6222021202001234567")
    change = ProfileChangeFactory(supplier=supplier, field=ProfileChange.Field.BANK_ACCOUNT,
                                  new_value=NEW_ACCOUNT | {"account_number": "6222021202007654321"})
    client = logged_in(request.getfixturevalue(who))

    added = client.post("/admin/suppliers/bankaccount/add/", NEW_ACCOUNT | {
        "supplier": supplier.pk, "approved_at_0": "2026-01-01", "approved_at_1": "00:00:00"})
    edited = client.post(f"/admin/suppliers/profilechange/{change.pk}/change/", {"new_value": '{"account_number": "1"}'})
    pages = [client.get(url).content.decode() for url in (
        "/admin/suppliers/bankaccount/", f"/admin/suppliers/bankaccount/{account.pk}/change/",
        f"/admin/suppliers/profilechange/{change.pk}/change/")]

    change.refresh_from_db()
    assert (added.status_code, edited.status_code) == (403, 403)
    assert list(BankAccount.objects.all()) == [account] and change.new_value["account_number"] == "6222021202007654321"
    assert "***************4567" in pages[0] and "***************4321" in pages[2]
    assert not [page for page in pages if "6222021202001234567" in page or "6222021202007654321" in page]


def test_a_superuser_cannot_rename_a_supplier_or_drop_its_admins_membership_in_the_admin(superuser):
    """A legal name changes through a reviewed profile change; a membership through the supplier's team page."""
    supplier = supplier_in(Supplier.State.ACTIVE)
    admin_user = SupplierUserFactory(username="sa", role=Role.SUPPLIER_ADMIN, supplier=supplier)
    client = logged_in(superuser)
    url = f"/admin/suppliers/supplier/{supplier.pk}/change/"
    page = client.get(url)

    saved = client.post(url, _admin_page_data(page) | {
        "name": "改名后公司", "memberships-0-id": SupplierMembership.objects.get().pk, "memberships-0-DELETE": "on"})
    added = client.get("/admin/suppliers/supplier/add/").status_code

    supplier.refresh_from_db()
    assert not page.context["adminform"].form.fields and not page.context["inline_admin_formsets"][0].formset.forms[0].fields.get("DELETE")
    assert saved.status_code == 302 and added == 403 and supplier.name != "改名后公司"
    assert SupplierMembership.objects.get().user == admin_user


@pytest.mark.parametrize("model, changes", [
    (Contract, {"payment_days": "365", "deposit_amount": "0.00"}),
    (Gift, {"settlement_price": "0.01", "prices-0-points_price": "1", "prices-0-DELETE": "on"}),
    (Qualification, {"number": "FAKE-1", "expires_on": "2099-12-31"}),
    (GiftRevision, {"changes": '{"name": "x"}'}),
])
def test_reviewed_records_are_read_only_in_the_admin_even_to_a_superuser(superuser, listed_gift, now, model, changes):
    GiftRevision.objects.create(gift=listed_gift, changes={"name": "新品名"}, requested_at=now)
    ContractFactory(supplier=listed_gift.supplier)
    QualificationFactory(supplier=listed_gift.supplier)
    record = model.objects.filter(pk=listed_gift.pk).first() or model.objects.order_by("pk").first()
    before = model.objects.filter(pk=record.pk).values().get()
    prices = sorted(listed_gift.prices.values_list("program__code", "points_price"))
    client = logged_in(superuser)
    url = f"/admin/suppliers/{model._meta.model_name}/{record.pk}/change/"
    page = client.get(url)

    saved = client.post(url, _admin_page_data(page) | changes)
    added = client.get(f"/admin/suppliers/{model._meta.model_name}/add/").status_code

    assert not page.context["adminform"].form.fields and saved.status_code == 302 and added == 403
    assert model.objects.filter(pk=record.pk).values().get() == before
    assert sorted(listed_gift.prices.values_list("program__code", "points_price")) == prices


def test_a_replenishment_request_is_only_read_in_the_admin_so_its_due_date_stays_what_the_kpi_counts(superuser, listed_gift, now):
    from suppliers.models import Location, ReplenishmentRequest
    from suppliers.services import inventory

    location = Location.objects.get(code="WH-ORD")
    inventory.set_safety_stock(gift=listed_gift, location=location, safety_stock=20, at=now)
    request = ReplenishmentRequest.objects.get()
    client = logged_in(superuser)
    url = f"/admin/suppliers/replenishmentrequest/{request.pk}"

    page = client.get(f"{url}/change/")
    statuses = [
        client.post(f"{url}/change/", {"gift": listed_gift.pk, "location": location.pk, "quantity": 1, "due_date": "2030-01-01"}).status_code,
        client.post(f"{url}/delete/", {"post": "yes"}).status_code,
    ]
    with pytest.raises(ProtectedError) as kept:
        Gift.objects.get(pk=listed_gift.pk).delete()

    assert page.status_code == 200 and statuses == [403, 403] and request in kept.value.protected_objects
    assert ReplenishmentRequest.objects.filter(pk=request.pk).values_list("quantity", "due_date").get() == (request.quantity, request.due_date)


def test_a_stock_record_is_never_deleted_so_its_units_leave_only_through_a_stock_movement(superuser, listed_gift):
    from suppliers.models import StockMovement, StockRecord

    record = StockRecord.objects.get(gift=listed_gift)
    client = logged_in(superuser)

    deleted = client.post(f"/admin/suppliers/stockrecord/{record.pk}/delete/", {"post": "yes"}).status_code
    client.post("/admin/suppliers/stockrecord/", {"action": "delete_selected", "_selected_action": [record.pk], "post": "yes"})
    with pytest.raises(ProtectedError) as kept:
        Gift.objects.get(pk=listed_gift.pk).delete()

    assert deleted == 403 and record in kept.value.protected_objects
    assert StockRecord.objects.get(pk=record.pk).on_hand == 10 == sum(StockMovement.objects.values_list("on_hand_delta", flat=True))


def test_a_stock_records_safety_stock_is_not_set_in_the_admin_but_on_the_portals_stock_page(superuser, listed_gift):
    from suppliers.models import ReplenishmentRequest, StockRecord

    record = StockRecord.objects.get(gift=listed_gift)
    client = logged_in(superuser)
    url = f"/admin/suppliers/stockrecord/{record.pk}/change/"

    changed = client.post(url, {"gift": listed_gift.pk, "location": record.location_id, "safety_stock": 50}).status_code
    added = client.post("/admin/suppliers/stockrecord/add/", {"gift": listed_gift.pk, "location": record.location_id,
                                                              "safety_stock": 50}).status_code
    page = client.get(url).content.decode()

    assert (changed, added) == (403, 403) and 'name="safety_stock"' not in page
    assert StockRecord.objects.get(pk=record.pk).safety_stock == record.safety_stock
    assert StockRecord.objects.filter(gift=listed_gift).count() == 1 and not ReplenishmentRequest.objects.exists()


@pytest.mark.parametrize("model", [Supplier, Contract, Qualification, Gift, GiftRevision])
def test_nobody_deletes_a_reviewed_record_in_the_admin_and_what_belongs_to_it_keeps_it(superuser, listed_gift, now, model):
    supplier = listed_gift.supplier
    GiftRevision.objects.create(gift=listed_gift, changes={"name": "新品名"}, requested_at=now)
    ContractFactory(supplier=supplier)
    QualificationFactory(supplier=supplier)
    record = model.objects.filter(pk=listed_gift.pk).first() if model is Gift else model.objects.order_by("pk").first()
    client = logged_in(superuser)
    url = f"/admin/suppliers/{model._meta.model_name}/"

    deleted = client.post(f"{url}{record.pk}/delete/", {"post": "yes"}).status_code
    client.post(url, {"action": "delete_selected", "_selected_action": [record.pk], "post": "yes"})

    assert deleted == 403 and model.objects.filter(pk=record.pk).exists()
    with pytest.raises(ProtectedError):
        Supplier.objects.get(pk=supplier.pk).delete()


def test_a_state_change_log_keeps_the_kind_of_object_it_names(supplier, operator, now):
    from django.contrib.contenttypes.models import ContentType

    onboarding.start_supplier_review(supplier=supplier, actor=operator, now=now)

    with pytest.raises(ProtectedError):
        ContentType.objects.get_for_model(Supplier).delete()
    assert TransitionLog.objects.get().subject == supplier


def test_a_supplier_keeps_its_paperwork_memberships_and_notices_even_outside_the_admin(now):
    from suppliers.models import ProfileChange
    from tests.factories import NoticeFactory
    from tests.suppliers.profile_factories import BankAccountFactory

    supplier = supplier_in(Supplier.State.ACTIVE)
    SupplierUserFactory(username="sa", role=Role.SUPPLIER_ADMIN, supplier=supplier)
    BankAccountFactory(supplier=supplier)
    ProfileChangeFactory(supplier=supplier)
    NoticeFactory(supplier=supplier)

    with pytest.raises(ProtectedError) as kept:
        Supplier.objects.get(pk=supplier.pk).delete()

    protected = {type(record).__name__ for record in kept.value.protected_objects}
    assert {"Contract", "Qualification", "BankAccount", "SupplierMembership", "Notice"} <= protected
    assert ProfileChange.objects.filter(supplier=supplier).exists() and "ProfileChange" in protected


def test_the_program_list_of_the_admin_shows_each_programs_name_in_english_on_request(superuser):
    page = page_in(superuser, "/admin/core/program/", "en")

    assert "GoTone Points Program" in page and "全球通积分计划" not in page


@pytest.mark.parametrize("role", [Role.SUPPLIER_ADMIN, Role.SUPPLIER_STAFF])
def test_a_suppliers_account_is_not_switched_on_in_the_user_admin_around_its_review_or_its_team(superuser, supplier, role):
    account = SupplierUserFactory(username="waiting", role=role, supplier=supplier, is_active=False)  # an applicant's admin
    client = logged_in(superuser)
    url = f"/admin/core/user/{account.pk}/change/"
    page = client.get(url)

    saved = client.post(url, _admin_page_data(page) | {"is_active": "on"})

    account.refresh_from_db()
    assert "is_active" not in page.context["adminform"].form.fields
    assert saved.status_code == 302 and not account.is_active

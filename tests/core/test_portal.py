"""The portal shell: login, navigation per role, Chinese first with English available, admin for operators."""
import pytest
from django.test import Client

from core.models import TransitionLog
from suppliers.models import Supplier
from tests.portal import logged_in

pytestmark = pytest.mark.django_db


def test_anonymous_visitors_are_sent_to_the_login_page():
    response = Client().get("/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_login_page_is_chinese_by_default_and_english_on_request():
    chinese = Client().get("/accounts/login/")
    english = Client(HTTP_ACCEPT_LANGUAGE="en").get("/accounts/login/")

    assert "登录" in chinese.content.decode()
    assert 'lang="en"' in english.content.decode() and "Log in" in english.content.decode()


@pytest.mark.parametrize(
    ("role_fixture", "visible", "hidden"),
    [
        ("operator", ["礼品商管理", "管理后台"], ["站内通知"]),
        ("supplier_admin", ["站内通知"], ["礼品商管理", "管理后台"]),
        ("finance", ["礼品商管理"], ["管理后台", "站内通知"]),
        ("member", ["API 文档"], ["礼品商管理", "站内通知"]),
    ],
)
def test_each_role_sees_its_own_navigation(request, role_fixture, visible, hidden):
    user = request.getfixturevalue(role_fixture)
    user = getattr(user, "user", user)

    page = logged_in(user).get("/").content.decode()

    nav = page.split('data-testid="nav"', 1)[1].split("</nav>", 1)[0]
    assert all(label in nav for label in visible)
    assert not any(label in nav for label in hidden)


def test_a_page_of_another_role_is_forbidden(supplier_admin):
    assert logged_in(supplier_admin).get("/supplier/review/").status_code == 403


def test_the_application_form_shows_the_error_next_to_the_field():
    response = Client().post(
        "/supplier/apply/",
        {"name": "某公司", "credit_code": "91350100M000100Y44", "contact_name": "张", "contact_phone": "12345",
         "username": "newco", "password": "long-enough-1"},
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-field="credit_code"' in page and 'data-field="contact_phone"' in page
    assert not Supplier.objects.exists()


def test_an_operator_reviews_a_supplier_from_the_portal_with_a_reason(operator, supplier):
    client = logged_in(operator)

    client.post(f"/supplier/review/{supplier.pk}/start_review/", {"reason": "收到材料"})
    page = client.get(f"/supplier/review/{supplier.pk}/").content.decode()

    supplier.refresh_from_db()
    assert supplier.state == "under_review"
    assert "收到材料" in page and 'data-action="approve"' in page
    assert TransitionLog.objects.get().actor == operator


def test_an_illegal_portal_action_shows_an_error_and_changes_nothing(operator, supplier):
    response = logged_in(operator).post(f"/supplier/review/{supplier.pk}/suspend/", {"reason": "x"}, follow=True)

    assert "Cannot suspend" in response.content.decode()
    supplier.refresh_from_db()
    assert supplier.state == "applied"


def test_operators_can_use_the_admin_and_suppliers_cannot(operator, supplier_admin, supplier):
    assert logged_in(operator).get(f"/admin/suppliers/supplier/{supplier.pk}/change/").status_code == 200
    assert logged_in(supplier_admin).get("/admin/").status_code == 302


def test_an_admin_transition_action_goes_through_the_service(operator, supplier):
    response = logged_in(operator).post(
        "/admin/suppliers/supplier/", {"action": "start_review", "_selected_action": [supplier.pk]}, follow=True
    )

    assert response.status_code == 200
    supplier.refresh_from_db()
    assert supplier.state == "under_review"
    assert TransitionLog.objects.get().transition == "start_review"


def test_every_admin_page_of_the_product_opens_for_an_operator(operator, supplier):
    from django.contrib import admin as django_admin

    client = logged_in(operator)
    pages = [f"/admin/{model._meta.app_label}/{model._meta.model_name}/" for model in django_admin.site._registry
             if model._meta.app_label in {"core", "suppliers", "points", "logistics", "settlement"}]

    statuses = {page: client.get(page).status_code for page in pages}

    assert len(pages) >= 15
    assert set(statuses.values()) == {200}, statuses


def test_an_admin_contract_approval_goes_through_the_service(operator, supplier):
    from tests.factories import ContractFactory

    contract = ContractFactory(supplier=supplier)

    logged_in(operator).post("/admin/suppliers/contract/", {"action": "approve_contract", "_selected_action": [contract.pk]})

    contract.refresh_from_db()
    assert contract.state == "approved"
    assert TransitionLog.objects.get().transition == "approve"

"""Gift categories, maintained by operators (SPEC §4.1: the required product certificates are configured per
category): the service's rules, the operator's pages, and the English name shown on English pages."""
import pytest
from django.test import Client

from core.errors import PermissionDenied, ValidationFailed
from suppliers.models import Category
from suppliers.services import categories, qualifications
from tests.factories import CategoryFactory, GiftFactory, QualificationFactory, SupplierFactory
from tests.portal import field_errors, form_values, logged_in, nav

pytestmark = pytest.mark.django_db


def test_an_operator_adds_a_category_with_its_certificates_trimmed_and_each_once(operator, now):
    added = categories.save_category(actor=operator, now=now, code="home-appliance", name=" 家用电器 ", name_en="Home appliances",
                                     required_certificates=[" 3C", "", "3C", "能效标识 "])

    added.refresh_from_db()
    assert (added.code, added.name, added.name_en, added.required_certificates) == (
        "home-appliance", "家用电器", "Home appliances", ["3C", "能效标识"])


def test_a_change_keeps_the_code_and_replaces_the_names_and_certificates(operator, now):
    tea = CategoryFactory(required_certificates=["食品生产许可"])

    categories.save_category(actor=operator, now=now, category=tea, code="ignored", name="茗茶", name_en="Fine tea",
                             required_certificates=[])

    tea.refresh_from_db()
    assert (tea.code, tea.name, tea.name_en, tea.required_certificates) == ("tea", "茗茶", "Fine tea", [])


@pytest.mark.parametrize(("values", "fields"), [
    ({"code": "", "name": ""}, {"code", "name"}),
    ({"code": "Tea Leaves", "name": "茶"}, {"code"}),
    ({"code": "tea", "name": "茶"}, {"code"}),  # taken
    ({"code": "x" * 41, "name": "茶"}, {"code"}),
    ({"code": "gifts", "name": "礼" * 61, "name_en": "G" * 61}, {"name", "name_en"}),
    ({"code": "gifts", "name": "礼品", "required_certificates": ["证" * 41]}, {"required_certificates"}),
    ({"code": "gifts", "name": "礼品", "required_certificates": [f"C{n}" for n in range(11)]}, {"required_certificates"}),
])
def test_a_bad_category_names_every_bad_field_and_saves_nothing(operator, now, values, fields):
    CategoryFactory(code="tea")

    with pytest.raises(ValidationFailed) as refused:
        categories.save_category(actor=operator, now=now, **values)

    assert {field for field, _code, _message in refused.value.errors} == fields
    assert list(Category.objects.values_list("code", flat=True)) == ["tea"]


@pytest.mark.parametrize("role", ["supplier_admin", "finance", "logistics"])
def test_only_operators_maintain_categories(request, now, role):
    tea = CategoryFactory(name="茶叶")

    with pytest.raises(PermissionDenied):
        categories.save_category(actor=request.getfixturevalue(role), now=now, code="home", name="家居")
    with pytest.raises(PermissionDenied):
        categories.save_category(actor=request.getfixturevalue(role), now=now, category=tea, name="改名")

    tea.refresh_from_db()
    assert tea.name == "茶叶" and not Category.objects.filter(code="home").exists()


def test_a_certificate_added_to_a_category_blocks_the_next_submission_until_the_supplier_holds_it(operator, now):
    supplier = SupplierFactory()
    QualificationFactory(supplier=supplier)  # the business licence
    tea = CategoryFactory()
    assert qualifications.submission_blockers(supplier=supplier, category=tea, on=now.date()) == []

    categories.save_category(actor=operator, now=now, category=tea, name=tea.name, required_certificates=["食品生产许可"])
    blocked = qualifications.submission_blockers(supplier=supplier, category=tea, on=now.date())
    QualificationFactory(supplier=supplier, kind="product_certificate", certificate_type="食品生产许可")

    assert [field for field, _message in blocked] == ["certificates"]
    assert qualifications.submission_blockers(supplier=supplier, category=tea, on=now.date()) == []


# --- pages ---------------------------------------------------------------------------------------------------------

def test_the_categories_action_column_is_headed_and_each_change_link_names_its_category_to_screen_readers(operator):
    tea = CategoryFactory(code="tea", name="茶叶")

    page = logged_in(operator).get("/supplier/categories/").content.decode()

    head = page.split('data-testid="categories"', 1)[1].split("</thead>", 1)[0]
    assert head.endswith("<th>操作</th></tr>") and "<th></th>" not in head
    row = page.split('data-category="tea"', 1)[1].split("</tr>", 1)[0]
    assert f'<a href="/supplier/categories/{tea.pk}/" data-action="edit">修改<span class="sr-only"> 茶叶</span></a>' in row


def test_the_operator_lists_adds_and_changes_categories_from_the_navigation(operator):
    CategoryFactory(code="tea", name="茶叶")
    GiftFactory()  # of the tea category
    client = logged_in(operator)

    listed = client.get("/supplier/categories/")
    added = client.post("/supplier/categories/", {"code": "home", "name": "家居用品", "name_en": "Home goods",
                                                   "required_certificates": "3C，能效标识\n3C"}, follow=True)
    home = Category.objects.get(code="home")
    edited = client.post(f"/supplier/categories/{home.pk}/", {"name": "家居", "name_en": "Home", "required_certificates": ""},
                         follow=True)

    assert 'href="/supplier/categories/"' in nav(listed)
    assert 'data-category="tea"' in listed.content.decode() and "<td class=\"num\">1</td>" in listed.content.decode()
    assert added.status_code == 200 and "已添加礼品类别 家居用品" in added.content.decode()
    assert edited.status_code == 200 and "礼品类别 home 已更新" in edited.content.decode()
    home.refresh_from_db()
    assert (home.name, home.name_en, home.required_certificates) == ("家居", "Home", [])


def test_a_stale_category_page_changes_only_what_its_user_changed(operator):
    from tests.factories import UserFactory

    tea = CategoryFactory(code="tea", name="茶叶", name_en="Tea", required_certificates=["食品生产许可"])
    url = f"/supplier/categories/{tea.pk}/"
    first, second = logged_in(operator), logged_in(UserFactory(role="operator"))
    page_a, page_b = (form_values(client.get(url), "category-form") for client in (first, second))
    first.post(url, page_a | {"name": "茗茶"})

    saved = second.post(url, page_b | {"required_certificates": "食品生产许可\n有机认证"})
    clash = second.post(url, page_b | {"name": "好茶"})

    tea.refresh_from_db()
    assert saved.status_code == 302 and (tea.name, tea.name_en, tea.required_certificates) == ("茗茶", "Tea", ["食品生产许可", "有机认证"])
    assert clash.status_code == 409 and "您填写的“好茶”未保存" in field_errors(clash)["name"]
    assert form_values(clash, "category-form")["name"] == "茗茶" and tea.name == "茗茶"


def test_a_refused_category_comes_back_with_its_errors_next_to_the_fields(operator):
    CategoryFactory(code="tea")
    client = logged_in(operator)

    taken = client.post("/supplier/categories/", {"code": "tea", "name": ""})
    tea = Category.objects.get(code="tea")
    too_long = client.post(f"/supplier/categories/{tea.pk}/", {"name": "茶", "required_certificates": "证" * 41})

    assert taken.status_code == 400 and set(field_errors(taken)) == {"code", "name"}
    assert too_long.status_code == 400 and set(field_errors(too_long)) == {"required_certificates"}
    assert Category.objects.count() == 1


def test_other_roles_read_the_categories_but_cannot_add_or_change_them(supplier_admin, finance):
    tea = CategoryFactory()

    for user in (supplier_admin, finance):
        client = logged_in(user)
        assert client.get("/supplier/categories/").status_code == 200  # as the API, every role reads them
        assert client.post("/supplier/categories/", {"code": "home", "name": "家居"}).status_code == 403
        assert client.post(f"/supplier/categories/{tea.pk}/", {"name": "改名"}).status_code == 403
    tea.refresh_from_db()
    assert tea.name == "茶叶"


@pytest.mark.parametrize(("role_fixture", "columns"), [("supplier_admin", 4), ("finance", 5), ("operator", 6)])
def test_no_category_yet_is_said_across_every_column_the_role_is_shown(request, role_fixture, columns):
    Category.objects.all().delete()
    page = logged_in(request.getfixturevalue(role_fixture)).get("/supplier/categories/").content.decode()
    table = page.split('data-testid="categories"', 1)[1].split("</table>", 1)[0]

    assert table.split("</thead>", 1)[0].count("</th>") == columns
    assert f'<td colspan="{columns}">暂无礼品类别</td>' in table


def test_english_pages_show_a_categorys_english_name_and_chinese_pages_its_chinese_one(operator):
    GiftFactory(category=CategoryFactory(code="tea", name="茶叶", name_en="Tea"), name="龙井")
    GiftFactory(sku="HOME-1", category=CategoryFactory(code="home", name="家居用品"))  # no English name: the Chinese one

    def gifts(language: str) -> str:
        client = Client(HTTP_ACCEPT_LANGUAGE=language)
        client.force_login(operator)
        return client.get("/supplier/gift-admin/").content.decode()

    english, chinese = gifts("en"), gifts("zh-hans")
    assert "<td>Tea</td>" in english and "<td>茶叶</td>" not in english and "<td>家居用品</td>" in english
    assert "<td>茶叶</td>" in chinese and "<td>Tea</td>" not in chinese


# --- API -----------------------------------------------------------------------------------------------------------

def test_an_operator_adds_and_changes_a_category_through_the_api(api, operator):
    client = api(operator)

    added = client.post("/api/v1/categories/", {"code": "home", "name": "家居用品", "required_certificates": ["3C", "3C"]},
                        format="json")
    changed = client.patch("/api/v1/categories/home/", {"name_en": "Home goods"}, format="json")

    assert added.status_code == 201 and added.json()["required_certificates"] == ["3C"]
    assert changed.status_code == 200
    assert changed.json() == {"code": "home", "name": "家居用品", "name_en": "Home goods", "required_certificates": ["3C"]}
    recoded = client.patch("/api/v1/categories/home/", {"code": "house", "name": "家居"}, format="json")
    assert recoded.status_code == 200 and (recoded.json()["code"], recoded.json()["name"]) == ("home", "家居")  # the code is set once


def test_a_bad_category_through_the_api_is_400_naming_every_field_and_saves_nothing(api, operator):
    CategoryFactory(code="tea")

    response = api(operator).post("/api/v1/categories/", {"code": "tea", "name": "", "required_certificates": ["证" * 41]},
                                  format="json")

    assert response.status_code == 400
    assert {error["attr"] for error in response.json()["errors"]} == {"code", "name", "required_certificates"}
    assert Category.objects.count() == 1


@pytest.mark.parametrize("certificates", ["x", [{"x": 1}]])
def test_a_category_with_a_badly_typed_field_names_its_other_bad_fields_in_the_same_answer(api, operator, certificates):
    response = api(operator).post("/api/v1/categories/", {"code": "BAD CODE", "name": "", "required_certificates": certificates},
                                  format="json")

    assert response.status_code == 400
    assert {(error["attr"].split(".")[0], error["code"]) for error in response.json()["errors"]} >= {
        ("code", "invalid"), ("name", "required")}
    assert {error["attr"].split(".")[0] for error in response.json()["errors"]} == {"code", "name", "required_certificates"}
    assert not Category.objects.exists()


def test_a_new_category_whose_code_is_taken_is_named_with_its_badly_typed_names(api, operator):
    CategoryFactory(code="tea")

    response = api(operator).post("/api/v1/categories/", {"code": " tea ", "name": ["茶"], "name_en": "E" * 61}, format="json")

    assert response.status_code == 400
    assert {(error["attr"], error["code"]) for error in response.json()["errors"]} == {
        ("code", "unique"), ("name", "invalid"), ("name_en", "invalid")}
    assert Category.objects.count() == 1


def test_a_supplier_cannot_add_or_change_a_category_through_the_api(api, supplier_admin):
    CategoryFactory(code="tea", name="茶叶")
    client = api(supplier_admin)

    assert client.post("/api/v1/categories/", {"code": "home", "name": "家居"}, format="json").status_code == 403
    assert client.patch("/api/v1/categories/tea/", {"name": "改名"}, format="json").status_code == 403
    assert list(Category.objects.values_list("code", "name")) == [("tea", "茶叶")]


@pytest.mark.parametrize(("body", "field"), [
    ({"name": " "}, "name"),
    ({"name_en": "E" * 61}, "name_en"),
    ({"required_certificates": "3C"}, "required_certificates"),  # not a list
    ({"required_certificates": [f"C{n}" for n in range(11)]}, "required_certificates"),
])
def test_a_bad_change_through_the_api_is_400_naming_the_field_and_changes_nothing(api, operator, body, field):
    CategoryFactory(code="tea", name="茶叶", required_certificates=["食品生产许可"])

    response = api(operator).patch("/api/v1/categories/tea/", body, format="json")

    assert response.status_code == 400
    assert [error["attr"] for error in response.json()["errors"]] == [field]
    assert list(Category.objects.values_list("name", "name_en", "required_certificates")) == [("茶叶", "", ["食品生产许可"])]


def test_the_category_page_runs_the_same_queries_for_1_and_20_categories(operator):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = logged_in(operator)
    CategoryFactory(code="c0")
    with CaptureQueriesContext(connection) as one:
        client.get("/supplier/categories/")
    for n in range(1, 20):
        GiftFactory(sku=f"G{n}", category=CategoryFactory(code=f"c{n}", required_certificates=["3C"]))
    with CaptureQueriesContext(connection) as twenty:
        page = client.get("/supplier/categories/").content.decode()

    assert page.count("data-category=") == 20
    assert len(one.captured_queries) == len(twenty.captured_queries)

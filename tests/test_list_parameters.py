"""Lists order and filter as their clients expect: the catalog by the price the member pays or newest first, members
by name; an unknown `?ordering=` is a 400 naming it everywhere; `?search=` where a list reads `?q=`; the filters the
audit found silently ignored (gifts by supplier and category, notices by kind), and each list's orderings in the schema."""
from datetime import timedelta

import pytest

from suppliers.models import Gift, GiftPrice
from tests.api_schema import served_schema
from tests.factories import GiftFactory, MemberFactory, NoticeFactory, SupplierFactory, UserFactory
from tests.helpers import published

pytestmark = pytest.mark.django_db


def ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


@pytest.fixture
def three_gifts(operator, now) -> list[Gift]:
    """Listed gifts of 1500, 900 and 2000 GoTone points, created a day apart in that order."""
    gifts = []
    for day, points in enumerate((1500, 900, 2000)):
        gift = published(GiftFactory(created_at=now - timedelta(days=3 - day)), actor=operator, at=now)
        GiftPrice.objects.filter(gift=gift, program__code="gotone").update(points_price=points)
        gifts.append(gift)
    return gifts


def test_the_catalog_orders_by_the_price_the_member_pays_either_way_and_newest_first(api, member, three_gifts):
    client = api(member.user)
    cheap, dear = sorted(three_gifts, key=lambda g: g.prices.get(program__code="gotone").points_price)[0], three_gifts[2]

    by_default = ids(client.get("/api/v1/catalog/"))
    cheapest = ids(client.get("/api/v1/catalog/?ordering=points_price"))
    dearest = ids(client.get("/api/v1/catalog/?ordering=-points_price"))
    newest = ids(client.get("/api/v1/catalog/?ordering=-created_at"))

    assert by_default == cheapest and cheapest[0] == cheap.pk and dearest == cheapest[::-1] and dearest[0] == dear.pk
    assert newest == [gift.pk for gift in reversed(three_gifts)]
    prices = [row["points_price"] for row in client.get("/api/v1/catalog/?ordering=-points_price").json()["results"]]
    assert prices == sorted(prices, reverse=True)


@pytest.mark.parametrize(("route", "taken"), [
    ("/api/v1/catalog/", "created_at、points_price"), ("/api/v1/members/", "id、name"), ("/api/v1/gifts/", "created_at、id、name、sku"),
    ("/api/v1/notices/", None),
])
def test_an_unknown_ordering_is_400_naming_it_and_the_fields_the_list_orders_by(api, member, operator, route, taken):
    user = member.user if route == "/api/v1/catalog/" else operator

    response = api(user).get(f"{route}?ordering=zzz")

    assert response.status_code == 400
    assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == [("ordering", "invalid")]
    assert taken is None or response.json()["errors"][0]["detail"] == f"不能按 zzz 排序；可用：{taken}"


@pytest.mark.parametrize(("route", "taken"), [
    ("/api/v1/catalog/", "created_at, points_price"), ("/api/v1/members/", "id, name"), ("/api/v1/gifts/", "created_at, id, name, sku"),
])
def test_a_refused_ordering_says_so_in_english_when_asked(api, member, operator, route, taken):
    user = member.user if route == "/api/v1/catalog/" else operator

    response = api(user).get(f"{route}?ordering=--id", HTTP_ACCEPT_LANGUAGE="en")

    assert [(e["attr"], e["code"], e["detail"]) for e in response.json()["errors"]] == [
        ("ordering", "invalid", f"Cannot order by --id; the fields are {taken}.")]


@pytest.mark.parametrize("ordering", ["--id", "--created_at,id"])
def test_an_ordering_with_two_dashes_is_400_naming_it(api, operator, ordering):
    response = api(operator).get(f"/api/v1/gifts/?ordering={ordering}")

    assert response.status_code == 400
    assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == [("ordering", "invalid")]


def test_search_finds_what_q_finds_in_the_catalog_and_among_members(api, member, operator, three_gifts):
    named = three_gifts[1]
    Gift.objects.filter(pk=named.pk).update(name="西湖狮峰龙井")
    other = MemberFactory(user=UserFactory(username="zhao", role="member"), name="赵敏")

    catalog = ids(api(member.user).get("/api/v1/catalog/?search=狮峰"))
    members = ids(api(operator).get("/api/v1/members/?search=赵敏"))
    newest_first = ids(api(operator).get("/api/v1/members/?ordering=-id"))

    assert catalog == [named.pk]
    assert members == [other.pk]
    assert newest_first == sorted(newest_first, reverse=True) and set(newest_first) == {member.pk, other.pk}


@pytest.mark.parametrize("ordering", ["phone", "-phone"])
def test_members_are_not_ordered_by_their_masked_phone_whose_order_would_give_its_hidden_digits_away(api, member, operator, ordering):
    response = api(operator).get(f"/api/v1/members/?ordering={ordering}")

    assert response.status_code == 400
    assert [e["attr"] for e in response.json()["errors"]] == ["ordering"]


def test_operators_filter_gifts_by_supplier_and_by_category_as_the_catalog_names_it(api, operator, supplier, supplier_admin, now):
    own = GiftFactory(supplier=supplier)
    others = GiftFactory(supplier=SupplierFactory())

    by_supplier = ids(api(operator).get(f"/api/v1/gifts/?supplier={supplier.pk}"))
    by_category = ids(api(operator).get(f"/api/v1/gifts/?category={own.category.code}"))
    nowhere = ids(api(operator).get("/api/v1/gifts/?category=nothing"))
    supplier_asks_for_another = ids(api(supplier_admin).get(f"/api/v1/gifts/?supplier={others.supplier_id}"))

    assert by_supplier == [own.pk]
    assert set(by_category) == {own.pk, others.pk} and nowhere == []
    assert supplier_asks_for_another == []  # another supplier's gifts stay out of sight


def test_notices_filter_by_kind(api, supplier, supplier_admin, operator):
    general = NoticeFactory(supplier=supplier, kind="general")
    NoticeFactory(supplier=supplier, kind="adjustment_approved")
    NoticeFactory(supplier=SupplierFactory(), kind="general")

    own = ids(api(supplier_admin).get("/api/v1/notices/?kind=general"))
    everyone = api(operator).get("/api/v1/notices/?kind=general").json()["count"]
    unknown = api(supplier_admin).get("/api/v1/notices/?kind=zzz").json()["count"]

    assert own == [general.pk] and everyone == 2 and unknown == 0


def test_the_schema_lists_each_lists_orderings():
    schema = served_schema()

    def ordering(path: str) -> list[str]:
        parameter = next(p for p in schema["paths"][path]["get"]["parameters"] if p["name"] == "ordering")
        return parameter["schema"]["items"]["enum"] if parameter["schema"]["type"] == "array" else parameter["schema"]["enum"]

    assert ordering("/api/v1/gifts/") == ["id", "-id", "sku", "-sku", "name", "-name", "created_at", "-created_at"]
    assert {"points_price", "-points_price", "-created_at"} <= set(ordering("/api/v1/catalog/"))
    assert "-id" in ordering("/api/v1/members/")


@pytest.mark.parametrize(("route", "user"), [("/api/v1/categories/", "operator"), ("/api/v1/tariffs/", "operator"),
                                             ("/api/v1/kpi-settings/", "finance"), ("/api/v1/penalty-rules/", "finance")])
def test_the_short_reference_lists_the_docs_name_are_plain_arrays(api, operator, finance, route, user):
    response = api({"operator": operator, "finance": finance}[user]).get(route)

    assert response.status_code == 200 and isinstance(response.json(), list)
    assert route in open("docs/api.md", encoding="utf-8").read().split("Four short reference lists are not paginated")[1][:300]


def test_an_unknown_query_parameter_is_400_naming_it_and_the_parameters_the_list_takes(api, operator, now):
    response = api(operator).get("/api/v1/orders/?member_phone=13800138000&state=confirmed")

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [(e["attr"], e["code"]) for e in errors] == [("member_phone", "unknown_parameter")]
    assert "member_phone" in errors[0]["detail"] and all(name in errors[0]["detail"] for name in ("member", "placed_after", "page_size"))


def test_the_refusal_of_an_unknown_parameter_is_in_english_when_asked(api, operator):
    response = api(operator).get("/api/v1/suppliers/?colour=red", HTTP_ACCEPT_LANGUAGE="en")

    detail = response.json()["errors"][0]["detail"]
    assert detail.startswith("Query parameters not taken: colour; taken: ") and "page_size, search, state" in detail


def test_a_list_reading_its_parameters_itself_refuses_one_it_does_not_read(api, member, operator):
    catalog = api(member.user).get("/api/v1/catalog/?q=&points_max=100")
    members = api(operator).get("/api/v1/members/?phone=138")

    assert [(e["attr"], e["code"]) for e in catalog.json()["errors"]] == [("points_max", "unknown_parameter")]
    assert [(e["attr"], e["code"]) for e in members.json()["errors"]] == [("phone", "unknown_parameter")]


def test_every_parameter_a_list_documents_is_taken_and_format(matrix_world):
    from tests.access import MATRIX, ROLES
    from tests.conftest import client_for
    from tests.test_access_matrix import ROUTES, url_for

    users, _objects = matrix_world
    schema, refused = served_schema(), {}
    for name, method, route in ROUTES:
        path = url_for(route, None)
        operation = schema["paths"].get(path, {}).get("get", {})
        documented = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
        role = next((role for role in ROLES if MATRIX[(name, method)]["status"][role] == 200), None)
        if method != "GET" or "{" in path or not documented or role is None:
            continue
        response = client_for(users[role]).get(path, dict.fromkeys(documented, "") | {"format": "json"})
        if response.status_code == 400:
            refused[path] = [e["attr"] for e in response.json()["errors"] if e["code"] == "unknown_parameter"]

    assert {path: names for path, names in refused.items() if names} == {}

"""A portal page and the API route that reads the same objects let the same roles read them.

Each pair names the pages that show some objects (the staff's page first, then those of the roles with pages of their
own: a supplier's 合同与资质, a member's 物流跟踪), the API route of the objects (its URL name, or its path) and the access
matrix's object both read (None: a list). A role reads on the portal when its page opens (200): the staff (operators,
logistics, finance) the first page alone, whatever else they open, a supplier or a member any of them; through the API
when an object's route answers 200 or a list shows it the matrix's rows (a role shown none, such as logistics in the
list of adjustments, is refused the page). Roles, not tenants: another supplier's or member's 404 is the access
matrix's (tests/test_access_matrix.py).
"""
import pytest
from django.urls import NoReverseMatch, URLResolver, get_resolver, reverse

from tests.conftest import client_for
from tests.factories import CategoryFactory, GiftFactory
from tests.portal import logged_in
from tests.test_access_matrix import build_world

ROLES = ["member", "supplier_admin", "supplier_staff", "operator", "logistics", "finance"]
#: the roles that read on the first page of a pair alone (a supplier's or a member's own pages follow it)
STAFF = {"operator", "logistics", "finance"}
PAIRS = [
    # suppliers' paperwork: the review pages are the staff's (suppliers read theirs under 合同与资质)
    (("operator-contract-detail", "supplier-paperwork"), "contract-detail", "contract"),
    (("operator-profile-change-detail", "supplier-profile"), "profile-change-detail", "profile_change"),
    (("operator-qualifications", "supplier-paperwork"), "qualification-list", None),
    (("operator-qualification-detail", "supplier-paperwork"), "qualification-detail", "qualification"),
    (("supplier-qualification-file",), "qualification-file", "qualification"),
    (("operator-gifts", "supplier-gifts"), "/api/v1/gifts/", None),  # a path: the portal's gift page has the API's URL name, gift-detail
    (("gift-detail",), "/api/v1/gifts/{pk}/", "gift"),
    # the suppliers: the staff's pages (logistics too, without the paperwork), a supplier's own 资料信息
    (("operator-suppliers", "supplier-profile"), "supplier-list", None),
    (("operator-supplier-detail", "supplier-profile"), "supplier-detail", "supplier"),
    # the categories: reference data everyone reads; a member finds them as its catalog's filter
    (("operator-categories", "member-catalog"), "category-list", None),
    # stock: finance reads it as the API shows it (the consignment it settles)
    (("supplier-stock",), "stock-list", None),
    (("supplier-stock-movements",), "stock-movement-list", None),
    (("supplier-replenishments",), "replenishment-request-list", None),
    (("supplier-replenishment-detail",), "replenishment-request-detail", "replenishment"),
    # points credited by file: operators' only
    (("operator-points-credits",), "credit-file-list", None),
    (("operator-points-credit-upload",), "credit-file-detail", "credit_file"),
    # the goods flow
    (("logistics-shipments", "supplier-dropship", "member-shipments"), "shipment-list", None),
    (("logistics-shipment", "member-shipments"), "shipment-detail", "shipment"),
    (("logistics-inbound-detail",), "inbound-shipment-detail", "inbound"),
    (("logistics-return",), "return-detail", "return"),
    (("logistics-extra-cost",), "extra-cost-detail", "extra_cost"),
    (("logistics-claims",), "logistics-claim-list", None),
    # the tariff: the staff's page with its changes; a supplier reads the tariff as it stands under its extra costs
    (("logistics-tariffs", "logistics-extra-costs"), "tariff-list", None),
    (("logistics-claim",), "logistics-claim-detail", "claim"),
    (("leftover-lot",), "leftover-lot-detail", "leftover_lot"),
    (("logistics-goods-back",), "goods-back-list", None),
    (("logistics-goods-back-item",), "goods-back-detail", "goods_back"),
    # settlement
    (("settlement-statement",), "statement-detail", "statement"),
    (("settlement-adjustments",), "adjustment-list", None),
    (("settlement-adjustment",), "adjustment-detail", "booked_adjustment"),
    (("settlement-reconciliations",), "reconciliation-list", None),
    (("settlement-reconciliation",), "reconciliation-detail", "reconciliation"),
    (("settlement-cases",), "rectification-case-list", None),
    (("settlement-case",), "rectification-case-detail", "case"),
    (("settlement-re-evaluations",), "re-evaluation-list", None),
    (("settlement-re-evaluation",), "re-evaluation-detail", "re_evaluation"),
    (("settlement-assessment",), "assessment-detail", "assessment"),
    # the proposals: operators and finance read both lists (each decides one kind), suppliers theirs on their assessments
    (("settlement-penalty-proposals", "settlement-assessments"), "penalty-proposal-list", None),
    (("settlement-suspension-proposals", "settlement-assessments"), "suspension-proposal-list", None),
    (("settlement-kpi-settings",), "kpi-setting-list", None),
    (("settlement-penalty-rules",), "penalty-rule-list", None),
]
#: where a page deliberately lets fewer roles read than its API, and why
FEWER_ON_THE_PAGE = {
    # the gift pages show settlement prices, which logistics never sees (SPEC §4.13); the API leaves them out for it
    "operator-gifts": {"logistics"},
    "gift-detail": {"logistics"},
}


def page_path(page: str, obj) -> str:
    try:
        return reverse(page, kwargs={"pk": obj.pk})
    except (AttributeError, NoReverseMatch):  # a list, or a role's own page of its objects
        return reverse(page)


def api_path(route: str, obj) -> str:
    if route.startswith("/"):
        return route.format(pk=getattr(obj, "pk", ""))
    return reverse(route, kwargs={"pk": obj.pk} if obj is not None else {})


def reads_through_api(response, *, listed: bool) -> bool:
    if response.status_code != 200:
        return False
    if not listed:
        return True
    rows = response.json()
    return bool(rows["results"] if isinstance(rows, dict) else rows)  # a list without pages is its rows


def test_every_page_lets_the_roles_read_that_its_api_does(db, now):
    users, objects = build_world(now)
    page_clients = {role: logged_in(users[role]) for role in ROLES}
    opens: dict[tuple[str, str], bool] = {}  # (role, path) → the page opens: a page several pairs name is opened once
    disagreeing = {}

    def page_opens(role: str, path: str) -> bool:
        if (role, path) not in opens:
            opens[role, path] = page_clients[role].get(path).status_code == 200
        return opens[role, path]

    for pages, route, name in PAIRS:
        obj = objects[name] if name else None
        on_page, through_api = {}, {}
        for role in ROLES:
            own_pages = pages[:1] if role in STAFF else pages
            on_page[role] = any(page_opens(role, page_path(page, obj)) for page in own_pages)
            response = client_for(users[role]).get(api_path(route, obj), HTTP_ACCEPT="*/*")
            through_api[role] = reads_through_api(response, listed=obj is None) and role not in FEWER_ON_THE_PAGE.get(pages[0], set())
        if on_page != through_api:
            disagreeing[pages[0]] = {role: f"page {on_page[role]}, API {through_api[role]}" for role in ROLES if on_page[role] != through_api[role]}

    assert disagreeing == {}, "\n".join(f"{k}: {v}" for k, v in disagreeing.items())


#: pages that have no entry of their own, each reached through a link on a page of the navigation (a form to fill in, the
#: full list behind a page's summary): the page → the page of the navigation linking to it
REACHED_FROM = {
    "member-complaint-new": "member-complaints",
    "supplier-gift-create": "supplier-gifts",
    "supplier-replenishments": "supplier-stock",
    "supplier-stock-movements": "supplier-stock",
    "complaint-hotline": "complaint-desk",
    "logistics-extra-cost-create": "logistics-extra-costs",
    "operator-announcement-new": "operator-announcements",
    "settlement-adjustment-create": "settlement-adjustments",
}
#: pages outside the navigation: the home page, signing in and out, one's password, a supplier's application, the API's
#: pages
OUTSIDE = {"home", "login", "logout", "password_change", "password_change_done", "supplier-apply", "api-docs"}


def portal_pages() -> set[str]:
    """The URL names of every portal page opened without arguments (a list, a form, a role's own page), and the entries
    of the navigation."""
    from core.portal import _items

    def named(patterns, prefix: str = ""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from named(pattern.url_patterns, prefix + str(pattern.pattern))
            elif pattern.name and not (prefix + str(pattern.pattern)).startswith(("api/", "admin/")):
                yield pattern.name

    def without_arguments(name: str) -> bool:
        try:
            return bool(reverse(name))
        except NoReverseMatch:
            return False

    return {name for name in named(get_resolver().url_patterns) if without_arguments(name)} | {item.url_name for item in _items}


@pytest.mark.parametrize("role_fixture", ["member", "supplier_admin", "supplier_staff", "operator", "logistics", "finance"])
def test_the_navigation_shows_a_role_exactly_the_pages_it_opens(db, request, role_fixture):
    """Every page a role opens is in its navigation, or linked from a page that is; every entry opens."""
    user = request.getfixturevalue(role_fixture)
    if role_fixture.startswith("supplier"):  # a supplier shipping gifts itself, shown its dropship pages too
        GiftFactory(supplier=request.getfixturevalue("supplier"), fulfilment="dropship")
    client = logged_in(getattr(user, "user", user))

    shown = {entry["url_name"] for entry in client.get("/").context["nav_items"]} - OUTSIDE
    answers = {name: client.get(reverse(name)) for name in portal_pages() - OUTSIDE}  # each page opened once
    opened = {name for name, response in answers.items() if response.status_code == 200}
    linked = {page for page in opened & REACHED_FROM.keys()
              if REACHED_FROM[page] in shown and f'href="{reverse(page)}' in answers[REACHED_FROM[page]].content.decode()}

    assert shown == opened - linked


def test_finance_reads_the_kpi_settings_that_only_operators_change(db, finance):
    client = logged_in(finance)

    page = client.get(reverse("settlement-kpi-settings"))

    assert page.status_code == 200
    assert 'data-action="save"' not in page.content.decode()
    assert all(form["weight"].field.disabled and form["target"].field.disabled for _setting, form in page.context["rows"])
    assert client.post(reverse("settlement-kpi-settings"), {}).status_code == 403


@pytest.mark.parametrize("role_fixture", ["supplier_staff", "logistics", "finance"])
def test_a_role_reads_the_categories_and_their_certificates_where_only_operators_add_and_change_them(db, request, role_fixture):
    category = CategoryFactory(required_certificates=["3C认证"])
    user = request.getfixturevalue(role_fixture)
    client = logged_in(getattr(user, "user", user))

    page = client.get(reverse("operator-categories")).content.decode()
    row = page.split(f'data-category="{category.code}"', 1)[1].split("</tr>", 1)[0]

    assert "3C认证" in row and 'data-action="edit"' not in row and 'data-testid="new-category"' not in page
    assert client.post(reverse("operator-categories"), {"code": "toys", "name": "玩具"}).status_code == 403
    assert client.get(reverse("operator-category-edit", args=[category.pk])).status_code == 403


def test_a_role_refused_the_catalog_export_is_refused_alike_by_its_page_and_the_api(member, logistics, finance, operator, supplier_admin):
    """403 from both for a role that may not export, whatever it asks for; 400 only for a role that may, naming what it
    asked wrongly (the API's format, an operator's missing supplier: the page's format is its address, a 404)."""
    for user in (member.user, logistics, finance):
        page = logged_in(user).get(reverse("supplier-catalog-export", args=["csv"]))
        through_api = client_for(user).get("/api/v1/gift-export/?file_format=pdf", HTTP_ACCEPT="*/*")
        assert (page.status_code, through_api.status_code) == (403, 403), user.role

    own = (logged_in(supplier_admin).get(reverse("supplier-catalog-export", args=["csv"])),
           client_for(supplier_admin).get("/api/v1/gift-export/", HTTP_ACCEPT="*/*"))
    assert [response.status_code for response in own] == [200, 200]
    assert client_for(supplier_admin).get("/api/v1/gift-export/?file_format=pdf", HTTP_ACCEPT="*/*").status_code == 400
    assert logged_in(supplier_admin).get(reverse("supplier-catalog-export", args=["pdf"])).status_code == 404
    unnamed = client_for(operator).get("/api/v1/gift-export/", HTTP_ACCEPT="*/*")
    assert unnamed.status_code == 400 and unnamed.json()["errors"][0]["attr"] == "supplier"

"""The portal shell: login, navigation per role (grouped by area for staff), Chinese first with English available, admin
for operators."""
import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.urls import reverse

from core.models import TransitionLog
from suppliers.models import Supplier
from core.roles import Role, waiting_for
from suppliers.services import catalog, contracts, onboarding, profile
from tests.factories import ApplicantFactory, ContractFactory, GiftFactory, supplier_in
from tests.suppliers.profile_factories import ProfileChangeFactory
from tests.portal import logged_in, nav

pytestmark = [pytest.mark.django_db, pytest.mark.supplier(applicant=True)]  # the supplier is an applicant, as onboarding starts it


def test_anonymous_visitors_are_sent_to_the_login_page():
    response = Client().get("/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_login_page_is_chinese_by_default_and_english_on_request():
    chinese = Client().get("/accounts/login/")
    english = Client(HTTP_ACCEPT_LANGUAGE="en").get("/accounts/login/")

    assert "登录" in chinese.content.decode()
    assert 'lang="en"' in english.content.decode() and "Log in" in english.content.decode()
    for page in (chinese, english):  # each language is offered under its own name, whichever is shown
        html = page.content.decode()
        assert '<option value="zh-hans" lang="zh-hans"' in html and ">简体中文</option>" in html and ">English</option>" in html


def test_every_page_names_an_icon_the_site_serves():
    from django.contrib.staticfiles import finders

    html = Client().get("/accounts/login/").content.decode()

    icon = re.search(r'<link rel="icon" href="/static/([^"]+)"', html)
    assert icon and finders.find(icon.group(1)), "the browser asks for /favicon.ico and gets a 404 without it"
    assert Client().get("/favicon.ico")["Location"] == f"/static/{icon.group(1)}"  # where a page names none (a PDF)


@pytest.mark.parametrize(
    ("role_fixture", "visible", "hidden"),
    [
        ("operator", ["礼品商管理", "管理后台"], ["站内通知"]),
        ("supplier_admin", ["站内通知"], ["礼品商管理", "管理后台"]),
        ("finance", ["礼品商管理"], ["管理后台", "站内通知"]),
        ("member", ["我的积分"], ["礼品商管理", "站内通知", "API 文档"]),
    ],
)
def test_each_role_sees_its_own_navigation(request, role_fixture, visible, hidden):
    user = request.getfixturevalue(role_fixture)
    user = getattr(user, "user", user)

    page = logged_in(user).get("/").content.decode()

    nav = page.split('data-testid="nav"', 1)[1].split("</nav>", 1)[0]
    assert all(label in nav for label in visible)
    assert not any(label in nav for label in hidden)


def nav_groups(response) -> dict[str, list[str]]:
    """{heading: [link labels]} of the navigation's headed groups, in page order."""
    groups = re.findall(r'<span class="nav-group-label">([^<]*)</span>(.*?)</div>', nav(response), re.S)
    return {heading: re.findall(r"<a [^>]*>([^<]*)</a>", links) for heading, links in groups}


def test_the_operators_navigation_is_grouped_by_area_and_keeps_every_entry(operator):
    response = logged_in(operator).get("/")

    groups = nav_groups(response)

    assert list(groups) == ["供应商", "礼品", "订单与物流", "结算", "客服"]
    assert groups["供应商"][:4] == ["礼品商管理", "合同审核", "资料变更审核", "资质审核"] and {"整改单", "礼品商通知"} <= set(groups["供应商"])
    assert groups["礼品"] == ["礼品审核", "礼品管理", "礼品类别", "遗留礼品处理"]
    assert groups["订单与物流"][:5] == ["库存", "兑换订单", "入库收货", "交接批次", "运单"] and "物流索赔" in groups["订单与物流"]
    assert groups["结算"][0] == "结算单" and groups["客服"] == ["投诉处理"]
    every_link = re.findall(r"<a [^>]*>([^<]*)</a>", nav(response))
    assert sorted(every_link) == sorted(str(item["label"]) for item in response.context["nav_items"])
    assert every_link[-2:] == ["管理后台", "API 文档"]


def test_finance_and_logistics_navigation_is_grouped_too(finance, logistics):
    assert list(nav_groups(logged_in(finance).get("/"))) == ["供应商", "礼品", "订单与物流", "结算", "客服"]
    assert "订单与物流" in nav_groups(logged_in(logistics).get("/"))


def test_members_keep_a_flat_navigation(member):
    assert 'class="nav-group-label"' not in nav(logged_in(member.user).get("/"))


def test_the_suppliers_navigation_is_grouped_by_what_it_does_and_keeps_every_entry(supplier_admin, supplier):
    GiftFactory(supplier=supplier, fulfilment="dropship")  # a supplier shipping gifts itself is shown its dropship pages too

    response = logged_in(supplier_admin).get("/")

    groups = nav_groups(response)

    assert list(groups) == ["礼品", "库存与物流", "结算", "服务与考核", "企业资料", "消息"]
    assert groups["礼品"] == ["我的礼品", "礼品导入导出", "礼品类别"]
    assert groups["库存与物流"] == ["库存", "入库预报", "订单", "直发订单", "批量发货", "遗留礼品", "退回货品", "退换货", "额外费用"]
    assert groups["结算"] == ["结算单", "调账", "对账"]
    assert groups["企业资料"] == ["资料信息", "团队成员", "合同与资质"] and groups["消息"] == ["公告", "站内通知"]
    every_link = re.findall(r"<a [^>]*>([^<]*)</a>", nav(response))
    assert sorted(every_link) == sorted(str(item["label"]) for item in response.context["nav_items"])
    assert every_link[-1] == "API 文档"  # under no heading, last


def test_every_supplier_page_in_the_navigation_has_its_heading():
    from core.portal import _items
    from core.roles import SUPPLIER_ROLES
    from suppliers.nav_menu import SUPPLIER_MENU

    placed = {name for _heading, names in SUPPLIER_MENU for name in names}

    assert {item.url_name for item in _items if item.roles & SUPPLIER_ROLES} - placed == {"api-docs"}


def test_an_entry_a_menu_does_not_place_comes_last_under_no_heading():
    from core.portal import _laid_out

    entries = [{"url_name": name} for name in ("new-page", "b", "a")]

    groups = _laid_out(entries, [("A", frozenset({"a"})), ("B", frozenset({"b"})), ("C", frozenset({"c"}))])

    assert [(g["label"], [e["url_name"] for e in g["items"]]) for g in groups] == [("A", ["a"]), ("B", ["b"]), ("", ["new-page"])]


def test_the_group_headings_are_in_english_on_request(operator):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(operator)

    groups = nav_groups(client.get("/"))

    assert list(groups) == ["Suppliers", "Gifts", "Orders &amp; logistics", "Settlement", "Customer service"]


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

    done = client.post(f"/supplier/review/{supplier.pk}/start_review/", {"reason": "收到材料"}, follow=True)
    page = client.get(f"/supplier/review/{supplier.pk}/").content.decode()

    supplier.refresh_from_db()
    assert supplier.state == "under_review"
    assert [str(m) for m in done.context["messages"]] == [f"{supplier.name} 现为「审核中」"]  # what happened, not the button again
    assert "收到材料" in page and 'data-action="approve"' in page
    assert TransitionLog.objects.get().actor == operator


def test_the_reviewer_sees_the_rejected_applications_made_with_the_same_credit_code(operator, supplier, other_supplier, now):
    onboarding.start_supplier_review(supplier=supplier, actor=operator, now=now)
    onboarding.reject_supplier(supplier=supplier, actor=operator, now=now, reason="材料不全")
    twin = ApplicantFactory(name="同一企业的第二次申请", credit_code=supplier.credit_code)
    client = logged_in(operator)

    page = client.get(f"/supplier/review/{twin.pk}/").content.decode()
    other_page = client.get(f"/supplier/review/{other_supplier.pk}/").content.decode()

    flagged = page.split('data-testid="same-credit-code"', 1)[1].split("</p>", 1)[0]
    assert f'href="/supplier/review/{supplier.pk}/"' in flagged and supplier.name in flagged
    assert 'data-testid="same-credit-code"' not in other_page


def test_an_illegal_portal_action_shows_an_error_and_changes_nothing(operator, supplier):
    response = logged_in(operator).post(f"/supplier/review/{supplier.pk}/suspend/", {"reason": "x"}, follow=True)

    assert "不能暂停合作" in response.content.decode()
    supplier.refresh_from_db()
    assert supplier.state == "applied"


def test_operators_can_read_the_admin_and_suppliers_cannot(operator, supplier_admin, supplier):
    assert logged_in(operator).get(f"/admin/suppliers/supplier/{supplier.pk}/change/").status_code == 200
    assert logged_in(supplier_admin).get("/admin/").status_code == 302


def test_an_admin_transition_action_goes_through_the_service(superuser, supplier):
    response = logged_in(superuser).post(
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


def test_an_admin_contract_approval_goes_through_the_service(superuser, supplier):
    from tests.factories import ContractFactory

    contract = ContractFactory(supplier=supplier)

    logged_in(superuser).post("/admin/suppliers/contract/", {"action": "approve_contract", "_selected_action": [contract.pk]})

    contract.refresh_from_db()
    assert contract.state == "approved"
    assert TransitionLog.objects.get().transition == "approve"


def test_the_operator_sees_what_waits_for_review_on_the_navigation_and_the_home_page(operator, supplier, finance, now):
    submitted = GiftFactory(supplier=supplier_in(Supplier.State.ACTIVE))  # `supplier` is the one application
    catalog.submit_gift(gift=submitted, actor=operator, now=now)
    client = logged_in(operator)

    home = client.get("/").content.decode()

    assert re.search(r'nav-badge-operator-suppliers"[^>]*>1<', home)  # the supplier's application
    assert re.search(r'home-badge-operator-gift-review"[^>]*>1<', home)  # the submitted gift
    assert "nav-badge-operator-suppliers" not in logged_in(finance).get("/").content.decode()  # finance does not decide it

    catalog.approve_gift(gift=submitted, actor=operator, now=now)
    assert re.search(r'home-badge-operator-gift-review"[^>]*>1<', client.get("/").content.decode())  # approved: to put online
    catalog.publish_gift(gift=submitted, actor=operator, now=now)
    assert "nav-badge-operator-gift-review" not in client.get("/").content.decode()


def test_the_home_page_lists_only_what_waits_and_says_when_nothing_does(operator, supplier, now):
    client = logged_in(operator)
    waiting = client.get("/").content.decode().split('data-testid="home-waiting"', 1)[1]

    assert re.findall(r'<li><a href="([^"]+)"', waiting) == [reverse("operator-suppliers") + "?state=awaiting"]  # the one application
    assert "home-nothing-waiting" not in waiting

    onboarding.start_supplier_review(supplier=supplier, actor=operator, now=now)
    onboarding.reject_supplier(supplier=supplier, actor=operator, now=now, reason="营业执照不清晰")
    waiting = client.get("/").content.decode().split('data-testid="home-waiting"', 1)[1]

    assert "<li>" not in waiting and "暂无待处理事项" in waiting


def test_contracts_and_profile_changes_pending_review_wait_for_the_operator(operator, finance, supplier):
    ContractFactory(supplier=supplier)
    ProfileChangeFactory(supplier=supplier)

    assert (contracts.contracts_waiting(operator), profile.changes_waiting(operator)) == (1, 1)
    assert (contracts.contracts_waiting(finance), profile.changes_waiting(finance)) == (0, 0)  # finance reads, the operator decides


def test_a_work_queue_count_is_zero_for_other_roles_and_signed_out_visitors(operator, member):
    count = waiting_for({Role.OPERATOR})(lambda user: 7)

    assert (count(operator), count(member.user), count(AnonymousUser())) == (7, 0, 0)


def test_the_api_tells_a_caller_what_waits_for_it_as_the_navigation_does(api, operator, supplier, finance):
    waiting = api(operator).get("/api/v1/me/").json()["waiting"]

    assert {"page": reverse("operator-suppliers") + "?state=awaiting", "label": "礼品商管理", "count": 1} in waiting  # `supplier` applied
    assert api(finance).get("/api/v1/me/").json()["waiting"] == []


def test_a_user_changes_its_password_from_the_header_and_a_wrong_old_one_is_a_field_error(operator):
    client = logged_in(operator)
    operator.set_password("old-pass-123")
    operator.save()
    client.force_login(operator)

    home = client.get("/").content.decode()
    wrong = client.post("/accounts/password/", {"old_password": "nope", "new_password1": "Ne3w-pass-456", "new_password2": "Ne3w-pass-456"})
    changed = client.post("/accounts/password/", {"old_password": "old-pass-123", "new_password1": "Ne3w-pass-456",
                                                  "new_password2": "Ne3w-pass-456"}, follow=True)

    operator.refresh_from_db()
    assert 'href="/accounts/password/"' in home
    assert 'data-field="old_password"' in wrong.content.decode()
    assert 'data-testid="password-changed"' in changed.content.decode() and operator.check_password("Ne3w-pass-456")


def test_saving_a_supplier_unchanged_in_the_admin_works_with_its_memberships(superuser, supplier, supplier_staff):
    client = logged_in(superuser)
    url = f"/admin/suppliers/supplier/{supplier.pk}/change/"
    page = client.get(url)

    saved = client.post(url, _admin_page_data(page))

    assert saved.status_code == 302, saved.context["adminform"].form.errors if saved.context else saved
    assert supplier.memberships.get().state == "active"


def _admin_page_data(page) -> dict:
    """The POST data of an admin change page saved as shown: its form and every inline form."""
    data = _form_data(page.context["adminform"].form)
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        data |= {f"{formset.prefix}-{key}": value for key, value in formset.management_form.initial.items()}
        for form in formset.forms:
            data |= _form_data(form)
    return data


def _form_data(form) -> dict:
    """The POST data of a bound-as-shown form: each editable field's initial value under its prefixed name."""
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        value = getattr(value, "pk", value)
        if value is None or value is False:
            continue
        if hasattr(field.widget, "decompress"):  # a split date and time: one value per part
            data |= {f"{form.add_prefix(name)}_{index}": part for index, part in enumerate(field.widget.decompress(value))}
            continue
        data[form.add_prefix(name)] = [getattr(v, "pk", v) for v in value] if isinstance(value, list | tuple) else value
    return data


def test_a_staff_account_is_disabled_on_its_suppliers_team_page_not_in_the_user_admin(superuser, supplier_staff, finance):
    client = logged_in(superuser)

    staff_form = client.get(f"/admin/core/user/{supplier_staff.pk}/change/").context["adminform"].form
    finance_form = client.get(f"/admin/core/user/{finance.pk}/change/").context["adminform"].form

    assert "is_active" not in staff_form.fields and "is_active" in finance_form.fields


def test_a_gift_is_read_only_in_the_admin_so_every_change_is_checked_by_the_supplier_form(superuser, supplier):
    gift = GiftFactory(supplier=supplier, images=["https://cdn.example.com/tea.jpg"])
    client = logged_in(superuser)
    url = f"/admin/suppliers/gift/{gift.pk}/change/"
    page = client.get(url)

    saved = client.post(url, _admin_page_data(page) | {"name": "改名茶礼", "images": '["/etc/passwd"]'})

    gift.refresh_from_db()
    assert not page.context["adminform"].form.fields and "https://cdn.example.com/tea.jpg" in page.content.decode()
    assert saved.status_code == 302 and gift.name != "改名茶礼" and gift.images == ["https://cdn.example.com/tea.jpg"]


@pytest.mark.parametrize("role_fixture", ["operator", "finance", "logistics", "supplier_admin", "supplier_staff", "member"])
def test_english_navigation_labels_are_english_and_never_repeat_their_heading(request, role_fixture):
    user = request.getfixturevalue(role_fixture)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(getattr(user, "user", user))
    response = client.get("/")

    labels = re.findall(r"<a [^>]*>([^<]*)</a>", nav(response))
    assert labels and not [label for label in labels if re.search(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]", label)]
    for heading, entries in nav_groups(response).items():
        assert heading not in entries, f"{heading} › {heading}"


@pytest.mark.parametrize("role_fixture", ["operator", "finance", "logistics", "supplier_admin", "supplier_staff", "member"])
def test_chinese_navigation_labels_carry_no_brackets(request, role_fixture):
    user = request.getfixturevalue(role_fixture)
    labels = re.findall(r"<a [^>]*>([^<]*)</a>", nav(logged_in(getattr(user, "user", user)).get("/")))

    assert labels and not [label for label in labels if re.search(r"[()（）【】\[\]]", label)]


def test_a_superuser_opens_every_staff_page_from_the_navigation_and_no_members_or_suppliers_page():
    """A superuser has no member profile or supplier of its own: the pages showing those would be 404s."""
    from core.roles import STAFF_ROLES
    from core.portal import _items
    from tests.factories import UserFactory

    admin = UserFactory(username="root", role=Role.OPERATOR, is_superuser=True, is_staff=True)
    client = logged_in(admin)
    shown = nav(client.get("/"))
    links = set(re.findall(r'href="(/[^"]*)"', shown))

    staff_pages = {reverse(item.url_name) for item in _items if item.roles & STAFF_ROLES}
    others_pages = {reverse(item.url_name) for item in _items if not item.roles & STAFF_ROLES} - staff_pages
    assert staff_pages <= links and not others_pages & links and others_pages
    assert all(client.get(url).status_code == 200 for url in links if not url.startswith(("/admin", "/api", "/accounts")))


def test_a_refused_form_kept_for_the_next_page_keeps_what_was_typed_but_never_a_password(rf):
    from django import forms
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.contrib.sessions.backends.signed_cookies import SessionStore

    from core.pages import SENT_BACK, send_back

    class PasswordForm(forms.Form):
        reason = forms.CharField(max_length=5)
        password = forms.CharField(widget=forms.PasswordInput)

    request = rf.post("/supplier/team/7/password/", {"reason": "太长的原因文字", "password": "s3cret-Pass", "next": "/x"})
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    form = PasswordForm(request.POST)
    assert not form.is_valid()

    send_back(request, form)

    kept = request.session[SENT_BACK]
    assert kept["action"] == "/supplier/team/7/password/" and kept["data"] == {"reason": ["太长的原因文字"]}
    assert list(kept["errors"]) == ["reason"]


def test_an_action_forms_input_shown_by_its_placeholder_still_has_a_label_for_screen_readers():
    from django import forms
    from django.template.loader import render_to_string

    class ReasonForm(forms.Form):
        reason = forms.CharField(label="原因", widget=forms.TextInput(attrs={"placeholder": "原因（选填）"}))
        token = forms.CharField(widget=forms.HiddenInput)

    html = render_to_string("core/includes/action_fields.html", {"form": ReasonForm(auto_id=False)})

    assert '<label><span class="sr-only">原因</span><input type="text" name="reason" placeholder="原因（选填）"' in html
    assert '<input type="hidden" name="token"' in html and "sr-only\">Token" not in html

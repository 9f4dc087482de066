"""Log in as every role, see the header and the navigation the role is entitled to, log out."""
from dataclasses import dataclass
from typing import Callable

import pytest
from playwright.sync_api import Page, expect

from core.roles import Role
from tests.e2e.helpers import LOGIN_URL_RE, login, logout
from tests.factories import GiftFactory, MemberFactory, SupplierUserFactory, UserFactory

PASSWORD = "pass12345"  # what UserFactory sets


@dataclass(frozen=True)
class RoleCase:
    role: str
    role_label: str
    nav: list[str]
    open_entry: str  # the navigation entry the test clicks
    make_user: Callable


def _staff(role):
    return lambda username: UserFactory(username=username, role=role)


def _supplier_user(role, *, dropship: bool = False):
    """A user of a new supplier, which ships a gift itself with `dropship` (its navigation then has the dropship pages)."""
    def make(username):
        user = SupplierUserFactory(username=username, role=role)
        if dropship:
            GiftFactory(supplier=user.supplier_membership.supplier, fulfilment="dropship")
        return user

    return make


def _member(username):
    return MemberFactory(user=UserFactory(username=username, role=Role.MEMBER)).user


CASES = [
    RoleCase(Role.OPERATOR, "运营", ["礼品商管理", "合同审核", "资料变更审核", "资质审核", "公告管理", "礼品商通知", "整改单", "复评", "考核得分", "暂停合作建议", "考核指标", "礼品审核", "礼品管理", "礼品类别", "遗留礼品处理", "库存", "兑换订单", "入库收货", "交接批次", "运单", "退回礼品商", "退换货", "费用标准", "额外费用", "物流索赔", "积分发放", "会员查询", "承运商事件", "结算单", "调账", "对账", "扣款建议", "扣款规则", "投诉处理", "管理后台", "API 文档"], "礼品商管理", _staff(Role.OPERATOR)),
    RoleCase(Role.FINANCE, "财务", ["礼品商管理", "合同审核", "资料变更审核", "资质审核", "整改单", "复评", "考核得分", "暂停合作建议", "考核指标", "礼品管理", "礼品类别", "遗留礼品处理", "库存", "兑换订单", "运单", "费用标准", "额外费用", "物流索赔", "结算月份", "结算单", "调账", "对账", "扣款建议", "扣款规则", "投诉礼品商", "API 文档"], "礼品商管理", _staff(Role.FINANCE)),
    RoleCase(Role.LOGISTICS, "物流", ["礼品商管理", "库存", "兑换订单", "入库收货", "交接批次", "运单", "批量发货", "退回礼品商", "退换货", "费用标准", "额外费用", "物流索赔", "承运商事件", "报告承运商事件", "礼品类别", "遗留礼品处理", "投诉处理", "投诉礼品商", "API 文档"], "库存", _staff(Role.LOGISTICS)),
    RoleCase(Role.SUPPLIER_ADMIN, "礼品商管理员", ["我的礼品", "礼品导入导出", "礼品类别", "库存", "入库预报", "订单", "直发订单", "批量发货", "遗留礼品", "退回货品", "退换货", "额外费用", "结算单", "调账", "对账", "投诉处理", "我的建议", "投诉礼品商", "整改单", "复评", "考核得分", "资料信息", "团队成员", "合同与资质", "公告", "站内通知", "API 文档"], "我的礼品", _supplier_user(Role.SUPPLIER_ADMIN, dropship=True)),
    RoleCase(Role.SUPPLIER_STAFF, "礼品商员工", ["我的礼品", "礼品导入导出", "礼品类别", "库存", "入库预报", "订单", "遗留礼品", "退回货品", "退换货", "额外费用", "结算单", "调账", "对账", "投诉处理", "我的建议", "投诉礼品商", "整改单", "复评", "考核得分", "资料信息", "合同与资质", "公告", "站内通知", "API 文档"], "库存", _supplier_user(Role.SUPPLIER_STAFF)),
    RoleCase(Role.MEMBER, "会员", ["礼品目录", "我的订单", "物流跟踪", "退换货", "我的投诉", "我的积分", "我的短信"], "我的积分", _member),
]


def _nav_labels(page: Page) -> list[str]:
    """The navigation's links in page order (staff and suppliers see them under headings)."""
    return [label.strip() for label in page.get_by_test_id("nav").locator("a").all_inner_texts()]


@pytest.mark.parametrize("case", CASES, ids=[str(c.role) for c in CASES])
def test_each_role_sees_its_navigation_and_can_log_out(browser_page: Page, live_server, case: RoleCase):
    page = browser_page
    username = f"e2e_{case.role}"
    case.make_user(username)

    login(page, live_server.url, username, PASSWORD)

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_test_id("who")).to_have_text(f"{username} · {case.role_label}")
    assert _nav_labels(page) == case.nav

    entry = page.get_by_test_id("nav").get_by_role("link", name=case.open_entry, exact=True)
    with page.expect_navigation() as navigation:
        entry.click()
    response = navigation.value
    assert response is not None and response.status == 200, f"{case.open_entry} → {response and response.status}"
    if case.open_entry != "API 文档":  # Swagger UI is not a portal page: it has no header
        expect(page.get_by_test_id("nav").locator("a.active")).to_have_text(case.open_entry)
        expect(page.get_by_test_id("who")).to_contain_text(username)
        logout(page)
    else:
        page.goto(f"{live_server.url}/")
        logout(page)

    expect(page.get_by_test_id("login-form")).to_be_visible()
    expect(page.get_by_test_id("who")).to_have_count(0)
    expect(page.get_by_test_id("nav")).to_have_count(0)


def test_anonymous_home_redirects_to_login(browser_page: Page, live_server):
    page = browser_page
    response = page.goto(f"{live_server.url}/")

    assert response is not None and response.status == 200
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/")
    expect(page.get_by_test_id("login-form")).to_be_visible()


def test_wrong_password_shows_an_error(browser_page: Page, live_server):
    page = browser_page
    UserFactory(username="e2e_wrong", role=Role.OPERATOR)

    login(page, live_server.url, "e2e_wrong", "not-the-password", expect_success=False)

    expect(page).to_have_url(LOGIN_URL_RE)
    expect(page.locator(".errorlist.nonfield li")).to_have_count(1)
    expect(page.locator(".errorlist.nonfield")).not_to_be_empty()
    expect(page.get_by_test_id("logout")).to_have_count(0)


def test_switching_language_to_english(browser_page: Page, live_server):
    page = browser_page
    UserFactory(username="e2e_lang", role=Role.OPERATOR)
    login(page, live_server.url, "e2e_lang", PASSWORD)
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")

    page.locator("header select[name=language]").select_option("en")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")  # choosing is not yet switching
    with page.expect_navigation():
        page.get_by_test_id("switch-language").click()

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(f"{live_server.url}/")  # set_language sends us back where we were
    expect(page.locator("header select[name=language]")).to_have_value("en")

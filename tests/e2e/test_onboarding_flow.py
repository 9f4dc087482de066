"""Supplier onboarding in the browser (SPEC §3, §4.1): a visitor applies on the public page with its business licence
and is told, when it tries to sign in, that its application waits; an operator finds the application from the
navigation, takes it into review, is refused approval while the contract and the licence are missing, records and
approves the contract, approves the licence in 资质审核 and then the supplier; the applicant signs in to its portal."""
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import Page, expect

from core.roles import Role
from tests.e2e.helpers import LOGIN_URL_RE, click, login, logout, open_nav
from tests.factories import UserFactory, credit_code

PASSWORD = "pass12345"  # what UserFactory sets
APPLICANT_PASSWORD = "apply-pass-2024"
NAME = "端到端入驻礼品商有限公司"


def message(page: Page, kind: str):
    return page.locator(f".messages li.{kind}")


def test_an_applicant_is_approved_once_its_contract_and_licence_are_and_then_signs_in(browser_page: Page, live_server, tmp_path):
    page, url = browser_page, live_server.url
    UserFactory(username="e2e_operator", role=Role.OPERATOR)
    code = credit_code(4201)
    scan = tmp_path / "licence.pdf"
    scan.write_bytes(b"%PDF-1.4 licence scan")
    today = timezone.localdate()

    page.goto(f"{url}/accounts/login/")
    click(page, page.get_by_role("link", name="礼品商入驻申请", exact=True))
    form = page.get_by_test_id("apply-form")
    form.locator("[name=name]").fill(NAME)
    form.locator("[name=credit_code]").fill(code)
    form.locator("[name=contact_name]").fill("王经理")
    form.locator("[name=contact_phone]").fill("13911112222")
    form.locator("[name=licence_file]").set_input_files(str(scan))
    form.locator("[name=licence_issued_on]").fill(f"{today - timedelta(days=365):%Y-%m-%d}")
    form.locator("[name=licence_expires_on]").fill(f"{today + timedelta(days=3650):%Y-%m-%d}")
    form.locator("[name=username]").fill("e2e_applicant")
    form.locator("[name=password]").fill(APPLICANT_PASSWORD)
    click(page, form.locator("button[type=submit]"))
    expect(page).to_have_url(LOGIN_URL_RE)
    expect(message(page, "success")).to_contain_text("申请已提交，运营将审核您的资料和营业执照")

    login(page, url, "e2e_applicant", APPLICANT_PASSWORD, expect_success=False)
    expect(page.locator(".errorlist.nonfield")).to_have_text(
        f"「{NAME}」的入驻申请已于 {today:%Y-%m-%d} 提交，正在等待运营审核；审核通过后即可登录。")
    expect(page.get_by_test_id("logout")).to_have_count(0)

    login(page, url, "e2e_operator", PASSWORD)
    expect(page.get_by_test_id("nav-badge-operator-suppliers")).to_have_text("1")
    expect(page.get_by_test_id("nav-badge-operator-qualifications")).to_have_text("1")
    open_nav(page, "礼品商管理")
    application = page.locator("tbody tr").filter(has_text=NAME)
    expect(application.locator(".badge")).to_have_text("已申请")
    click(page, application.get_by_role("link", name=NAME, exact=True))
    supplier_page = page.url
    expect(page.get_by_test_id("state")).to_have_text("已申请")
    expect(page.get_by_test_id("qualifications").get_by_role("link", name=code, exact=True)).to_be_visible()
    click(page, page.locator("button[data-action=start_review]"))
    expect(page.get_by_test_id("state")).to_have_text("审核中")

    click(page, page.locator("button[data-action=approve]"))
    # refused: the reasons stand by the approve button, the step's form shown again
    expect(page.locator("form[data-action-form=approve] .field-error")).to_have_text("缺少已生效的合同；营业执照待审核，请先审核通过")
    expect(page.get_by_test_id("state")).to_have_text("审核中")

    click(page, page.get_by_test_id("supplier-pages").get_by_role("link", name="合同", exact=True))
    contract = page.get_by_test_id("contract-form")
    contract.locator("[name=supplier]").select_option(label=NAME)
    contract.locator("[name=number]").fill("HT-E2E-001")
    contract.locator("[name=start_date]").fill(f"{today:%Y-%m-%d}")
    contract.locator("[name=end_date]").fill(f"{today + timedelta(days=730):%Y-%m-%d}")
    contract.locator("[name=programs][value=gotone]").check()
    contract.locator("[name=payment_days]").fill("30")
    contract.locator("[name=deposit_amount]").fill("50000.00")
    click(page, contract.locator("button[type=submit]"))
    expect(message(page, "success")).to_have_text("合同已登记，等待审核")
    expect(page.get_by_test_id("nav-badge-operator-contracts")).to_have_text("1")
    # a contract has no second reviewer: the operator who records it approves it
    click(page, page.get_by_test_id("contracts").get_by_role("link", name="HT-E2E-001", exact=True))
    expect(page.get_by_test_id("state")).to_have_text("待审核")
    click(page, page.locator("button[data-action=approve]"))
    expect(message(page, "success")).to_have_text("合同已通过")
    expect(page.get_by_test_id("state")).to_have_text("已生效")

    open_nav(page, "资质审核")
    click(page, page.get_by_test_id("qualifications").get_by_role("link", name=code, exact=True))
    expect(page.get_by_test_id("state")).to_have_text("待审核")
    expect(page.get_by_test_id("replaced")).to_have_text("该礼品商尚无已通过的同类资质。")
    click(page, page.locator("button[data-action=approve]"))
    expect(message(page, "success")).to_have_text("资质已通过")
    expect(page.get_by_test_id("state")).to_have_text("已通过")

    click(page, page.get_by_role("link", name=NAME, exact=True))
    expect(page).to_have_url(supplier_page)
    click(page, page.locator("button[data-action=approve]"))
    expect(message(page, "success")).to_have_text(f"{NAME} 现为「合作中」")
    expect(page.get_by_test_id("state")).to_have_text("合作中")
    history = page.get_by_test_id("history").locator("tbody tr")
    expect(history).to_have_count(3)
    assert [row.locator("td").all_inner_texts()[1:5] for row in history.all()] == [
        ["申请入驻", "", "已申请", "e2e_applicant"], ["开始审核", "已申请", "审核中", "e2e_operator"],
        ["批准", "审核中", "合作中", "e2e_operator"]]
    expect(page.get_by_test_id("nav-badge-operator-suppliers")).to_have_count(0)
    logout(page)

    login(page, url, "e2e_applicant", APPLICANT_PASSWORD)
    expect(page).to_have_url(f"{url}/")
    expect(page.get_by_test_id("who")).to_have_text("e2e_applicant · 礼品商管理员")
    nav = page.get_by_test_id("nav")
    for label in ("我的礼品", "合同与资质", "团队成员"):
        expect(nav.get_by_role("link", name=label, exact=True)).to_be_visible()
    open_nav(page, "合同与资质")
    expect(page.get_by_test_id("qualifications").locator("tr").filter(has_text=code).locator(".badge").first).to_have_text("已通过")
    expect(page.get_by_test_id("contracts").locator("tr").filter(has_text="HT-E2E-001").locator(".badge")).to_have_text("已生效")

"""Portal pages of monthly assessments: the supplier's score chart and KPI tables (its own only), operators' and
finance's lists with filters and the compute form, penalty and suspension decisions, the KPI settings form, the penalty rules."""
import html
import re
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.utils import timezone

from core.roles import Role
from core.texts import yuan
from settlement.models import Adjustment, Assessment, Kpi, KpiSetting, PenaltyProposal, PenaltyRule, SuspensionProposal
from settlement.services import adjustments
from settlement.services.assessment import accept_penalty, compute_month
from suppliers.models import Supplier
from tests.factories import SHANGHAI, UserFactory
from tests.settlement.kpi_facts import complaint, order, returned, t
from tests.portal import badge_links, clear_link, field_errors, form_values, listed, logged_in, nav, page_in, rows_at

pytestmark = pytest.mark.django_db
OCTOBER = date(2026, 10, 1)
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _clock(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def assessed(supplier, operator) -> Assessment:
    """September and October under 60 (one order, one complaint a month), October with a defect-rate penalty."""
    for month in (9, 10):
        delivered = order(supplier, fulfilment="warehouse", delivered_at=t(month, 3))
        complaint(supplier, opened_at=t(month, 4))
    returned(delivered, quantity=1, outcome="defective")
    compute_month(month=date(2026, 9, 1), now=t(10, 20, 3))
    compute_month(month=OCTOBER, now=t(11, 20, 3))
    return Assessment.objects.get(month=OCTOBER)


def test_the_supplier_sees_its_score_chart_and_kpi_history(assessed, supplier_admin):
    response = logged_in(supplier_admin).get("/settlement/assessments/")

    page = response.content.decode()
    assert response.status_code == 200
    assert '<svg class="chart"' in page and 'data-label="2026-10"' in page and 'data-label="2026-09"' in page
    assert "kpi-history" in page and str(assessed.score) in page


def test_the_suppliers_kpi_history_pages_through_every_month_twelve_at_a_time_oldest_first(assessed, supplier, supplier_admin):
    earlier = [date(2025, m, 1) for m in range(1, 13)] + [date(2026, m, 1) for m in range(1, 9)]
    for month in earlier:
        Assessment.objects.create(supplier=supplier, month=month, score=Decimal("80.00"), computed_at=NOW)
    client = logged_in(supplier_admin)

    pages = [client.get("/settlement/assessments/", {"page": page}) for page in (1, 2)]

    months = [[row["month"] for row in page.context["history"]] for page in pages]
    assert months[0] == [*earlier[10:], date(2026, 9, 1), OCTOBER]
    assert months[1] == earlier[:10]
    assert 'data-testid="pagination"' in pages[0].content.decode()


@pytest.mark.parametrize(("query", "field", "message"), [
    ("month=2026-13", "month", "月份格式应为 YYYY-MM"),
    ("month=2026-10&supplier=abc", "supplier", "没有编号为 abc 的礼品商"),
    ("below=maybe", "below", "须为 true 或 false"),
])
def test_a_bad_assessment_filter_is_named_next_to_it_and_lists_no_assessment(assessed, operator, query, field, message):
    response = logged_in(operator).get(f"/settlement/assessments/?{query}")

    assert response.status_code == 400
    assert field_errors(response) == {field: message}
    assert list(response.context["page_obj"]) == []


def test_the_penalty_proposals_open_on_those_waiting_and_a_state_none_has_is_named(assessed, finance):
    client = logged_in(finance)

    waiting = client.get("/settlement/assessments/penalties/")
    unknown = client.get("/settlement/assessments/penalties/?state=forgotten")

    assert waiting.status_code == 200 and [p.state for p in waiting.context["page_obj"]] == ["proposed"]
    assert 'value="pending" selected' in waiting.content.decode()
    assert unknown.status_code == 400 and list(field_errors(unknown)) == ["state"] and list(unknown.context["page_obj"]) == []


def _chart_values(page: str, testid: str) -> dict[str, str]:
    figure = page.split(f'data-testid="{testid}"', 1)[1].split("</figure>", 1)[0]
    return {part.split('"', 1)[0]: part.split('data-value="', 1)[1].split('"', 1)[0] for part in figure.split('data-label="')[1:]}


def test_operators_see_the_average_score_by_month_and_one_suppliers_scores_when_filtered(assessed, other_supplier, operator):
    Assessment.objects.create(supplier=other_supplier, month=OCTOBER, score=Decimal("90.00"), computed_at=NOW)
    Assessment.objects.create(supplier=other_supplier, month=date(2026, 8, 1), score=None, computed_at=NOW)  # nothing to assess
    september = Assessment.objects.get(supplier=assessed.supplier, month=date(2026, 9, 1))
    client = logged_in(operator)

    everyone = _chart_values(client.get("/settlement/assessments/").content.decode(), "score-trend")
    one = _chart_values(client.get(f"/settlement/assessments/?supplier={other_supplier.pk}").content.decode(), "score-trend")

    average = ((assessed.score + Decimal("90.00")) / 2).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert {month: score for month, score in everyone.items() if score} == {"2026-09": str(september.score), "2026-10": str(average)}
    assert {month: score for month, score in one.items() if score} == {"2026-10": "90.00"}
    assert list(one)[0] == "2025-12" and len(one) == 12 and one["2026-08"] == ""  # assessed, nothing to score: a gap
    assert list(one)[-1] == "2026-11" and one["2026-11"] == ""  # to this month, not scored yet: a gap


def test_a_month_without_a_score_is_a_gap_in_the_trend_said_so_in_its_table_not_a_zero(assessed, operator):
    Assessment.objects.filter(month=date(2026, 9, 1)).update(score=None)

    page = logged_in(operator).get("/settlement/assessments/").content.decode()

    chart = page.split('data-testid="score-trend"', 1)[1].split("</figure>", 1)[0]
    assert '<g data-label="2026-09" data-value=""><text' in chart and 'data-testid="chart-gap">—</text>' in chart
    assert '<tr><th scope="row">2026-09</th><td>当月无得分（空缺，不是0分）</td></tr>' in chart
    assert f'<tr><th scope="row">2026-10</th><td>{assessed.score}</td></tr>' in chart


def test_the_supplier_reads_a_months_kpi_table_with_numerator_and_denominator(assessed, supplier_admin):
    response = logged_in(supplier_admin).get(f"/settlement/assessments/{assessed.pk}/")

    page = response.content.decode()
    row = page.split(f'data-kpi="{Kpi.DEFECT_RATE}"', 1)[1].split("</tr>", 1)[0]
    assert response.status_code == 200
    cells = [cell.split("</td>")[0] for cell in row.split("<td>")[1:]]
    assert cells == ["质量退货率", "1", "1", "100.00%", "2.00%", "15.00", "0.00%"]  # 1 defective unit of 1 delivered


def test_kpi_ratios_read_as_percentages_on_the_history_penalties_and_rules_and_the_complaint_rate_per_thousand(
        assessed, supplier_admin, finance, operator):
    history = logged_in(supplier_admin).get("/settlement/assessments/").content.decode().split("kpi-history", 1)[1]
    penalties = logged_in(finance).get("/settlement/assessments/penalties/").content.decode()
    rules = logged_in(operator).get("/settlement/assessments/penalty-rules/").content.decode()

    october = history.split(">2026-10<", 1)[1].split("</tr>", 1)[0]
    assert "<td>100.00%</td>" in october and "<td>1000.00‰</td>" in october  # defects of 1 unit in 1; 1 complaint in 1 order
    assert "<td>100.00%</td>" in penalties and "1.0000" not in penalties
    defect_rule = rules.split(f"<td>{Kpi(Kpi.DEFECT_RATE).label}</td>", 1)[1].split("</tr>", 1)[0]
    assert re.match(r"<td>\d+\.\d\d%</td>", defect_rule)


def test_penalty_amounts_show_as_money_with_the_yuan_mark_on_the_proposals_the_assessment_and_the_rules(
        assessed, supplier_admin, finance, operator):
    proposal = PenaltyProposal.objects.get()
    rule = PenaltyRule.objects.order_by("pk").first()

    penalties = logged_in(finance).get("/settlement/assessments/penalties/").content.decode()
    rules = logged_in(operator).get("/settlement/assessments/penalty-rules/").content.decode()

    assert f"<td>{yuan(proposal.amount)}</td>" in penalties and "¥" in yuan(proposal.amount)
    rule_row = rules.split(f'data-rule="{rule.pk}"', 1)[1].split("</tr>", 1)[0]
    assert f"<td>{yuan(rule.amount)}</td>" in rule_row


def test_another_suppliers_assessment_is_a_404(assessed, other_supplier_admin):
    response = logged_in(other_supplier_admin).get(f"/settlement/assessments/{assessed.pk}/")

    assert response.status_code == 404


def test_operators_filter_assessments_by_month_and_score(assessed, other_supplier, operator):
    order(other_supplier, fulfilment="warehouse", delivered_at=t(10, 3))  # a month without a complaint
    compute_month(month=OCTOBER, now=t(11, 20, 3))
    scored_well = Assessment.objects.get(month=OCTOBER, supplier=other_supplier)

    below = listed(operator, "/settlement/assessments/", month="2026-10", below="1")
    not_below = listed(operator, "/settlement/assessments/", month="2026-10", below="false")
    august = listed(operator, "/settlement/assessments/", month="2026-08")

    assert scored_well.score >= 60 > assessed.score
    assert (below, not_below, august) == ([assessed.pk], [scored_well.pk], [])


def test_the_compute_form_assesses_a_month_and_reports_its_progress(supplier, finance):
    order(supplier, fulfilment="warehouse", delivered_at=t(10, 3))

    response = logged_in(finance).post("/settlement/assessments/", {"month": "2026-10"}, follow=True)

    assert Assessment.objects.get().score == Decimal("100.00")
    assert "考核完成：1 家礼品商（进度 1/1）" in response.content.decode()


def test_a_supplier_whose_penalty_is_decided_keeps_its_results_and_is_named_on_the_page_and_in_the_api(
        assessed, supplier, other_supplier, finance, api):
    accept_penalty(proposal=PenaltyProposal.objects.get(), actor=finance, now=NOW)
    order(supplier, fulfilment="warehouse", delivered_at=t(10, 5))  # would change the score
    order(other_supplier, fulfilment="warehouse", delivered_at=t(10, 5))

    page = logged_in(finance).post("/settlement/assessments/", {"month": "2026-10"}, follow=True)
    answer = api(finance).post("/api/v1/assessments/compute/", {"month": "2026-10"}, format="json")

    assert f"2026-10 的处罚或暂停提议已有决定，保留原考核结果未重新计算：{supplier.name}" in page.content.decode()
    assert "考核完成：1 家礼品商" in page.content.decode()
    assert answer.status_code == 200
    assert answer.json() == {"month": "2026-10", "assessed": 1, "kept": [{"supplier": supplier.pk, "supplier_name": supplier.name}]}
    assert Assessment.objects.filter(month=OCTOBER, supplier=supplier).values_list("score", "computed_at").get() == (
        assessed.score, assessed.computed_at)
    assert Assessment.objects.filter(month=OCTOBER, supplier=other_supplier).exists()


def test_a_supplier_cannot_compute(supplier_admin):
    response = logged_in(supplier_admin).post("/settlement/assessments/", {"month": "2026-10"})

    assert response.status_code == 403
    assert not Assessment.objects.exists()


def test_finance_accepts_a_penalty_into_an_adjustment_for_another_finance_user(assessed, finance):
    proposal = PenaltyProposal.objects.get()

    response = logged_in(finance).post(f"/settlement/assessments/penalty/{proposal.pk}/accept/", {"reason": ""}, follow=True)

    proposal.refresh_from_db()
    adjustment = Adjustment.objects.get()
    assert response.status_code == 200 and proposal.state == PenaltyProposal.State.ACCEPTED
    assert (proposal.adjustment, adjustment.state, adjustment.created_by) == (adjustment, Adjustment.State.PROPOSED, finance)


def test_a_penalty_is_dismissed_only_when_a_second_finance_user_confirms(assessed, finance, finance_checker):
    proposal = PenaltyProposal.objects.get()
    maker, checker = logged_in(finance), logged_in(finance_checker)

    maker.post(f"/settlement/assessments/penalty/{proposal.pk}/dismiss/", {"reason": "物流破损"})
    own = maker.get("/settlement/assessments/penalties/?state=dismissing").content.decode()
    maker.post(f"/settlement/assessments/penalty/{proposal.pk}/confirm_dismissal/")
    proposal.refresh_from_db()
    assert proposal.state == PenaltyProposal.State.DISMISSING
    assert 'data-testid="needs-other-finance"' in own and 'data-action="confirm_dismissal"' not in own
    other = checker.get("/settlement/assessments/penalties/?state=dismissing").content.decode()
    assert 'data-action="confirm_dismissal"' in other and "物流破损" in other

    checker.post(f"/settlement/assessments/penalty/{proposal.pk}/confirm_dismissal/")

    proposal.refresh_from_db()
    assert (proposal.state, proposal.dismissed_by) == (PenaltyProposal.State.DISMISSED, finance_checker)


def test_a_waiver_waiting_for_the_second_finance_user_is_listed_where_the_badges_of_both_link(assessed, finance, finance_checker):
    proposal = PenaltyProposal.objects.get()
    before = badge_links(finance, "settlement-penalty-proposals")
    listed_before = [rows_at(finance, path) for path, _count in before.values()]
    logged_in(finance).post(f"/settlement/assessments/penalty/{proposal.pk}/dismiss/", {"reason": "物流破损"})

    maker, checker = (badge_links(user, "settlement-penalty-proposals") for user in (finance, finance_checker))

    assert {where: count for where, (_path, count) in before.items()} == {"home": 1, "nav": 1}
    assert listed_before == [count for _path, count in before.values()]
    assert maker == {} and rows_at(finance, "/settlement/assessments/penalties/?waiting=1") == 0
    assert {where: count for where, (_path, count) in checker.items()} == {"home": 1, "nav": 1}
    assert all(rows_at(finance_checker, path) == count for path, count in checker.values())
    assert listed(finance_checker, "/settlement/assessments/penalties/") == [proposal.pk]  # the default list too
    assert listed(finance, "/settlement/assessments/penalties/") == [proposal.pk]  # the maker sees what it waits for


def test_a_penalty_whose_adjustment_was_rejected_is_offered_again(assessed, finance, finance_checker):
    proposal = PenaltyProposal.objects.get()
    logged_in(finance).post(f"/settlement/assessments/penalty/{proposal.pk}/accept/", {"reason": ""})
    adjustment = Adjustment.objects.get()
    adjustments.reject_adjustment(adjustment=adjustment, actor=finance_checker, now=timezone.now(), note="金额有误")

    page = logged_in(finance).get("/settlement/assessments/penalties/").content.decode()

    assert 'data-testid="adjustment-rejected"' in page and adjustment.number in page and 'data-action="accept"' in page


@pytest.mark.parametrize("reader", ["supplier_admin", "operator", "finance", "finance_checker"])
def test_the_assessment_page_shows_each_penalty_proposals_history_to_everyone_who_sees_it(request, assessed, finance, reader):
    proposal = PenaltyProposal.objects.get()
    logged_in(finance).post(f"/settlement/assessments/penalty/{proposal.pk}/dismiss/", {"reason": "物流破损"})

    page = logged_in(request.getfixturevalue(reader)).get(f"/settlement/assessments/{assessed.pk}/").content.decode()

    section = page.split(f'data-penalty="{proposal.pk}"', 1)[1].split("</section>", 1)[0]
    history = section.split('data-testid="history"', 1)[1].split("</table>", 1)[0]
    assert "申请撤销" in history and "物流破损" in history


def test_dismissing_a_penalty_needs_a_reason(assessed, finance):
    proposal = PenaltyProposal.objects.get()

    logged_in(finance).post(f"/settlement/assessments/penalty/{proposal.pk}/dismiss/", {"reason": ""})

    proposal.refresh_from_db()
    assert proposal.state == PenaltyProposal.State.PROPOSED


def test_an_operator_may_not_decide_penalties(assessed, operator):
    proposal = PenaltyProposal.objects.get()

    response = logged_in(operator).post(f"/settlement/assessments/penalty/{proposal.pk}/accept/")

    assert response.status_code == 403
    assert not Adjustment.objects.exists()


def test_operators_and_finance_read_both_proposal_lists_where_only_the_deciding_role_is_offered_the_decisions(
        assessed, supplier, operator, finance):
    penalties = {user.role: logged_in(user).get("/settlement/assessments/penalties/") for user in (operator, finance)}
    suspensions = {user.role: logged_in(user).get("/settlement/assessments/suspensions/") for user in (operator, finance)}

    assert all(page.status_code == 200 and supplier.name in page.content.decode() for page in [*penalties.values(), *suspensions.values()])
    assert 'data-action="accept"' in penalties["finance"].content.decode()
    assert 'data-action="accept"' not in penalties["operator"].content.decode() and "待财务处理" in penalties["operator"].content.decode()
    assert 'data-action="accept"' in suspensions["operator"].content.decode()
    assert 'data-action="accept"' not in suspensions["finance"].content.decode() and "待运营人员决定" in suspensions["finance"].content.decode()


def test_the_operator_accepts_a_suspension_from_the_list(assessed, supplier, operator):
    client = logged_in(operator)
    proposal = SuspensionProposal.objects.get()
    assert "suspension-proposals" in client.get("/settlement/assessments/suspensions/").content.decode()

    client.post(f"/settlement/assessments/suspension/{proposal.pk}/accept/", {"reason": "连续两月低于60分"})

    supplier.refresh_from_db()
    assert supplier.state == Supplier.State.SUSPENDED


def test_the_decision_note_on_the_assessment_reads_with_the_readers_colon(assessed, operator):
    proposal = SuspensionProposal.objects.get()
    logged_in(operator).post(f"/settlement/assessments/suspension/{proposal.pk}/accept/", {"reason": "two months under 60"})

    assert "Decision note: two months under 60" in page_in(operator, f"/settlement/assessments/{proposal.assessment_id}/", "en")
    assert "决定说明：two months under 60" in page_in(operator, f"/settlement/assessments/{proposal.assessment_id}/", "zh-hans")


def test_with_every_proposal_decided_the_lists_opened_on_those_waiting_say_so_and_link_to_all_of_them(
        assessed, operator, finance):
    PenaltyProposal.objects.update(state=PenaltyProposal.State.DISMISSED)
    SuspensionProposal.objects.update(state=SuspensionProposal.State.DISMISSED)

    for user, path in [(finance, "/settlement/assessments/penalties/"), (operator, "/settlement/assessments/suspensions/")]:
        page = logged_in(user).get(path).content.decode()

        assert "没有符合筛选条件的记录" in page and clear_link(page) == f"{path}?state="
        assert rows_at(user, clear_link(page)) == 1


def _hidden_fields(page: str, action: str) -> dict[str, str]:
    """The hidden fields of the page's form posting to `action`, as a browser sends them."""
    form = re.search(rf'<form[^>]*action="{re.escape(action)}"[^>]*>(.*?)</form>', page, re.S)
    assert form, f"no form posting to {action}"
    return {name: html.unescape(value) for name, value in re.findall(r'type="hidden" name="(\w+)" value="([^"]*)"', form.group(1))}


@pytest.mark.parametrize(("kind", "listed_at", "decider", "reason"), [
    ("penalty", "penalties", "finance", ""), ("suspension", "suspensions", "operator", "连续两月低于60分"),
])
def test_a_proposal_decided_from_a_filtered_list_goes_back_to_that_list_with_its_filters_and_page(
        request, assessed, kind, listed_at, decider, reason):
    client = logged_in(request.getfixturevalue(decider))
    model = {"penalty": PenaltyProposal, "suspension": SuspensionProposal}[kind]
    proposal = model.objects.get()
    at = f"/settlement/assessments/{listed_at}/?state=proposed&page=1"
    action = f"/settlement/assessments/{kind}/{proposal.pk}/accept/"

    response = client.post(action, {"reason": reason} | _hidden_fields(client.get(at).content.decode(), action))

    proposal.refresh_from_db()
    assert proposal.state == model.State.ACCEPTED
    assert (response.status_code, response["Location"]) == (302, at)


def current_settings() -> dict:
    data = {}
    for setting in KpiSetting.objects.all():
        data |= {f"{setting.pk}-weight": setting.weight, f"{setting.pk}-target": setting.target}
    return data | {"reason": "年度调整"}


def test_the_operator_edits_kpi_weights_and_targets(operator):
    data = current_settings()
    dispatch = KpiSetting.objects.get(kpi=Kpi.ON_TIME_DISPATCH)
    data |= {f"{dispatch.pk}-weight": "30", f"{dispatch.pk}-target": "0.9"}

    logged_in(operator).post("/settlement/assessments/kpi-settings/", data)

    dispatch.refresh_from_db()
    assert (dispatch.weight, dispatch.target) == (Decimal("30.00"), Decimal("0.9000"))


def test_a_negative_weight_is_refused_and_nothing_changes(operator):
    setting = KpiSetting.objects.order_by("pk").first()
    data = current_settings()
    data[f"{setting.pk}-weight"] = "-1"

    response = logged_in(operator).post("/settlement/assessments/kpi-settings/", data)

    assert response.status_code == 200 and "field-error" in response.content.decode()
    assert KpiSetting.objects.get(pk=setting.pk).weight == setting.weight


def kpi_row(response, kpi: str) -> str:
    return response.content.decode().split(f'data-kpi="{kpi}"', 1)[1].split("</tr>", 1)[0]


def test_a_ratio_target_over_1_is_shown_next_to_that_kpis_target_with_the_entries_kept(operator):
    before = {s.kpi: (s.weight, s.target) for s in KpiSetting.objects.all()}
    dispatch, defect = KpiSetting.objects.get(kpi=Kpi.ON_TIME_DISPATCH), KpiSetting.objects.get(kpi=Kpi.DEFECT_RATE)
    data = current_settings() | {f"{dispatch.pk}-weight": "35", f"{defect.pk}-target": "2"}

    response = logged_in(operator).post("/settlement/assessments/kpi-settings/", data)

    row = kpi_row(response, Kpi.DEFECT_RATE)
    assert response.status_code == 200
    assert 'data-field="target">质量退货率是比率，应在 0 到 1 之间（0.95 即 95%）<' in row and 'value="2"' in row
    assert 'value="35"' in kpi_row(response, Kpi.ON_TIME_DISPATCH) and "field-error" not in kpi_row(response, Kpi.ON_TIME_DISPATCH)
    assert {s.kpi: (s.weight, s.target) for s in KpiSetting.objects.all()} == before


def test_a_complaint_rate_target_per_thousand_is_accepted_and_over_10000_refused(operator):
    complaint_rate = KpiSetting.objects.get(kpi=Kpi.COMPLAINT_RATE)
    client = logged_in(operator)

    client.post("/settlement/assessments/kpi-settings/", current_settings() | {f"{complaint_rate.pk}-target": "12"})
    refused = client.post("/settlement/assessments/kpi-settings/", current_settings() | {f"{complaint_rate.pk}-target": "10001"})

    assert 'data-field="target"' in kpi_row(refused, Kpi.COMPLAINT_RATE)
    complaint_rate.refresh_from_db()
    assert complaint_rate.target == Decimal("12.0000")


def test_a_stale_kpi_page_saves_only_the_figures_its_user_changed(operator):
    url = "/settlement/assessments/kpi-settings/"
    dispatch, defect = KpiSetting.objects.get(kpi=Kpi.ON_TIME_DISPATCH), KpiSetting.objects.get(kpi=Kpi.DEFECT_RATE)
    first, second = logged_in(operator), logged_in(UserFactory(role=Role.OPERATOR))
    page_a, page_b = (form_values(client.get(url), "kpi-settings") for client in (first, second))
    first.post(url, page_a | {f"{dispatch.pk}-target": "0.9000", "reason": "年度调整"})

    # the second page still shows the dispatch target as it was; a weight typed as the same figure is no change
    saved = second.post(url, page_b | {f"{defect.pk}-target": "0.0300", f"{defect.pk}-weight": str(float(defect.weight)), "reason": "年度调整"})

    dispatch.refresh_from_db()
    defect.refresh_from_db()
    assert saved.status_code == 302 and f"initial-{dispatch.pk}-target" in page_b
    assert (dispatch.target, defect.target, defect.weight) == (Decimal("0.9000"), Decimal("0.0300"), Decimal("15.00"))


def test_a_kpi_figure_changed_on_two_pages_comes_back_409_with_the_figure_now(operator):
    url = "/settlement/assessments/kpi-settings/"
    dispatch = KpiSetting.objects.get(kpi=Kpi.ON_TIME_DISPATCH)
    first, second = logged_in(operator), logged_in(UserFactory(role=Role.OPERATOR))
    page_a, page_b = (form_values(client.get(url), "kpi-settings") for client in (first, second))
    first.post(url, page_a | {f"{dispatch.pk}-target": "0.9000", "reason": "年度调整"})

    clash = second.post(url, page_b | {f"{dispatch.pk}-target": "0.8000", f"{dispatch.pk}-weight": "25", "reason": "年度调整"})
    again = form_values(clash, "kpi-settings")

    dispatch.refresh_from_db()
    assert clash.status_code == 409 and (dispatch.target, dispatch.weight) == (Decimal("0.9000"), Decimal("20.00"))
    assert 'data-field="target">其间已有他人修改此项，现显示的是最新内容；您填写的“0.8000”未保存' in kpi_row(clash, Kpi.ON_TIME_DISPATCH)
    assert (again[f"{dispatch.pk}-target"], again[f"{dispatch.pk}-weight"]) == ("0.9000", "25")


def test_all_weights_zero_is_refused_above_the_table_and_nothing_changes(operator):
    data = current_settings() | {f"{s.pk}-weight": "0" for s in KpiSetting.objects.all()}

    response = logged_in(operator).post("/settlement/assessments/kpi-settings/", data)

    page = response.content.decode()
    assert response.status_code == 200 and "权重不能全部为 0" in page.split('data-testid="set-errors"', 1)[1].split("</ul>", 1)[0]
    assert all(s.weight > 0 for s in KpiSetting.objects.all())


def test_each_role_sees_its_assessment_navigation(operator, finance, supplier_admin):
    labels = {user.username: nav(logged_in(user).get("/settlement/assessments/")) for user in (operator, finance, supplier_admin)}

    # operators and finance read the KPI settings and both kinds of proposals; each decides its own kind
    assert all(label in labels[role] for role in ("operator", "finance") for label in ("考核指标", "暂停合作建议", "扣款建议"))
    assert "考核得分" in labels["supplier_admin"] and "扣款建议" not in labels["supplier_admin"]


def test_the_operator_adds_a_penalty_rule_and_switches_an_old_one_off(operator):
    old = PenaltyRule.objects.get(kpi=Kpi.DEFECT_RATE)
    client = logged_in(operator)

    added = client.post("/settlement/assessments/penalty-rules/", {
        "kpi": Kpi.DEFECT_RATE, "threshold": "0.08", "deduction": "800", "description": "质量退货率高于8%，扣款800元", "token": "add",
        "reason": "质量退货偏多",
    }, follow=True)
    client.post(f"/settlement/assessments/penalty-rules/{old.pk}/active/", {"active": "0", "reason": "改用新规则"})

    new = PenaltyRule.objects.get(description="质量退货率高于8%，扣款800元")
    assert (new.threshold, new.amount, new.active) == (Decimal("0.0800"), Decimal("-800.00"), True)
    assert "质量退货率高于8%，扣款800元" in added.content.decode()
    old.refresh_from_db()
    assert not old.active


def test_a_bad_penalty_rule_is_shown_next_to_its_field_and_not_saved(operator):
    response = logged_in(operator).post("/settlement/assessments/penalty-rules/", {
        "kpi": Kpi.DEFECT_RATE, "threshold": "0.08", "deduction": "0", "description": "不应保存", "token": "add",
    })

    assert response.status_code == 200 and field_errors(response).keys() == {"deduction"}
    assert not PenaltyRule.objects.filter(description="不应保存").exists()


def test_a_penalty_threshold_out_of_its_kpis_range_is_shown_next_to_it_with_the_entries_kept(operator):
    response = logged_in(operator).post("/settlement/assessments/penalty-rules/", {
        "kpi": Kpi.DEFECT_RATE, "threshold": "8", "deduction": "800", "description": "不应保存", "token": "add",
    })

    assert field_errors(response) == {"threshold": "质量退货率是比率，应在 0 到 1 之间（0.95 即 95%）"}
    assert 'value="不应保存"' in response.content.decode()
    assert not PenaltyRule.objects.filter(description="不应保存").exists()


def test_a_double_submitted_penalty_rule_form_adds_one_rule(operator):
    client = logged_in(operator)
    page = client.get("/settlement/assessments/penalty-rules/").content.decode()
    token = re.search(r'name="token" value="(\w+)"', page)[1]
    body = {"kpi": Kpi.COMPLAINT_RATE, "threshold": "3", "deduction": "200", "description": "投诉率超过 3‰", "token": token,
            "reason": "投诉偏多"}

    first = client.post("/settlement/assessments/penalty-rules/", body)
    second = client.post("/settlement/assessments/penalty-rules/", body)

    assert first.status_code == second.status_code == 302 and PenaltyRule.objects.filter(description="投诉率超过 3‰").count() == 1


def test_finance_reads_the_penalty_rules_but_cannot_change_them(finance):
    client = logged_in(finance)
    rule = PenaltyRule.objects.filter(active=True).first()

    page = client.get("/settlement/assessments/penalty-rules/").content.decode()
    refused = client.post(f"/settlement/assessments/penalty-rules/{rule.pk}/active/", {"active": "0"})

    assert rule.description in page and 'data-action="deactivate"' not in page and "扣款规则" in nav(client.get("/settlement/assessments/penalty-rules/"))
    assert refused.status_code == 403 and PenaltyRule.objects.get(pk=rule.pk).active


def test_suppliers_cannot_open_the_penalty_rules(supplier_admin):
    assert logged_in(supplier_admin).get("/settlement/assessments/penalty-rules/").status_code == 403


def test_the_kpi_settings_page_explains_ratios_with_a_plain_percent_in_either_language(operator):
    from django.test import Client

    def page(language: str) -> str:
        client = Client(HTTP_ACCEPT_LANGUAGE=language)
        client.force_login(operator)
        return client.get("/settlement/assessments/kpi-settings/").content.decode()

    english, chinese = page("en"), page("zh-hans")
    assert "ratio targets 0 to 1 (0.95 is 95%)" in english and "比率类目标" not in english
    assert "（0.95 即 95%）" in chinese and "%%" not in chinese


def test_a_penalty_accepted_with_a_nul_byte_in_its_note_is_refused_and_no_adjustment_is_proposed(assessed, finance):
    proposal = PenaltyProposal.objects.get()

    response = logged_in(finance).post(f"/settlement/assessments/penalty/{proposal.pk}/accept/", {"reason": "同意\x00扣款"}, follow=True)

    proposal.refresh_from_db()
    assert proposal.state == PenaltyProposal.State.PROPOSED and not Adjustment.objects.exists()
    assert [message.level_tag for message in response.context["messages"]] == ["error"]

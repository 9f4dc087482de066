"""A statement line says what the system wrote (an extra cost's description, an adjustment's reason) in its reader's
language, as the costs and adjustments lists do, on the page and in the API; the PDF gives it in Chinese and English;
what a person typed reads as typed (SPEC §4.11, docs/architecture.md "Languages")."""
import io
import re
from datetime import date, datetime
from importlib import import_module

import pdfplumber
import pytest
from django.utils.translation import gettext_noop

from core.texts import Message
from logistics.models import ExtraCost, LeftoverLot, Shipment
from logistics.services import costs
from settlement.models import Section, Statement, StatementLine
from settlement.pdf import render_statement
from settlement.services import adjustments, generation, statements
from tests.conftest import client_for
from tests.factories import SHANGHAI, GiftFactory, WarehouseFactory
from tests.portal import page_in
from tests.settlement.conftest import GENERATED_AT, LATER, OCTOBER, booked_order, paying_account

pytestmark = pytest.mark.django_db
PENALTY = gettext_noop("%(month)s 考核违约扣款：%(rule)s（指标值 %(value)s）")  # as an accepted assessment penalty writes it
STORAGE = gettext_noop("遗留礼品仓储费 %(day)s")  # as the daily leftover storage charge writes it


@pytest.fixture
def month(supplier, finance, finance_checker):
    """October's statement over a storage fee the system described and a re-delivery fee a clerk described, a penalty
    whose reason the system wrote and an adjustment whose reason finance typed."""
    paying_account(supplier)
    vase = GiftFactory(supplier=supplier, sku="VASE-QH-01")
    lot = LeftoverLot.objects.create(supplier=supplier, gift=vase, location=WarehouseFactory(), quantity=3,
                                     created_at=datetime(2026, 9, 1, tzinfo=SHANGHAI), collect_by=date(2026, 10, 1))
    order = booked_order(supplier, "100.00", recorded_at=datetime(2026, 10, 3, 10, 0, tzinfo=SHANGHAI))
    Shipment.objects.create(order=order, supplier=supplier, kind="warehouse", quantity=1, state="failed",
                            created_at=datetime(2026, 10, 1, 10, 0, tzinfo=SHANGHAI))
    Shipment.objects.create(order=order, supplier=supplier, kind="warehouse", quantity=1,  # its re-delivery
                            created_at=datetime(2026, 10, 1, 12, 0, tzinfo=SHANGHAI))
    storage = costs.record_extra_cost(kind="storage", payer="supplier", supplier=supplier, lot=lot, fee_date=date(2026, 10, 2),
                                      description=Message(STORAGE, day="2026-10-02"), actor=None,
                                      now=datetime(2026, 10, 2, 0, 10, tzinfo=SHANGHAI))
    redelivery = costs.record_extra_cost(kind="redelivery", payer="supplier", supplier=supplier, order=order,
                                         description="地址错误二次配送", actor=None, now=datetime(2026, 10, 6, 10, 0, tzinfo=SHANGHAI))
    decided = {}
    for name, reason in (("penalty", Message(PENALTY, month="2026-09", rule="投诉率超过 5‰", value="8‰")), ("typed", "延迟发货 3 单")):
        proposed = adjustments.propose_adjustment(supplier=supplier, kind="penalty", amount="-10", reason=reason, actor=finance,
                                                  now=datetime(2026, 10, 20, tzinfo=SHANGHAI))
        decided[name] = adjustments.approve_adjustment(adjustment=proposed, actor=finance_checker,
                                                       now=datetime(2026, 10, 21, tzinfo=SHANGHAI))
    generation.generate_now(month=OCTOBER, actor=finance, now=GENERATED_AT)
    statement = Statement.objects.get(supplier=supplier, month=OCTOBER)
    return statement, {"storage": storage, "redelivery": redelivery, "lot": lot, **decided}


def squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


def section_of(page: str, section: str) -> str:
    return page.split(f'data-testid="section-{section}"', 1)[1].split("</table>", 1)[0]


def test_the_english_statement_page_gives_what_the_system_wrote_in_english_and_what_people_typed_as_typed(month, finance):
    statement, made = month

    page = page_in(finance, f"/settlement/statements/{statement.pk}/", "en")

    extra_costs, booked = section_of(page, Section.EXTRA_COST), section_of(page, Section.ADJUSTMENT)
    assert (f"#{made['storage'].pk} Storage fee 2026-10-02 · Leftover lot #{made['lot'].pk} · Leftover storage fee 2026-10-02"
            in extra_costs)
    assert "地址错误二次配送" in extra_costs and "遗留礼品仓储费" not in extra_costs
    assert f"{made['penalty'].number} Penalty: 2026-09 assessment penalty: 投诉率超过 5‰ (measured 8‰)" in booked
    assert f"{made['typed'].number} Penalty: 延迟发货 3 单" in booked and "考核违约扣款" not in booked


def test_the_chinese_statement_page_gives_them_in_chinese(month, finance):
    statement, made = month

    page = page_in(finance, f"/settlement/statements/{statement.pk}/", "zh-hans")

    assert f"#{made['storage'].pk} 仓储费 2026-10-02 · 遗留批次 #{made['lot'].pk} · 遗留礼品仓储费 2026-10-02" in page
    assert f"{made['penalty'].number} 违约扣款：2026-09 考核违约扣款：投诉率超过 5‰（指标值 8‰）" in page


def test_the_api_gives_each_lines_description_as_the_page_shows_it_in_the_requests_language(month, finance):
    statement, made = month
    client = client_for(finance)

    rows = client.get(f"/api/v1/statements/{statement.pk}/lines/", HTTP_ACCEPT_LANGUAGE="en").json()["results"]

    labels = {(row["source_kind"], row["source_id"]): row["description_label"] for row in rows}
    assert labels["extra_cost", made["storage"].pk].endswith("· Leftover storage fee 2026-10-02")
    assert labels["extra_cost", made["redelivery"].pk].endswith("· 地址错误二次配送")
    assert labels["adjustment", made["penalty"].pk] == f"{made['penalty'].number} Penalty: 2026-09 assessment penalty: 投诉率超过 5‰ (measured 8‰)"
    penalty = next(row for row in rows if row["source_id"] == made["penalty"].pk and row["source_kind"] == "adjustment")
    assert penalty["description"] == made["penalty"].line_description()  # the line as stored, in Chinese


def test_the_pdf_gives_what_the_system_wrote_in_chinese_and_in_english(month, finance):
    statement, made = month

    with pdfplumber.open(io.BytesIO(render_statement(statement.versions.get()))) as document:
        text = "\n".join(page.extract_text() for page in document.pages)

    extra_costs = text.split("3. 额外费用 Extra costs", 1)[1].split("4. 调账 Adjustments", 1)[0]
    assert "遗留礼品仓储费 2026-10-02" in extra_costs and "Leftover storage fee 2026-10-02" in extra_costs
    assert "地址错误二次配送" in extra_costs
    booked = squeezed(text.split("4. 调账 Adjustments", 1)[1].split("5. 上期结转", 1)[0])  # as read, whatever the wrapping
    assert squeezed("考核违约扣款：投诉率超过 5‰（指标值 8‰）") in booked
    assert squeezed("assessment penalty: 投诉率超过 5‰ (measured 8‰)") in booked and squeezed("延迟发货 3 单") in booked


def test_a_line_reads_as_it_was_claimed_whatever_later_happens_to_its_source(month, finance):
    statement, made = month
    ExtraCost.objects.filter(pk=made["storage"].pk).update(description_params={"day": "2026-10-09"})

    page = page_in(finance, f"/settlement/statements/{statement.pk}/", "en")

    assert "Leftover storage fee 2026-10-02" in section_of(page, Section.EXTRA_COST) and "2026-10-09" not in page


def test_a_dispute_answer_the_system_worded_joins_the_next_version_in_the_readers_language(month, finance, finance_checker,
                                                                                          supplier_admin):
    statement, made = month
    statements.issue_statement(statement=statement, actor=finance, now=GENERATED_AT.replace(hour=10))
    statements.dispute_statement(statement=statement, actor=supplier_admin, now=LATER, reason="仓储费有误")
    answer = adjustments.propose_adjustment(supplier=statement.supplier, kind="dispute", amount="8.00", statement=statement,
                                            reason=Message(STORAGE, day="2026-10-02"), actor=finance, now=LATER)
    adjustments.approve_adjustment(adjustment=answer, actor=finance_checker, now=LATER)
    statements.reissue_statement(statement=statement, actor=finance, now=LATER)

    response = client_for(finance).get(f"/api/v1/statements/{statement.pk}/lines/", {"version": 2}, HTTP_ACCEPT_LANGUAGE="en")

    line = StatementLine.objects.get(source_kind="adjustment", source_id=answer.pk)
    assert (line.version, line.message_id) == (2, STORAGE)
    labels = {row["source_id"]: row["description_label"] for row in response.json()["results"] if row["source_kind"] == "adjustment"}
    assert labels[answer.pk] == f"{answer.number} Dispute adjustment: Leftover storage fee 2026-10-02"


def test_lines_claimed_before_lines_kept_the_message_take_it_from_their_source_where_they_still_say_the_same(month, finance):
    from django.apps import apps
    copy_messages = import_module("settlement.migrations.0020_statement_line_message").copy_messages
    statement, made = month
    lines = statement.lines.filter(section__in=[Section.EXTRA_COST, Section.ADJUSTMENT])
    lines.update(message_id="", message_params=None)
    StatementLine.objects.filter(source_kind="extra_cost", source_id=made["storage"].pk).update(note="遗留礼品仓储费 2026-10-01")

    copy_messages(apps, None)

    kept = {(line.source_kind, line.source_id): (line.message_id, line.message_params) for line in lines}
    assert kept["adjustment", made["penalty"].pk] == (PENALTY, {"month": "2026-09", "rule": "投诉率超过 5‰", "value": "8‰"})
    assert kept["extra_cost", made["storage"].pk] == ("", None)  # the line says something else than its source: left as it is
    assert kept["extra_cost", made["redelivery"].pk] == kept["adjustment", made["typed"].pk] == ("", None)  # typed: as typed
    StatementLine.objects.filter(source_kind="extra_cost", source_id=made["storage"].pk).update(note="遗留礼品仓储费 2026-10-02")
    copy_messages(apps, None)
    assert lines.get(source_kind="extra_cost", source_id=made["storage"].pk).message_params == {"day": "2026-10-02"}

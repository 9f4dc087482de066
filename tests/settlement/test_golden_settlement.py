"""The product owner's hand-computed month ../shared/golden/settlement_2026_10.json, replayed through the services:
September's run, S2's negative payable closed and carried forward, then October's statements section by section."""
from decimal import Decimal

import pytest

from logistics.models import LogisticsClaim
from settlement.models import Section, SourceKind, Statement, StatementLine
from settlement.services import generation
from tests.settlement.conftest import at, replay, settle_september

pytestmark = pytest.mark.django_db
SECTIONS = ("deliveries", "returns", "extra_costs", "adjustments", "carried_forward", "payable")


def figures(statement: Statement) -> dict[str, str]:
    version = statement.versions.get(number=statement.version)
    return {name: str(getattr(version, name)) for name in SECTIONS}


SEPTEMBER_RUN = at("2026-10-01T02:00:00+08:00")


def october(world, golden) -> dict[str, Statement]:
    settle_september(world, golden)
    replay(world, golden, since=SEPTEMBER_RUN, until=at(golden["generate_at"]))
    return world.generate(golden["month"], now=at(golden["generate_at"]))


def test_september_books_the_penalty_and_the_late_september_delivery_and_closes_at_minus_30(golden_world, golden):
    run = next(e for e in golden["events"] if e.get("generate") == "2026-09")

    statement = settle_september(golden_world, golden)

    expected = run["expect"]["S2"]
    version = statement.versions.get(number=1)
    assert (str(version.deliveries), str(version.adjustments), str(version.payable)) == (
        expected["deliveries"], expected["adjustments"], expected["payable"])
    assert (statement.state, statement.receivable) == ("closed", False)
    assert not Statement.objects.filter(supplier=golden_world.suppliers["S1"], month=generation.parse_month("2026-09")).exists()


def test_october_matches_every_section_and_payable(golden_world, golden):
    by_supplier = october(golden_world, golden)

    for code in ("S1", "S2"):
        statement = by_supplier[golden_world.suppliers[code].name]
        expected = {name: golden["expected"][code][name] for name in SECTIONS}
        assert figures(statement) == expected, code
        assert statement.payable == Decimal(expected["payable"])


def test_october_lines_are_the_amounts_stored_when_each_event_was_recorded(golden_world, golden):
    by_supplier = october(golden_world, golden)
    s1 = by_supplier[golden_world.suppliers["S1"].name]
    s2 = by_supplier[golden_world.suppliers["S2"].name]
    number = {order.number: name for name, order in golden_world.orders.items()}

    def lines(statement, section):
        return {(number[line.order_number], line.source_kind): str(line.amount) for line in statement.lines.filter(section=section)}

    expected = golden["expected"]
    assert {name: amount for (name, _), amount in lines(s1, Section.DELIVERY).items()} == expected["S1"]["delivery_lines"]
    assert {name: amount for (name, _), amount in lines(s1, Section.RETURN).items()} == expected["S1"]["return_lines"]
    assert lines(s2, Section.DELIVERY) == {("O8", SourceKind.ORDER): expected["S2"]["delivery_lines"]["O8"],
                                          ("O8", SourceKind.REPLACEMENT): expected["S2"]["delivery_lines"]["O8 replacement"]}
    storage = s1.lines.filter(section=Section.EXTRA_COST, description__startswith="storage")
    assert (storage.count(), sorted({str(line.amount) for line in storage})) == (11, ["-1.20"])
    carried = s2.lines.get(section=Section.CARRIED_FORWARD)
    assert (carried.source_kind, carried.amount) == (SourceKind.STATEMENT, Decimal(expected["S2"]["carried_forward"]))


def test_orders_recorded_outside_october_are_not_on_its_statements(golden_world, golden):
    october(golden_world, golden)

    for name in golden["expected"]["not_in_october"]:
        booked = StatementLine.objects.filter(order_number=golden_world.orders[name].number, source_kind=SourceKind.ORDER)
        assert not booked.filter(statement__month=generation.parse_month("2026-10")).exists(), name
    late = golden_world.orders["O3"]
    late.refresh_from_db()
    assert (late.delivered_at, late.delivery_recorded_at) == (at("2026-10-31T22:00:00+08:00"), at("2026-11-01T00:00:10+08:00"))


def test_the_transit_damage_claim_stays_open_with_the_logistics_provider(golden_world, golden):
    october(golden_world, golden)

    claims = {claim.order.number: str(claim.amount) for claim in LogisticsClaim.objects.filter(state="open")}
    assert claims == {golden_world.orders[name].number: amount for name, amount in golden["expected"]["logistics_claims_open"].items()}


def test_regenerating_october_gives_the_same_figures_and_no_duplicate_line(golden_world, golden):
    first = {s.supplier_id: figures(s) for s in october(golden_world, golden).values()}
    lines = StatementLine.objects.count()

    again = golden_world.generate(golden["month"], now=at(golden["generate_at"]).replace(hour=3))

    assert {s.supplier_id: figures(s) for s in again.values()} == first
    assert StatementLine.objects.count() == lines


def test_the_november_run_books_the_late_delivery_and_the_first_november_storage_fee(golden_world, golden):
    october(golden_world, golden)
    replay(golden_world, golden, since=at(golden["generate_at"]), until=at("2026-12-01T00:00:00+08:00"))

    november = golden_world.generate("2026-11", now=at("2026-12-01T02:00:00+08:00"))

    s1 = november[golden_world.suppliers["S1"].name]
    assert [line.order_number for line in s1.lines.filter(section=Section.DELIVERY)] == [golden_world.orders["O3"].number]
    assert list(s1.lines.filter(section=Section.EXTRA_COST).values_list("description", flat=True)) == ["storage 2026-11-01"]


def test_the_statement_page_names_cost_kinds_and_return_outcomes_as_the_pdf_does(golden_world, golden):
    from tests.portal import logged_in

    s1 = october(golden_world, golden)[golden_world.suppliers["S1"].name]
    page = logged_in(golden_world.finance_a).get(f"/settlement/statements/{s1.pk}/").content.decode()

    costs = page.split('data-testid="section-extra_cost"', 1)[1].split("</table>", 1)[0]
    assert "redelivery" not in costs and "storage " not in costs and ("二次配送费" in costs or "仓储费" in costs)

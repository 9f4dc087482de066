"""The statement PDF as a reader sees its table (pdftotext -layout): a SKU on one line, or broken after a hyphen when
longer than its column, never inside a run of letters or digits; an adjustment's reason starts a line of its own, so no
line starts with the colon after its number and kind, nor with a colon or comma of the reason."""
import re
import subprocess
from datetime import datetime

import pytest

from settlement.models import Statement
from settlement.pdf import render_statement
from settlement.services import adjustments, generation
from tests.factories import SHANGHAI, GiftFactory
from tests.settlement.conftest import GENERATED_AT, OCTOBER, booked_order, paying_account

pytestmark = pytest.mark.django_db
REASON = "对账 final.csv 第2行 RO20261001123456789012 HOME-TOWEL-01 配送：数量不符（以礼品商为准（调账））"
HANGING = "延迟发货" * 3 + "违约金" + "：按合同扣款"  # 15 characters fill a line of the description: the colon would start the next


def laid_out(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "statement.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True).stdout


@pytest.fixture
def statement(supplier, finance, finance_checker):
    """October's statement: deliveries of a towel (a 13-character SKU) and of a gift with a 25-character SKU, and a
    reconciliation correction with a long reason, and a penalty whose reason has a colon where a line of it ends."""
    paying_account(supplier)
    for sku in ("HOME-TOWEL-01", "HOME-TOWEL-EXTRA-LARGE-01"):
        GiftFactory(supplier=supplier, sku=sku)
        order = booked_order(supplier, "50.00", recorded_at=datetime(2026, 10, 3, 10, 0, tzinfo=SHANGHAI))
        order.gift = supplier.gifts.get(sku=sku)
        order.save(update_fields=["gift"])
    for kind, reason in (("reconciliation", REASON), ("penalty", HANGING)):
        made = adjustments.propose_adjustment(supplier=supplier, kind=kind, amount="-12.50", reason=reason,
                                              actor=finance, now=datetime(2026, 10, 20, tzinfo=SHANGHAI))
        adjustments.approve_adjustment(adjustment=made, actor=finance_checker, now=datetime(2026, 10, 21, tzinfo=SHANGHAI))
    generation.generate_now(month=OCTOBER, actor=finance, now=GENERATED_AT)
    return Statement.objects.get(supplier=supplier, month=OCTOBER)


def test_a_sku_that_fits_its_column_stays_whole_and_a_longer_one_breaks_after_a_hyphen(statement, tmp_path):
    text = laid_out(render_statement(statement.versions.get()), tmp_path)

    deliveries = text.split("1. 配送结算 Deliveries", 1)[1].split("2. 退货冲减", 1)[0]
    assert re.search(r"\sHOME-TOWEL-01\s", deliveries)
    pieces = re.findall(r"(?<!\S)((?:HOME|TOWEL|EXTRA|LARGE)[A-Z0-9-]*)(?!\S)", deliveries)
    assert sorted(pieces) == ["EXTRA-LARGE-01", "HOME-TOWEL-", "HOME-TOWEL-01"]  # lines of equal times in either order
    broken = pieces.index("HOME-TOWEL-")
    assert pieces[broken + 1] == "EXTRA-LARGE-01"  # the longer SKU on two lines, split after a hyphen


def test_no_line_of_an_adjustment_starts_with_a_colon(statement, tmp_path):
    text = laid_out(render_statement(statement.versions.get()), tmp_path)

    booked = text.split("4. 调账 Adjustments", 1)[1].split("5. 上期结转", 1)[0]
    assert "对账更正：" in booked and "对账 final.csv" in booked and "违约金：" in booked  # the colon hangs at the line's end
    assert not re.search(r"(^|\s)：", booked)

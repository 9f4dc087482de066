"""Operators credit points from a CSV/XLSX file: one idempotent batch per file, a bad row rejects the file."""
import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from core.errors import ValidationFailed
from core.tabular import TableRejected
from points.models import CreditUpload, LedgerEntry
from points.services import credit_uploads, credits, ledger
from tests.workbooks import cell, row, workbook
from tests.api_schema import mismatches

pytestmark = pytest.mark.django_db


def csv_file(rows: list[str], encoding: str = "utf-8") -> bytes:
    return ("\n".join(rows) + "\n").encode(encoding)


def credit_from_file(*, file_name: str, content: bytes, actor, now) -> CreditUpload:
    """A file uploaded, confirmed and credited (its task run here), as an operator does it from the portal or the API."""
    upload = credit_uploads.upload_credit_file(actor=actor, now=now, file_name=file_name, content=content)
    credit_uploads.confirm_credit_upload(upload=upload, actor=actor, now=now)
    return credit_uploads.credit_upload(upload_id=upload.pk, now=now)


def test_a_file_credits_every_row_once_even_when_uploaded_twice(member, other_member, operator, now):
    content = csv_file(["手机号,积分,原因", f"{member.phone},300,活动奖励", f"{other_member.phone},200,"], "gbk")

    first = credit_from_file(file_name="credits.csv", content=content, actor=operator, now=now)
    again = credit_from_file(file_name="credits-copy.csv", content=content, actor=operator, now=now)
    saved_as_utf8 = credit_from_file(file_name="credits.csv", content=content.decode("gbk").encode("utf-8-sig"), actor=operator, now=now)

    assert (first.replayed, again.replayed, saved_as_utf8.replayed) == (False, True, True)
    assert first.batch == again.batch == saved_as_utf8.batch
    assert first.status == again.status == saved_as_utf8.status == "credited" and LedgerEntry.objects.count() == 2
    assert (ledger.account_of(member).balance, ledger.account_of(other_member).balance) == (300, 200)
    assert list(LedgerEntry.objects.order_by("id").values_list("reason_code", flat=True)) == ["promotion", "bulk_credit"]


def test_an_xlsx_file_works_too(member, operator, now):
    sheet = tablib.Dataset(headers=["phone", "points"])
    sheet.append([member.phone, 1234])

    credit_from_file(file_name="credits.xlsx", content=sheet.export("xlsx"), actor=operator, now=now)

    assert ledger.account_of(member).balance == 1234


@pytest.mark.parametrize("file_name", ["credits.csv", "credits.xlsx"])
def test_phone_numbers_typed_as_the_member_lookup_takes_them_find_their_members(member, other_member, operator, now, file_name):
    spaced = f"{member.phone[:3]} {member.phone[3:7]} {member.phone[7:]}"
    with_country_code = f"+86 {other_member.phone[:3]} {other_member.phone[3:7]} {other_member.phone[7:]}"
    sheet = tablib.Dataset(headers=["手机号", "积分"])
    sheet.append([spaced, 300])
    sheet.append([with_country_code, 200])
    content = sheet.export("xlsx") if file_name.endswith(".xlsx") else sheet.export("csv").encode()

    credit_from_file(file_name=file_name, content=content, actor=operator, now=now)

    assert (ledger.account_of(member).balance, ledger.account_of(other_member).balance) == (300, 200)


def test_a_typed_phone_of_no_member_is_still_reported_as_typed(member, operator, now):
    with pytest.raises(TableRejected) as rejected:
        credits.read_credit_file(file_name="credits.csv", content=csv_file(["phone,points", "+86 199 9999 9999,100"]))

    assert [(p.column, p.code) for p in rejected.value.problems] == [("phone", "unknown_member")]
    assert "+86 199 9999 9999" in rejected.value.problems[0].detail
    assert not LedgerEntry.objects.exists()


@pytest.mark.parametrize(
    ("rows", "attr"),
    [
        (["phone,points", "{phone},abc"], "rows.2.points"),
        (["phone,points", "{phone},0"], "rows.2.points"),
        (["phone,points", "{phone},²"], "rows.2.points"),
        (["phone,points", "{phone},٣"], "rows.2.points"),
        (["phone,points", "{phone},３"], "rows.2.points"),
        pytest.param(["phone,points", "{phone}," + "1" * 5000], "rows.2.points", id="5000-digits"),
        (["phone,points", "{phone},100", "19999999999,100"], "rows.3.phone"),
        (["phone,amount", "{phone},100"], "file"),
        (["phone,points"], "file"),
    ],
)
def test_a_bad_row_or_header_rejects_the_whole_file(member, operator, now, rows, attr):
    content = csv_file([r.replace("{phone}", member.phone) for r in rows])

    with pytest.raises(TableRejected) as rejected:
        credit_from_file(file_name="credits.csv", content=content, actor=operator, now=now)

    assert attr in {p.attr for p in rejected.value.problems}
    assert not LedgerEntry.objects.exists()


def test_a_date_cell_at_the_calendars_edge_is_a_bad_row_naming_its_row_and_credits_nothing(member, operator, now):
    """No import reads a day; a date-formatted cell (9999-12-31, and a serial past any date) where a number belongs is
    read as text and refused with its row, not a server error, and the good row before it is not credited either."""
    header = row(1, cell("A1", "phone"), cell("B1", "points"))
    good = row(2, cell("A2", member.phone), cell("B2", "50"))
    content = workbook(header, good, *(row(n, cell(f"A{n}", member.phone), f'<c r="B{n}" s="1"><v>{serial}</v></c>')
                                       for n, serial in ((3, 2958465), (4, 2958466))), dates=True)

    with pytest.raises(TableRejected) as rejected:
        credit_from_file(file_name="credits.xlsx", content=content, actor=operator, now=now)

    assert [(p.attr, p.code) for p in rejected.value.problems] == [("rows.3.points", "invalid"), ("rows.4.points", "invalid")]
    assert "第3行" in rejected.value.problems[0].detail
    assert not LedgerEntry.objects.exists()


def test_the_api_takes_a_file_from_operators_only(api, member, operator, finance):
    upload = lambda: SimpleUploadedFile("c.csv", csv_file(["phone,points", f"{member.phone},50"]), content_type="text/csv")  # noqa: E731

    refused = api(finance).post("/api/v1/points/credit-files/", {"file": upload()}, format="multipart")
    created = api(operator).post("/api/v1/points/credit-files/", {"file": upload()}, format="multipart")

    assert refused.status_code == 403
    assert created.status_code == 201 and (created.json()["state"], created.json()["preview"]["points"]) == ("previewed", 50)
    assert not LedgerEntry.objects.exists()


def test_the_api_refuses_a_points_cell_that_is_not_ascii_digits_naming_its_row(api, member, operator):
    upload = SimpleUploadedFile("c.csv", csv_file(["phone,points", f"{member.phone},50", f"{member.phone},²"]), content_type="text/csv")

    response = api(operator).post("/api/v1/points/credit-files/", {"file": upload}, format="multipart")

    assert response.status_code == 400
    assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == [("rows.3.points", "invalid")]
    assert not LedgerEntry.objects.exists()


def test_a_batch_id_reused_for_other_rows_is_refused_and_the_same_rows_are_replayed(api, member, operator):
    client = api(operator)
    first = client.post("/api/v1/points/credits/", {"batch": "B-1", "rows": [{"phone": member.phone, "points": 100}]}, format="json")
    same = client.post("/api/v1/points/credits/", {"batch": "B-1", "rows": [{"phone": member.phone, "points": 100}]}, format="json")
    other = client.post("/api/v1/points/credits/", {"batch": "B-1", "rows": [{"phone": member.phone, "points": 500}]}, format="json")

    assert (first.status_code, same.status_code) == (201, 200)
    assert (first.json()["replayed"], same.json()["replayed"]) == (False, True) and first.json()["entries"] == same.json()["entries"]
    assert other.status_code == 409 and [(e["code"], e["attr"]) for e in other.json()["errors"]] == [("batch_taken", "batch")]
    assert ledger.account_of(member).balance == 100


def sent_and_confirmed(client, upload, capture) -> str:
    """The page of a file sent from the portal and confirmed there, its task run once the confirmation commits."""
    client.post("/member/credits/", {"file": upload})
    pk = CreditUpload.objects.latest("pk").pk
    with capture(execute=True):
        client.post(f"/member/credits/{pk}/confirm/")
    return client.get(f"/member/credits/{pk}/").content.decode()


def test_the_portal_says_when_a_file_was_credited_before(member, operator, django_capture_on_commit_callbacks):
    client = Client()
    client.force_login(operator)
    upload = lambda: SimpleUploadedFile("c.csv", csv_file(["phone,points", f"{member.phone},50"]), content_type="text/csv")  # noqa: E731

    first = sent_and_confirmed(client, upload(), django_capture_on_commit_callbacks)
    client.post("/member/credits/", {"file": upload()})
    again_pk = CreditUpload.objects.latest("pk").pk
    preview = client.get(f"/member/credits/{again_pk}/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/member/credits/{again_pk}/confirm/")
    again = client.get(f"/member/credits/{again_pk}/").content.decode()

    assert "已发放 1 行，共 50 积分" in first
    assert 'data-testid="credited-before"' in preview and "确认后不会重复发放" in preview
    assert "发放过" in again and "本次未重复发放" in again and again.count("data-testid=\"credited\"") == 1
    assert ledger.account_of(member).balance == 50


def test_the_portal_page_shows_each_problem_and_credits_nothing(member, operator):
    client = Client()
    client.force_login(operator)
    bad = SimpleUploadedFile("c.csv", csv_file(["phone,points", f"{member.phone},-5"]), content_type="text/csv")

    page = client.post("/member/credits/", {"file": bad}).content.decode()

    assert 'data-testid="problems"' in page and "第2行" in page
    assert not LedgerEntry.objects.exists()


def test_operators_see_every_order_and_can_cancel_one_from_the_portal(rich_member, listed_gift, operator, now):
    from points.services import orders
    from tests.factories import ADDRESS

    order = orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=1, now=now, **ADDRESS)
    client = Client()
    client.force_login(operator)

    listing = client.get("/member/order-admin/?state=confirmed").content.decode()
    client.post(f"/member/order-admin/{order.pk}/cancel/", {"reason": "会员来电取消"})
    detail = client.get(f"/member/order-admin/{order.pk}/").content.decode()

    order.refresh_from_db()
    assert order.number in listing
    assert order.state == "cancelled" and "会员来电取消" in detail
    assert "<td>物流仓发货</td>" in detail  # the fulfilment by its name, not its code
    assert rich_member.phone not in detail and "138****" in detail


def test_a_credit_reason_must_be_a_credit_reason_so_members_never_read_a_made_up_one(api, member, operator, now):
    refused_file = csv_file(["phone,points,reason_code", f"{member.phone},5,order_cancelled"])

    with pytest.raises(TableRejected) as file_refused:
        credit_from_file(file_name="credits.csv", content=refused_file, actor=operator, now=now)
    by_api = api(operator).post("/api/v1/points/credits/", {"batch": "B9", "rows": [
        {"phone": member.phone, "points": 5, "reason_code": "<script>x</script>"}]}, format="json")
    credits.credit_points_in_bulk(batch_id="B10", rows=[{"phone": member.phone, "points": 5, "reason_code": "earn"}], actor=operator, now=now)
    history = Client()
    history.force_login(member.user)

    assert [(p.row, p.column) for p in file_refused.value.problems] == [(2, "reason_code")]
    assert by_api.status_code == 400 and by_api.json()["errors"][0]["attr"] == "rows.0.reason_code"
    assert list(LedgerEntry.objects.values_list("reason_code", flat=True)) == ["earn"]
    assert "消费获得积分" in history.get("/member/points/").content.decode()


def test_the_portal_names_a_bad_cells_column_as_the_files_header_does(member, operator):
    client = Client()
    client.force_login(operator)
    bad = SimpleUploadedFile("c.csv", csv_file(["手机号,积分", f"{member.phone},-5"]), content_type="text/csv")

    page = client.post("/member/credits/", {"file": bad}).content.decode()

    problems = page.split('data-testid="problems"', 1)[1].split("</table>", 1)[0]
    assert "<td>积分</td>" in problems and "<td>points</td>" not in problems


@pytest.mark.parametrize(("header", "named"), [("phone", "缺少列「points」"), ("手机号", "缺少列「积分」")])
def test_a_missing_column_is_named_in_the_language_of_the_files_header(member, operator, now, header, named):
    content = csv_file([header, member.phone])

    with pytest.raises(TableRejected) as rejected:
        credit_from_file(file_name="credits.csv", content=content, actor=operator, now=now)

    assert [p.detail for p in rejected.value.problems] == [named]
    assert not LedgerEntry.objects.exists()


def test_the_portal_counts_the_rows_credited_in_english_words(member, operator, django_capture_on_commit_callbacks):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(operator)
    upload = SimpleUploadedFile("c.csv", csv_file(["phone,points", f"{member.phone},50"]), content_type="text/csv")

    page = sent_and_confirmed(client, upload, django_capture_on_commit_callbacks)  # credited by a task once confirmed

    assert "Credited 1 row, 50 points in total." in page and "row(s)" not in page


def test_crediting_a_batch_answers_batch_replayed_and_entries_as_the_schema_documents(api, member, operator):
    """201 the first time, 200 with `replayed` true and the earlier entries the next, each answer as the schema
    documents it."""
    client = api(operator)
    body = {"batch": "B-7", "rows": [{"phone": member.phone, "points": 100}]}

    first, again = (client.post("/api/v1/points/credits/", body, format="json") for _ in range(2))

    assert (first.status_code, again.status_code) == (201, 200)
    assert (first.json()["replayed"], again.json()["replayed"]) == (False, True)
    assert first.json()["batch"] == again.json()["batch"] == "B-7" and first.json()["entries"] == again.json()["entries"]
    assert mismatches("POST", "/api/v1/points/credits/", first) == mismatches("POST", "/api/v1/points/credits/", again) == []
    assert ledger.account_of(member).balance == 100


def test_a_row_with_a_blank_phone_says_the_phone_is_empty_naming_its_row_and_column(member, operator, now):
    content = csv_file(["手机号,积分", f"{member.phone},50", " ,100"])

    with pytest.raises(TableRejected) as rejected:
        credit_from_file(file_name="credits.csv", content=content, actor=operator, now=now)

    assert [(p.attr, p.code) for p in rejected.value.problems] == [("rows.3.phone", "required")]
    assert rejected.value.problems[0].detail == "第3行：「手机号」列为空，请填写会员的手机号"
    assert not LedgerEntry.objects.exists()


def test_rows_given_as_a_list_with_a_blank_phone_are_refused_saying_it_is_empty(api, member, operator, now):
    with pytest.raises(ValidationFailed) as refused:
        credits.credit_points_in_bulk(batch_id="B-1", rows=[{"phone": member.phone, "points": 5}, {"phone": "  ", "points": 100}],
                                      actor=operator, now=now)
    response = api(operator).post("/api/v1/points/credits/", {"batch": "B-1", "rows": [{"phone": "", "points": 100}]}, format="json")

    assert [(attr, code) for attr, code, _detail in refused.value.errors] == [("rows.1.phone", "required")]
    assert "第2行：「手机号」列为空" in refused.value.detail and "未找到" not in refused.value.detail
    assert response.status_code == 400 and [e["attr"] for e in response.json()["errors"]] == ["rows.0.phone"]
    assert not LedgerEntry.objects.exists()


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_the_upload_page_offers_the_template_whose_columns_filled_in_credit(member, operator, now, file_format):
    client = Client()
    client.force_login(operator)
    page = client.get("/member/credits/").content.decode()

    template = client.get(f"/member/credits/template.{file_format}")

    links = page.split('data-testid="template-links"', 1)[1].split("</p>", 1)[0]
    assert "下载模板" in links and f'href="/member/credits/template.{file_format}"' in links
    assert template.status_code == 200 and "attachment" in template["Content-Disposition"]
    headers = tablib.Dataset().load(template.content.decode("utf-8-sig"), format="csv").headers if file_format == "csv" else \
        tablib.Dataset().load(template.content, format="xlsx").headers
    assert headers == ["手机号", "积分", "原因"]
    filled = csv_file([",".join(headers), f"{member.phone},50,promotion"])
    assert credit_from_file(file_name="filled.csv", content=filled, actor=operator, now=now).points_total == 50


def test_the_template_is_for_operators_in_csv_or_xlsx_only(operator, finance):
    staff, other = Client(), Client()
    staff.force_login(operator)
    other.force_login(finance)

    assert staff.get("/member/credits/template.pdf").status_code == 404
    assert other.get("/member/credits/template.csv").status_code == 403

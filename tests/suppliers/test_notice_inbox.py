"""The supplier's inbox: its unread notices counted in the navigation and in `GET /api/v1/me/` as other waiting work
is, and marked read all at once, only the supplier's own; each notice named by its kind, which the page filters by."""
import re

import pytest

from core.errors import PermissionDenied
from suppliers.models import Notice
from suppliers.services import notices
from tests.factories import NoticeFactory
from tests.portal import listed, logged_in, nav

pytestmark = pytest.mark.django_db


def badge(response) -> str | None:
    found = re.search(r'data-testid="nav-badge-supplier-notices" title="([^"]*)">(\d+)<', nav(response))
    return found and f"{found[1]} {found[2]}"


def test_the_navigation_counts_the_suppliers_unread_notices_only(supplier, other_supplier, supplier_staff, now):
    NoticeFactory.create_batch(3, supplier=supplier)
    NoticeFactory(supplier=supplier, read_at=now)
    NoticeFactory(supplier=other_supplier)

    response = logged_in(supplier_staff).get("/supplier/gifts/")

    assert badge(response) == "未读 3"


def test_the_api_tells_a_supplier_user_its_unread_notices_wait(api, supplier, supplier_admin):
    NoticeFactory.create_batch(2, supplier=supplier)

    waiting = api(supplier_admin).get("/api/v1/me/").json()["waiting"]

    assert {"page": "/supplier/notices/", "label": "站内通知", "count": 2} in waiting


def test_marking_all_read_reads_the_suppliers_unread_notices_and_clears_the_badge(supplier, other_supplier, supplier_staff, now):
    unread = NoticeFactory.create_batch(2, supplier=supplier)
    read_before = NoticeFactory(supplier=supplier, read_at=now.replace(hour=8))
    theirs = NoticeFactory(supplier=other_supplier)
    client = logged_in(supplier_staff)

    response = client.post("/supplier/notices/read-all/", {"next": "/supplier/notices/?unread=1"}, follow=True)

    assert response.redirect_chain[-1][0] == "/supplier/notices/?unread=1" and "全部通知已标为已读" in response.content.decode()
    assert badge(response) is None
    assert all(Notice.objects.get(pk=n.pk).read_at is not None for n in unread)
    assert Notice.objects.get(pk=read_before.pk).read_at == read_before.read_at  # read earlier: keeps its time
    assert Notice.objects.get(pk=theirs.pk).read_at is None  # another supplier's inbox is not touched


def test_the_inbox_page_and_the_api_list_the_same_notices_for_unread_yes_and_no(supplier, other_supplier, supplier_staff, now):
    read, unread = NoticeFactory.create_batch(2, supplier=supplier)
    NoticeFactory(supplier=other_supplier)
    notices.mark_notice_read(notice_id=read.pk, actor=supplier_staff, now=now)

    page = {word: listed(supplier_staff, "/supplier/notices/", unread=word) for word in ("true", "false", "")}
    api = {word: listed(supplier_staff, "/api/v1/notices/", unread=word) for word in ("true", "false", "")}

    assert page == api == {"true": [unread.pk], "false": [read.pk], "": sorted([read.pk, unread.pk])}


def test_the_inbox_offers_marking_all_read_to_its_supplier(supplier, supplier_staff):
    NoticeFactory(supplier=supplier)

    page = logged_in(supplier_staff).get("/supplier/notices/").content.decode()

    assert 'data-testid="mark-all-read"' in page and 'action="/supplier/notices/read-all/"' in page and "全部标为已读" in page


def test_marking_all_read_takes_a_post(supplier_staff):
    assert logged_in(supplier_staff).get("/supplier/notices/read-all/").status_code == 405


def test_an_operator_may_read_the_inboxes_but_marks_nothing_read_for_a_supplier(supplier, operator, now):
    notice = NoticeFactory(supplier=supplier)
    client = logged_in(operator)

    refused_all = client.post("/supplier/notices/read-all/")
    refused_one = client.post("/supplier/notices/", {"notice": notice.pk}, follow=True)

    assert refused_all.status_code == 403
    assert [m.level_tag for m in refused_one.context["messages"]] == ["error"]
    assert Notice.objects.get(pk=notice.pk).read_at is None
    assert 'data-testid="mark-all-read"' not in client.get("/supplier/notices/").content.decode()


def test_the_service_marks_the_actors_own_unread_notices_and_says_how_many(supplier, other_supplier, supplier_admin, operator, now):
    NoticeFactory.create_batch(2, supplier=supplier)
    NoticeFactory(supplier=other_supplier)

    marked = notices.mark_all_notices_read(actor=supplier_admin, now=now)
    again = notices.mark_all_notices_read(actor=supplier_admin, now=now)

    assert (marked, again) == (2, 0)
    with pytest.raises(PermissionDenied):
        notices.mark_all_notices_read(actor=operator, now=now)
    assert Notice.objects.filter(read_at__isnull=True).count() == 1


def test_an_operator_reaches_every_suppliers_notices_from_the_navigation_each_naming_its_supplier(supplier, other_supplier, operator):
    NoticeFactory(supplier=supplier)
    NoticeFactory(supplier=other_supplier)

    response = logged_in(operator).get("/supplier/notices/")

    assert 'href="/supplier/notices/"' in nav(response) and "礼品商通知" in nav(response)
    named = re.findall(r'data-testid="notice-supplier">([^<]*)<', response.content.decode())
    assert sorted(named) == sorted([supplier.name, other_supplier.name])
    assert 'data-testid="mark-all-read"' not in response.content.decode()  # an operator reads the inboxes, marks nothing


def test_an_operator_narrows_every_inbox_to_a_supplier_to_those_asking_action_and_by_words(supplier, other_supplier, operator):
    statement = NoticeFactory(supplier=supplier, kind="statement_issued", title="结算单已下发")
    paid = NoticeFactory(supplier=supplier, kind="statement_paid", title="结算单已付款")
    others = NoticeFactory(supplier=other_supplier, kind="statement_issued", title="结算单已下发")

    assert listed(operator, "/supplier/notices/", supplier=supplier.pk) == sorted([statement.pk, paid.pk])
    assert listed(operator, "/supplier/notices/", action="1") == sorted([statement.pk, others.pk])
    assert listed(operator, "/supplier/notices/", action="false") == [paid.pk]
    assert listed(operator, "/supplier/notices/", q="付款") == [paid.pk]
    assert listed(operator, "/supplier/notices/", q=other_supplier.name) == [others.pk]


def test_a_supplier_searches_its_own_inbox_without_a_supplier_filter(supplier, other_supplier, supplier_staff):
    own = NoticeFactory(supplier=supplier, title="结算单已下发")
    NoticeFactory(supplier=other_supplier, title="结算单已下发")

    response = logged_in(supplier_staff).get("/supplier/notices/", {"q": "结算单"})

    assert [notice.pk for notice in response.context["page_obj"]] == [own.pk]
    assert 'name="supplier"' not in response.content.decode()


def test_the_notices_api_narrows_as_the_inbox_page_does(supplier, other_supplier, operator, supplier_staff, api):
    statement = NoticeFactory(supplier=supplier, kind="statement_issued", title="结算单已下发")
    paid = NoticeFactory(supplier=supplier, kind="statement_paid", title="结算单已付款")
    others = NoticeFactory(supplier=other_supplier, kind="statement_issued", title="结算单已下发")

    def api_listed(user, **query) -> list[int]:
        response = api(user).get("/api/v1/notices/", query)
        assert response.status_code == 200, response.content
        return sorted(row["id"] for row in response.json()["results"])

    assert api_listed(operator, supplier=supplier.pk) == sorted([statement.pk, paid.pk])
    assert api_listed(operator, action="true") == sorted([statement.pk, others.pk])
    assert api_listed(operator, action="false") == [paid.pk]
    assert api_listed(operator, search="付款") == [paid.pk]
    assert api_listed(operator, search=other_supplier.name) == [others.pk]
    assert api_listed(supplier_staff, search="结算单") == sorted([statement.pk, paid.pk])
    assert api(operator).get("/api/v1/notices/", {"action": "maybe"}).json()["errors"][0]["attr"] == "action"


def test_the_inbox_names_each_notices_kind_and_filters_by_it_for_operators_and_suppliers(supplier, other_supplier, operator, supplier_staff):
    issued = NoticeFactory(supplier=supplier, kind="statement_issued", title="结算单已下发")
    paid = NoticeFactory(supplier=supplier, kind="statement_paid", title="结算单已付款")
    theirs = NoticeFactory(supplier=other_supplier, kind="statement_paid", title="结算单已付款")

    page = logged_in(operator).get("/supplier/notices/").content.decode()
    offered = re.search(r'<select name="kind"[^>]*>(.*?)</select>', page, re.S)[1]

    assert sorted(re.findall(r'data-testid="notice-kind">([^<]*)<', page)) == ["结算单下发", "结算单付款", "结算单付款"]
    assert '<option value="statement_paid">结算单付款</option>' in offered and '<option value="gift_retired">礼品退市</option>' in offered
    assert listed(operator, "/supplier/notices/", kind="statement_paid") == sorted([paid.pk, theirs.pk])
    assert listed(supplier_staff, "/supplier/notices/", kind="statement_paid") == [paid.pk]
    assert listed(supplier_staff, "/supplier/notices/", kind="statement_issued") == [issued.pk]


def test_the_kinds_are_named_in_english_for_an_english_reader(supplier, supplier_staff):
    NoticeFactory(supplier=supplier, kind="statement_paid")

    page = logged_in(supplier_staff).get("/supplier/notices/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert re.findall(r'data-testid="notice-kind">([^<]*)<', page) == ["Statement paid"]


def test_an_unknown_kind_is_an_error_next_to_the_filter_and_lists_nothing(supplier, supplier_staff):
    NoticeFactory(supplier=supplier, kind="statement_paid")

    response = logged_in(supplier_staff).get("/supplier/notices/", {"kind": "no_such_kind"})

    assert response.status_code == 400
    assert "kind" in response.context["filters"].errors and list(response.context["page_obj"]) == []

"""Every portal page runs the same number of queries whatever the number of rows it shows: each list reachable from the
navigation, the detail pages of the main objects with their history, lines and children tables, and the lists'
downloads (CSV: its lines are the rows), opened as the role that uses it on the demo data (one or two rows of each kind), then again once every kind of row the pages show has
eight more copies. A page whose count grows reads its rows one by one (an N+1).

The copies are made here, not through the services: a copy is its original with what must stay unique changed (a
number gets a suffix, a month or a due day goes back a year, a one-to-one link gets a copy of its own target or none),
and the aggregates whose pages list their children (a statement's versions and lines, a gift's prices and stock, an
assessment's KPI results…) bring copies of those children along."""
import csv
import itertools
import re
import uuid
from copy import copy as copy_of
from dataclasses import dataclass
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection, models, transaction
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.helpers import rolled_back_after
from tests.portal import body

pytestmark = [
    pytest.mark.django_db,  # the test database is set up before the pages are counted (once, in the fixture)
    pytest.mark.xdist_group("portal_query_counts"),  # with --dist loadgroup, one worker counts them all: one world
]

COPIES = 8
#: rows that count as a row of a page: table rows and list items
ROW = re.compile(r"<(tr|li)\b")
#: reference data and accounts: not rows of a page (the members and suppliers of the demo are copied through what needs
#: a copy of its own: a points account brings its member, a member its user)
NOT_COPIED = {
    "Program", "Category", "Tariff", "KpiSetting", "User", "Member", "SupplierMembership", "Location",
    "IdempotencyRecord", "AccessLog",
}
#: the aggregates whose pages list their children: a copy brings copies of these children (numbered after the copies
#: of the children themselves, so that their unique values differ)
WITH_CHILDREN = {
    "Gift": ["prices", "stock_records"], "Statement": ["versions", "lines"], "Assessment": ["results", "penalties"],
    "Announcement": ["deliveries"], "Reconciliation": ["lines"], "ReturnRequest": ["goods_back"],
}
#: rows a composite unique key ties to one parent: copied only with a copy of that parent
ONLY_WITH_PARENT = {"GiftPrice", "KpiResult", "PenaltyProposal", "GiftRevision",
                    "ReplenishmentRequest", "HandoffItem", "GoodsBack"}
#: rows unique per gift and location, or per announcement and supplier: a copy goes with a copy of the location or
#: supplier (a supplier has one location of its own: the rows there are not copied)
WITH_A_NEW = {"StockRecord": "location", "LeftoverLot": "location", "AnnouncementDelivery": "supplier"}
#: rows a partial unique key allows only once while pending (one pending change per supplier and field): their copies
#: are decided ones
COPIED_AS = {"ProfileChange": {"state": "withdrawn"}}
PROJECT_APPS = {"core", "points", "suppliers", "logistics", "settlement"}


def _unique_fields(model) -> set[str]:
    names = {field.name for field in model._meta.concrete_fields if field.unique and not field.primary_key}
    for constraint in model._meta.constraints:
        names |= set(getattr(constraint, "fields", ()) or ())
    for together in model._meta.unique_together:
        names |= set(together)
    return names


def _copy(row, n: int, pending: dict, **parent):
    """A copy of `row` (the n-th), with its unique values changed, and copies of its children when it is an aggregate
    whose page lists them: added to `pending` (kind → copies) after the copies it points to, before its children's."""
    model = type(row)
    copy = copy_of(row)
    copy.pk = copy.id = None
    for name in _unique_fields(model) - set(parent):
        field, value = model._meta.get_field(name), getattr(copy, model._meta.get_field(name).attname)
        if value in (None, ""):
            continue
        if isinstance(field, models.OneToOneField):
            setattr(copy, field.name, None if field.null else _copy(getattr(row, field.name), n, pending))
        elif isinstance(field, models.ForeignKey) or field.choices:
            continue
        elif isinstance(field, models.CharField):
            setattr(copy, field.attname, f"{value}~{n}"[-field.max_length:])
        elif isinstance(field, models.IntegerField):
            setattr(copy, field.attname, value + 1000 * n)
        elif isinstance(field, models.DateField):
            setattr(copy, field.attname, value.replace(year=value.year - n))
        elif isinstance(field, models.UUIDField):
            setattr(copy, field.attname, uuid.uuid4())
    for name, value in parent.items():
        setattr(copy, name, value)
    copy.__dict__.update(COPIED_AS.get(model.__name__, {}))  # past a protected state field's guard
    pending.setdefault(model, []).append(copy)
    for children in WITH_CHILDREN.get(model.__name__, []):
        relation = model._meta.get_field(children)
        for child in relation.related_model.objects.filter(**{relation.field.name: row}):
            _copy(child, n + COPIES, pending, **{relation.field.name: copy})
    return copy


def _insert(pending: dict) -> None:
    """The copies saved as they are (raw: no save() logic, no signals), each kind's in as few statements as the database
    takes, kinds in the order they were first copied: what a copy points to (its own copy of a one-to-one target or a
    location, the aggregate it is a child of) is saved before it (4,600 rows saved one by one took 2 s of CPU)."""
    for model, copies in pending.items():
        for copy in copies:
            copy._prepare_related_fields_for_save(operation_name="copy")  # the ids of the copies it points to
            if copy.pk is None:
                copy.pk = model._meta.pk.get_pk_value_on_save(copy)
        fields = [field for field in model._meta.local_concrete_fields
                  if field is not model._meta.auto_field or copies[0].pk is not None]
        returning = model._meta.db_returning_fields
        size = connection.ops.bulk_batch_size(fields, copies) or len(copies)
        for start in range(0, len(copies), size):
            batch = copies[start:start + size]
            for copy, values in zip(batch, model._base_manager._insert(batch, fields, returning, raw=True), strict=True):
                for field, value in zip(returning, values, strict=True):
                    setattr(copy, field.attname, value)
                copy._state.adding, copy._state.db = False, connection.alias


def more_of_every_row() -> None:
    """COPIES more copies of every row of every kind the pages show."""
    kinds = [model for model in apps.get_models() if model._meta.app_label in PROJECT_APPS and not model._meta.proxy
             and model.__name__ not in NOT_COPIED | ONLY_WITH_PARENT]
    originals, parents = {model: list(model.objects.all()) for model in kinds}, itertools.count(COPIES * 10)
    for model in kinds:
        if WITH_A_NEW.get(model.__name__) == "location":
            originals[model] = [row for row in originals[model] if row.location.supplier_id is None]
    with transaction.atomic():
        for model, rows in originals.items():
            new, pending = WITH_A_NEW.get(model.__name__), {}
            for n in range(1, COPIES + 1):
                for row in rows:
                    _copy(row, n, pending, **({new: _copy(getattr(row, new), next(parents), pending)} if new else {}))
            _insert(pending)


def richest(model, children: str, **filters):
    """The demo object of `model` with the most `children` (among those matching `filters`): the page with most rows."""
    return model.objects.filter(**filters).annotate(rows=Count(children)).order_by("-rows", "pk").first()


def _detail(name: str, model: str, children: str = "pk", **filters):
    """The page of the demo object of `app.Model` with the most `children`."""
    def url() -> str:
        return f"{name}{richest(apps.get_model(model), children, **filters).pk}/"
    return url


@dataclass(frozen=True)
class Page:
    user: str
    url: object  # a path, or a function of the demo data giving one
    #: the page shows as many rows either way: a home page's latest few, a first page already full on the demo data,
    #: an assessment's fixed KPIs (only its query count is compared)
    same_rows: bool = False


PAGES = {
    # a member's pages
    "member orders": Page("13800138001", "/member/orders/"),
    "member order detail": Page("13800138001", _detail("/member/orders/", "points.RedemptionOrder", "shipments",
                                                       member__phone="13800138001")),
    "member points": Page("13800138001", "/member/points/"),
    # a first page already full: the member's returns of the goods-back demo (step 57) were texted at each step
    "member messages": Page("13700137000", "/member/points/messages/", same_rows=True),
    "member shipments": Page("13800138001", "/logistics/my-shipments/"),
    "member returns": Page("13700137000", "/logistics/my-returns/"),
    "member return detail": Page("13700137000", _detail("/logistics/returns/", "logistics.ReturnRequest",
                                                        order__member__phone="13700137000")),
    "member complaints": Page("13800138001", "/member/complaints/"),
    # a supplier's pages
    "supplier home": Page("supplier_a", "/", same_rows=True),
    "supplier gifts": Page("supplier_a", "/supplier/gifts/"),
    "supplier gift detail": Page("supplier_a", _detail("/supplier/gifts/", "suppliers.Gift", "stock_records",
                                                       supplier__name__startswith="杭州")),
    "supplier stock": Page("supplier_b", "/supplier/stock/"),
    "supplier stock movements": Page("supplier_a", "/supplier/stock/movements/"),
    "supplier inbox": Page("supplier_a", "/supplier/notices/", same_rows=True),
    "supplier inbound": Page("supplier_a", "/logistics/announce/"),
    "supplier orders": Page("supplier_a", "/logistics/orders/"),
    "supplier dropship orders": Page("supplier_b", "/logistics/dropship/"),
    "supplier statements": Page("supplier_a", "/settlement/statements/"),
    "supplier statement detail": Page("supplier_a", _detail("/settlement/statements/", "settlement.Statement", "lines",
                                                            supplier__name__startswith="杭州")),
    "supplier adjustments": Page("supplier_b", "/settlement/adjustments/"),
    "supplier reconciliation detail": Page("supplier_a", _detail("/settlement/reconciliations/",
                                                                 "settlement.Reconciliation", "lines")),
    "supplier complaints": Page("supplier_a", "/complaints/"),
    "supplier extra costs": Page("supplier_a", "/logistics/extra-costs/"),
    "supplier returns": Page("supplier_a", "/logistics/returns/"),
    "supplier goods back": Page("supplier_a", "/logistics/goods-back/"),
    "supplier cases": Page("supplier_a", "/settlement/cases/"),
    "supplier profile": Page("supplier_a", "/supplier/profile/"),
    "supplier paperwork": Page("supplier_a", "/supplier/paperwork/"),
    # the operator's pages
    "operator home": Page("operator", "/", same_rows=True),
    "suppliers": Page("operator", "/supplier/review/"),
    "supplier detail": Page("operator", _detail("/supplier/review/", "suppliers.Supplier", "gifts")),
    "contracts": Page("operator", "/supplier/contracts/review/"),
    "qualifications": Page("operator", "/supplier/qualifications/review/"),
    "profile changes": Page("operator", "/supplier/profile-changes/review/"),
    "gift admin": Page("operator", "/supplier/gift-admin/"),
    "gift detail": Page("operator", _detail("/supplier/gifts/", "suppliers.Gift", "stock_records")),
    "orders": Page("operator", "/member/order-admin/"),
    "order detail": Page("operator", _detail("/member/order-admin/", "points.RedemptionOrder", "shipments")),
    "members": Page("operator", "/member/member-admin/"),
    "member page": Page("operator", _detail("/member/member-admin/", "points.Member", "orders")),
    "member text messages": Page("operator", lambda: f"/member/member-admin/{apps.get_model('points.Member').objects.get(phone='13700137000').pk}/messages/",
                                 same_rows=True),  # a first page already full, as the member's own
    "returns": Page("operator", "/logistics/returns/"),
    "return detail": Page("operator", _detail("/logistics/returns/", "logistics.ReturnRequest", "extra_costs")),
    "complaints": Page("operator", "/complaints/"),
    "complaint detail": Page("operator", _detail("/complaints/", "points.Complaint", "deadlines")),
    "announcements": Page("operator", "/supplier/announcements/manage/"),
    "announcement detail": Page("operator", _detail("/supplier/announcements/manage/", "suppliers.Announcement",
                                                    "deliveries")),
    "rectification cases": Page("operator", "/settlement/cases/"),
    "case detail": Page("operator", _detail("/settlement/cases/", "settlement.RectificationCase")),
    "re-evaluations": Page("operator", "/settlement/re-evaluations/"),
    "carrier events": Page("operator", "/logistics/carrier-events/"),
    # the logistics provider's pages
    "logistics home": Page("logistics", "/", same_rows=True),
    "inbound": Page("logistics", "/logistics/inbound/"),
    "inbound detail": Page("logistics", _detail("/logistics/inbound/", "logistics.InboundShipment", "extra_costs")),
    "handoff batches": Page("logistics", "/logistics/handoff/"),
    "shipments": Page("logistics", "/logistics/shipments/"),
    "shipment detail": Page("logistics", _detail("/logistics/shipments/", "logistics.Shipment", "events")),
    "bulk shipping files": Page("logistics", "/logistics/shipments/by-file/"),
    "stock": Page("logistics", "/supplier/stock/"),
    "stock movements": Page("logistics", "/supplier/stock/movements/"),
    "extra costs": Page("logistics", "/logistics/extra-costs/"),
    "extra cost detail": Page("logistics", _detail("/logistics/extra-costs/", "logistics.ExtraCost", state="recorded", order__isnull=False)),
    "leftovers": Page("logistics", "/logistics/leftovers/"),
    "goods back": Page("logistics", "/logistics/goods-back/"),
    "leftover detail": Page("logistics", _detail("/logistics/leftovers/", "logistics.LeftoverLot", "extra_costs")),
    "tariffs": Page("logistics", "/logistics/tariffs/"),
    # finance's pages
    "finance home": Page("finance", "/", same_rows=True),
    "settlement months": Page("finance", "/settlement/months/"),
    "statements": Page("finance", "/settlement/statements/"),
    "statement detail": Page("finance", _detail("/settlement/statements/", "settlement.Statement", "lines")),
    "adjustments": Page("finance", "/settlement/adjustments/"),
    "adjustment detail": Page("finance", _detail("/settlement/adjustments/", "settlement.Adjustment")),
    "reconciliations": Page("finance", "/settlement/reconciliations/"),
    "reconciliation detail": Page("finance", _detail("/settlement/reconciliations/", "settlement.Reconciliation",
                                                     "lines")),
    "claimed extra cost detail": Page("finance", _detail("/logistics/extra-costs/", "logistics.ExtraCost", payer="supplier", state="recorded")),
    "claims": Page("finance", "/logistics/claims/"),
    "claim detail": Page("finance", _detail("/logistics/claims/", "logistics.LogisticsClaim")),
    "assessments": Page("finance", "/settlement/assessments/"),
    "assessment detail": Page("finance", _detail("/settlement/assessments/", "settlement.Assessment", "results"),
                              same_rows=True),
    "penalties": Page("finance", "/settlement/assessments/penalties/"),
    "penalty rules": Page("finance", "/settlement/assessments/penalty-rules/"),
    # the lists' downloads (every row of the filter, not a page of them)
    "statements download": Page("finance", "/settlement/statements/export.csv"),
    "supplier statements download": Page("supplier_a", "/settlement/statements/export.csv"),
    "adjustments download": Page("finance", "/settlement/adjustments/export.csv"),
    "extra costs download": Page("logistics", "/logistics/extra-costs/export.csv"),
    "supplier extra costs download": Page("supplier_a", "/logistics/extra-costs/export.csv"),
    "stock download": Page("logistics", "/supplier/stock/export.csv"),
    "orders download": Page("operator", "/member/order-admin/export.csv"),
    "shipments download": Page("logistics", "/logistics/shipments/export.csv"),
    "inbound download": Page("logistics", "/logistics/inbound/export.csv"),
    "carrier events download": Page("operator", "/logistics/carrier-events/export.csv"),
    "complaints download": Page("operator", "/complaints/export.csv"),
}


@dataclass
class Counted:
    status: int
    queries: int
    rows: int
    sql: list[str]


def _open(client: Client, url: str) -> Counted:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        content = body(response)  # a download streams: its rows are read as it is sent
    if response["Content-Type"].startswith("text/csv"):
        rows = len(list(csv.reader(StringIO(content.decode("utf-8-sig"))))) - 1
    else:
        rows = len(ROW.findall(content.decode()))
    return Counted(response.status_code, len(captured.captured_queries), rows, [query["sql"] for query in captured.captured_queries])


@pytest.fixture(scope="module")
def counted(django_db_setup, django_db_blocker) -> dict[str, tuple[Counted, Counted]]:
    """Each page counted on the demo data, then with COPIES more of every row; all rolled back afterwards."""
    with rolled_back_after(django_db_blocker):
        call_command("seed_demo", stdout=StringIO())
        clients, urls = {}, {}
        for name, page in PAGES.items():
            if page.user not in clients:
                clients[page.user] = Client()
                clients[page.user].force_login(get_user_model().objects.get(username=page.user))
            urls[name] = page.url() if callable(page.url) else page.url
        # what a process reads once is read before counting: the content types (of the history a page shows); the
        # rest the seed has read. A page's first opening runs as many queries as its second then (each page was
        # opened twice, 3.5 s of CPU, to find it so), and one reading something more once is a failure naming it.
        ContentType.objects.get_for_models(*apps.get_models())
        few = {name: _open(clients[page.user], urls[name]) for name, page in PAGES.items()}
        more_of_every_row()
        many = {name: _open(clients[page.user], urls[name]) for name, page in PAGES.items()}
    return {name: (few[name], many[name]) for name in PAGES}


@pytest.mark.parametrize("name", PAGES)
def test_page_runs_as_many_queries_for_many_rows_as_for_few(counted, name):
    few, many = counted[name]
    assert few.status == many.status == 200
    assert many.rows > few.rows or PAGES[name].same_rows, f"{name}: the copies did not show ({few.rows} rows, then {many.rows})"
    assert many.queries == few.queries, (
        f"{name}: {few.queries} queries for {few.rows} rows, {many.queries} for {many.rows}:\n" + "\n".join(many.sql)
    )

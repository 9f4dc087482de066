"""Shipping by file (SPEC §4.6): logistics staff ship many warehouse shipments at once, a dropship supplier its own,
from a CSV or XLSX of rows naming each shipment (its id, or its order's number) with carrier and tracking number.

The file is read as the catalog import reads its own (core.tabular: UTF-8, UTF-8 with BOM, GBK/GB18030, XLSX) and
every row is checked when it arrives; one problem anywhere and nothing is shipped, the problems naming their row and
column. A row left with neither carrier nor tracking number (a parcel not going out today) is skipped, neither checked
nor shipped, and counted for the upload to say so; a file of such rows only ships nothing and is refused. A file that
passes is kept as a `ShipmentUpload` and shipped by a task, every row through the shipment services (a warehouse
parcel picked first), in one transaction: a row the shipment no longer allows (shipped by hand meanwhile) rejects the
whole file again, shipping none. The upload counts the rows gone through as the task goes, for
its page to show. Members are texted as for a parcel shipped by hand.

A shipment another tenant owns is "not found", as one that does not exist: the file never learns it exists.

The template lists the parcels waiting (those of one warehouse when asked) with each one's recipient for the packer to
address it: in full where the actor may read it (shipments.may_see_parcel_contact: the parcel's sender), each such read
logged; never read back.

A tracking number another parcel travels under is refused naming that parcel's order where the uploader may see it
(shipments.waybills_in_use): logistics staff always, a dropship supplier only its own parcels'.
"""
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils.translation import gettext, gettext_lazy, gettext_noop

from core import jobs
from core.errors import DomainError, ValidationFailed
from core.roles import SUPPLIER_ROLES, Role, has_role, require_role
from core.exports import download_name
from core.numbers import typed_number
from core.tabular import Problem, TableFile, TableRejected, TableSpec, file_problem, headed_in_english, read_headed_table, table_file
from core.validators import id_or_none
from logistics.carriers import carrier_key
from logistics.models import Shipment, ShipmentUpload
from logistics.models.shipments import WAITING_STATES
from logistics.services import shipments
from suppliers.models import Location

State = Shipment.State
#: who ships by file: whoever ships by hand (shipments.HAND_ACTORS), each its own kind of parcel
SHIPPERS = frozenset({Role.LOGISTICS, *SUPPLIER_ROLES})


def ships_by_file(user) -> bool:
    """Whether the user may ship parcels by file (logistics its warehouse parcels, a supplier its dropship ones)."""
    return has_role(user, SHIPPERS)
#: why the recipients in a downloaded template were read in full (the access log's purpose)
TEMPLATE_READ = "shipping_template"
PROGRESS_EVERY = 50  # rows gone through between two counts written on the upload

_RECIPIENT_HELP = gettext_lazy("仅供参考，导入时不读取；完整显示的收件信息每次下载都记入个人信息访问记录")
# (machine key, Chinese heading (our template writes it, and a file may use it), what the cell holds)
COLUMNS = (
    ("shipment", "运单ID", gettext_lazy("运单的编号（模板已填）；不填则按订单号查找")),
    ("order_number", "订单号", gettext_lazy("订单号；与运单ID至少填一项，都填时须相符")),
    ("warehouse", "发货仓", gettext_lazy("仅供参考，导入时不读取")),
    ("gift", "礼品", gettext_lazy("仅供参考，导入时不读取")),
    ("quantity", "数量", gettext_lazy("仅供参考，导入时不读取")),
    # the recipient the parcel goes to, for the packer to address it (shipments.CONTACT_FIELDS, in that order)
    ("recipient_name", "收件人", _RECIPIENT_HELP),
    ("recipient_phone", "收件电话", _RECIPIENT_HELP),
    ("address", "收货地址", _RECIPIENT_HELP),
    ("carrier", "承运商", gettext_lazy("如 顺丰、中通；与运单号都不填的行跳过，不发货")),
    ("tracking_number", "运单号", gettext_lazy("同一承运商的运单号不能重复；与承运商都不填的行跳过，不发货")),
)
KEYS = tuple(key for key, _heading, _help in COLUMNS)
NAMING = ("shipment", "order_number")  # the columns that name the shipment: a file has at least one of them
REFERENCE = ("warehouse", "gift", "quantity", *shipments.CONTACT_FIELDS)  # written in the template, never read back
SPEC = TableSpec(
    keys=KEYS, aliases={heading: key for key, heading, _help in COLUMNS}, optional=(*NAMING, *REFERENCE),
    max_rows=2000, noun=gettext_lazy("运单行"),
)


def list_shipments_to_ship(*, actor, warehouse: Location | None = None) -> QuerySet[Shipment]:
    """The shipments waiting for the actor to ship them, oldest first: logistics the warehouse parcels created or
    picked, a dropship supplier its own still to be sent; of `warehouse`'s orders only when given. Each with its
    order, gift and warehouse."""
    rows = Shipment.objects.visible_to(actor).filter(state__in=WAITING_STATES, kind__in=shipments.kinds_shipped_by(actor))
    if warehouse is not None:
        rows = rows.filter(order__location=warehouse)
    return rows.select_related("order__gift", "order__location").order_by("created_at", "id")


def waiting_by_warehouse(*, actor) -> list[tuple[Location, int]]:
    """Every warehouse with how many of the actor's parcels wait there (`list_shipments_to_ship`), by code, for the
    template to be downloaded one warehouse at a time: in two queries. None for a dropship supplier, whose parcels
    leave from its own location."""
    if Shipment.Kind.WAREHOUSE not in shipments.kinds_shipped_by(actor):
        return []
    counts = dict(list_shipments_to_ship(actor=actor).order_by().values_list("order__location").annotate(waiting=Count("pk")))
    return [(warehouse, counts.get(warehouse.pk, 0)) for warehouse in Location.objects.filter(kind=Location.Kind.WAREHOUSE).order_by("code")]


def template_warehouse(given) -> Location | None:
    """The warehouse a template is narrowed to, from its id as given (`?warehouse=`), None when none is given.
    :raises ValidationFailed: naming `warehouse` for anything but a warehouse's id: an unknown one is no list of all"""
    if given is None or str(given).strip() == "":
        return None
    warehouse = Location.objects.filter(kind=Location.Kind.WAREHOUSE, pk=id_or_none(str(given).strip()) or 0).first()
    if warehouse is None:
        raise ValidationFailed(gettext("发货仓不存在：%(warehouse)s，请从物流仓列表中选择") % {"warehouse": str(given)[:40]}, field="warehouse")
    return warehouse


def shipping_template(*, actor, file_format: str, now: datetime, warehouse=None) -> TableFile:
    """The shipments waiting for the actor as a file to fill in (those of the warehouse whose id `warehouse` gives,
    when given: `template_warehouse`): ids and order numbers given, each parcel's recipient to address it (in full
    where the actor may read it, SPEC §4.13, those reads logged in one insert; masked otherwise), carrier and tracking
    number empty; text cells a spreadsheet would take for a formula neutralised.
    :raises PermissionDenied: :raises ValidationFailed: naming `warehouse`, as `template_warehouse`"""
    require_role(actor, SHIPPERS)
    listed = list_shipments_to_ship(actor=actor, warehouse=template_warehouse(warehouse))
    waiting = shipments.reveal_contacts(user=actor, shipments=listed, now=now, purpose=TEMPLATE_READ)
    rows = (
        [shipment.pk, shipment.order.number, shipment.order.location.label if shipment.order.location else "", shipment.order.gift.name,
         shipment.quantity, *shipments.contact_shown(shipment, unmasked=shipment.unmasked), "", ""]
        for shipment in waiting
    )
    headings = [SPEC.heading(key) for key in KEYS]
    return table_file(headers=headings, rows=rows, file_format=file_format, name=download_name("shipments-to-ship", now, minute=True), title="shipments")


def upload_shipping_file(*, actor, now: datetime, file_name: str, content: bytes) -> ShipmentUpload:
    """Check every row of a file of waybills and, when all pass, keep it to be shipped by a task (started on commit).

    Rows with neither carrier nor tracking number are skipped, counted in the upload's `skipped_count`.
    :raises PermissionDenied: unless the actor ships parcels
    :raises TableRejected: naming the row and column of every problem, or the file when every row is skipped (nothing
        to ship); nothing is kept or shipped
    """
    require_role(actor, SHIPPERS)
    rows, headings = read_headed_table(file_name=file_name, content=content, spec=SPEC)
    if not any(column in headings for column in NAMING):
        english = headed_in_english(headings.values())
        raise file_problem("missing_column", gettext("缺少列「%(shipment)s」或「%(order)s」") % {
            "shipment": SPEC.heading("shipment", english=english), "order": SPEC.heading("order_number", english=english)})
    filled = [(number, cells) for number, cells in rows if not _left_blank(cells)]
    if not filled:
        raise file_problem("nothing_to_ship", gettext("没有填写承运商和运单号的行，没有要发货的运单"))
    planned, problems = _check_rows(filled, actor=actor, naming="shipment" if "shipment" in headings else "order_number")
    if problems:
        raise TableRejected(problems, column_order=KEYS, headings=headings)
    with transaction.atomic():
        upload = ShipmentUpload.objects.create(
            file_name=file_name[:200], supplier_id=actor.supplier_id if actor.role in SUPPLIER_ROLES else None, uploaded_by=actor,
            uploaded_at=now, rows=[asdict(row) for row in planned], headings=headings, row_count=len(planned),
            skipped_count=len(rows) - len(filled),
        )
        from logistics.tasks import ship_uploaded_shipments

        jobs.publish_on_commit(ship_uploaded_shipments, upload_id=upload.pk)
    return upload


def ship_upload(*, upload_id: int, now: datetime, progress_every: int = PROGRESS_EVERY) -> ShipmentUpload:
    """Ship every row of a pending upload as its uploader, all in one transaction, or none and record why. Meanwhile
    the upload counts the rows gone through (`rows_done` of `row_count`, every `progress_every` rows, seen by its page
    as it goes: core.progress); a rejected upload keeps where it stopped. A second run (a task delivered twice) waits
    for the first on the shipments' locks, then finds it done and ships nothing (core.jobs.work_through_upload).

    Nothing ships either when something else goes wrong: another refusal (a DomainError, beyond the rows' own, each a
    problem of its row) rejects the upload with what it says; any other error rejects it saying shipping failed, and is
    raised.
    """
    def ship(upload: ShipmentUpload, went_through: Callable[[int], None]) -> dict | None:
        locked = _lock_shipments(upload)  # a second run of the upload waits here until the first is over
        if not ShipmentUpload.objects.filter(pk=upload.pk, status=ShipmentUpload.Status.PENDING).exists():
            return None
        if problems := _ship_rows(upload, locked, now=now, went_through=went_through):
            raise TableRejected(problems, column_order=KEYS, headings=upload.headings)
        return {"status": ShipmentUpload.Status.SHIPPED, "shipped_count": upload.row_count}

    return jobs.work_through_upload(upload_id, model=ShipmentUpload, now=now, progress_every=progress_every, work=ship,
                                    failed=gettext("发货时出错，未发出任何运单，请稍后重新上传"))


def pick_up_left_behind_uploads(*, now: datetime) -> tuple[int, int]:
    """Uploads still pending that no worker has taken up for a while (their task never published, or lost with the
    broker) are queued again, shipping an upload being idempotent; after LEFT_BEHIND_REQUEUES such tries an upload is
    rejected, shipping none, with the reason its page shows (core.jobs.pick_up_left_behind). Returns (queued again,
    rejected)."""
    from logistics.tasks import ship_uploaded_shipments

    return jobs.pick_up_left_behind_uploads(ShipmentUpload.objects.all(), task=ship_uploaded_shipments, now=now,
                                            reason=gettext("发货任务多次未能运行，未发出任何运单，请重新上传"))


def list_shipment_uploads(*, actor) -> QuerySet[ShipmentUpload]:
    """The uploads of the actor's side, newest first: logistics staff the warehouse ones, a supplier its own."""
    uploads = ShipmentUpload.objects.visible_to(actor).select_related("uploaded_by")
    return uploads if actor.role in SUPPLIER_ROLES else uploads.filter(supplier__isnull=True)


def _lock_shipments(upload: ShipmentUpload) -> dict[int, Shipment]:
    """The upload's shipments its uploader may still see, by id, locked in id order."""
    ids = [row["shipment"] for row in upload.rows]
    return {s.pk: s for s in Shipment.objects.visible_to(upload.uploaded_by).filter(pk__in=ids).order_by("pk").select_for_update()}


def _ship_rows(upload: ShipmentUpload, locked: dict[int, Shipment], *, now: datetime, went_through: Callable[[int], None]) -> list[Problem]:
    """Ship each row as the uploader; the problems of the rows refused. `went_through(n)` after each row."""
    actor = upload.uploaded_by
    problems: list[Problem] = []
    for done, row in enumerate(upload.rows, start=1):
        problems += _ship_row(row, locked.get(row["shipment"]), actor=actor, now=now)
        went_through(done)
    return problems


def _ship_row(row: dict, shipment: Shipment | None, *, actor, now: datetime) -> list[Problem]:
    if shipment is None or not shipments.may_drive_by_hand(user=actor, shipment=shipment, action="ship"):  # no longer theirs
        return [Problem(row["row"], row["column"], "not_found", _not_found(row["shipment"]))]
    try:
        if shipment.kind == Shipment.Kind.WAREHOUSE and shipment.state == State.CREATED:
            shipments.pick_shipment(shipment=shipment, actor=actor, now=now, reason=gettext_noop("批量发货"))
        shipments.ship_shipment(shipment=shipment, actor=actor, now=now, carrier=row["carrier"], tracking_number=row["tracking_number"])
    except DomainError as error:
        column = error.field if error.field in ("carrier", "tracking_number") else row["column"]
        return [Problem(row["row"], column, error.code, error.detail)]
    return []


# --- checking the rows -----------------------------------------------------------------------------------------------

def _left_blank(cells: dict[str, str]) -> bool:
    """A row whose carrier and tracking number are both empty: its parcel does not go out today."""
    return not cells["carrier"].strip() and not cells["tracking_number"].strip()


@dataclass(frozen=True)
class PlannedRow:
    row: int
    column: str  # the column naming the shipment, for what a refusal is about
    shipment: int
    carrier: str
    tracking_number: str


def _check_rows(rows, *, actor, naming: str) -> tuple[list[PlannedRow], list[Problem]]:
    """The rows that passed every check, and the problems of the others (unknown, not the actor's, already shipped,
    a carrier or tracking number missing, too long or in use — naming the order of the parcel holding it where the
    actor may see it —, a shipment or a waybill twice in the file)."""
    found = _shipments_named(rows, actor=actor)
    problems: list[Problem] = []
    planned: list[PlannedRow] = []
    first_of_shipment: dict[int, int] = {}
    first_of_waybill: dict[tuple[str, str], int] = {}
    for number, cells in rows:
        column, shipment, row_problems = _shipment_of(number, cells, found, actor=actor, naming=naming)
        if shipment is not None:
            if shipment.pk in first_of_shipment:
                row_problems.append(Problem(number, column, "duplicate",
                                            gettext("与第 %(row)s 行是同一运单") % {"row": first_of_shipment[shipment.pk]}))
            first_of_shipment.setdefault(shipment.pk, number)
        try:
            carrier, tracking_number = shipments.tidy_waybill(cells["carrier"], cells["tracking_number"])
        except ValidationFailed as error:
            row_problems.append(Problem(number, error.field, "invalid", error.detail))
        else:
            waybill = (carrier_key(carrier), tracking_number)
            if waybill in first_of_waybill:
                row_problems.append(Problem(number, "tracking_number", "duplicate",
                                            gettext("运单号与第 %(row)s 行重复") % {"row": first_of_waybill[waybill]}))
            first_of_waybill.setdefault(waybill, number)
            if not row_problems:
                planned.append(PlannedRow(number, column, shipment.pk, carrier, tracking_number))
        problems += row_problems
    holders = shipments.waybills_in_use([(row.carrier, row.tracking_number) for row in planned], reader=actor)
    used = {row: holders[waybill] for row in planned if (waybill := (carrier_key(row.carrier), row.tracking_number)) in holders}
    problems += [Problem(row.row, "tracking_number", "in_use", shipments.in_use_message(order)) for row, order in used.items()]
    return [row for row in planned if row not in used], problems


@dataclass
class _Found:
    by_id: dict[int, Shipment]
    by_order: dict[str, list[Shipment]]


def _shipments_named(rows, *, actor) -> _Found:
    """The shipments the actor may see among those the rows name, by id and by order number, in two queries."""
    visible = Shipment.objects.visible_to(actor).select_related("order")
    ids = {pk for _n, cells in rows if (pk := id_or_none(cells.get("shipment", "")))}
    numbers = {typed_number(cells.get("order_number")) for _n, cells in rows} - {""}
    by_order: dict[str, list[Shipment]] = {}
    for shipment in visible.filter(order__number__in=numbers).order_by("-created_at", "-id"):
        by_order.setdefault(shipment.order.number, []).append(shipment)
    return _Found(by_id=visible.in_bulk(ids), by_order=by_order)


def _shipment_of(number: int, cells: dict[str, str], found: _Found, *, actor, naming: str) -> tuple[str, Shipment | None, list[Problem]]:
    """(the column naming the row's shipment, the shipment if the actor may ship it now, the row's problems about it)."""
    given_id, order_number = cells.get("shipment", "").strip(), typed_number(cells.get("order_number"))  # as stored
    if not given_id and not order_number:
        return naming, None, [Problem(number, naming, "required", gettext("请填写运单ID或订单号"))]
    if given_id:
        column, shipment = "shipment", found.by_id.get(id_or_none(given_id) or 0)
        if shipment is None:
            return column, None, [Problem(number, column, "not_found", _not_found(given_id))]
        if order_number and shipment.order.number != order_number:
            return column, None, [Problem(number, "order_number", "mismatch", gettext("订单号与运单ID不符"))]
    else:
        column, parcels = "order_number", found.by_order.get(order_number, [])
        if not parcels:
            return column, None, [Problem(number, column, "not_found", gettext("未找到订单 %(number)s 的运单") % {"number": order_number})]
        waiting = [parcel for parcel in parcels if parcel.state in WAITING_STATES]
        if len(waiting) > 1:
            return column, None, [Problem(number, column, "ambiguous", gettext("该订单有多个待发货的运单，请填写运单ID"))]
        shipment = (waiting or parcels)[0]  # none waiting: the latest, to say why it cannot be shipped
    if not shipments.may_drive_by_hand(user=actor, shipment=shipment, action="ship"):
        message = gettext("该运单为「%(kind)s」，不由您发货") % {"kind": shipment.get_kind_display()}
        return column, None, [Problem(number, column, "not_yours", message)]
    if shipment.state not in WAITING_STATES:
        message = gettext("运单处于「%(state)s」状态，不能发货") % {"state": shipment.state_label}
        return column, None, [Problem(number, column, "invalid_transition", message)]
    return column, shipment, []


def _not_found(given) -> str:
    return gettext("未找到运单 %(shipment)s") % {"shipment": given}

"""What an adjustment may refer to (SPEC §4.11): a registry of source kinds, each with how to find its object.

Settlement registers the sources below; later features (complaints, assessments) register theirs with
`register_source`, so an adjustment keeps one generic reference (`source_kind`, `source_id`). Each kind may say where
its object's page is for a viewer (`pages`): `source_pages` is the one place that decides which source an adjustment
page links, and where to.
"""
from collections import defaultdict
from decimal import Decimal
from urllib.parse import urlencode
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.roles import STAFF_ROLES, SUPPLIER_ROLES

from core.errors import ValidationFailed
from core.validators import id_or_none

#: finds the source for a supplier: (supplier_id, reference) → the object, or None if there is none of that supplier's
Finder = Callable[[int, str], object | None]
#: where sources open for a viewer: (user, references of one kind) → {reference: URL} for those whose page the user opens
Pages = Callable[[object, list[str]], dict[str, str]]
#: refuses an adjustment of a kind and amount for the source found as it now stands: (adjustment kind, the object,
#: amount) → None, or :raises ValidationFailed: naming `source_id` (or a Conflict of the source's own)
Adjustable = Callable[[str, object, Decimal], None]


@dataclass(frozen=True)
class Source:
    kind: str
    label: str
    find: Finder | None  # None: a free-text reference that is not checked
    shown: Callable[[object], str] | None = None  # the reference kept, as people see it (else the one typed)
    pages: Pages | None = None  # None: no page to link
    adjustable: Adjustable | None = None  # None: any adjustment may name any of its objects


SOURCES: dict[str, Source] = {}


def register_source(kind: str, label, find: Finder | None, *, shown: Callable[[object], str] | None = None,
                    pages: Pages | None = None, adjustable: Adjustable | None = None) -> None:
    SOURCES[kind] = Source(kind, label, find, shown, pages, adjustable)


def source_choices() -> list[tuple[str, str]]:
    return [(source.kind, source.label) for source in SOURCES.values()]


def source_text(kind: str, reference: str) -> str:
    """A source as people read it: its kind's label and the reference ("额外费用 #12", "兑换订单 RO…", "其他")."""
    source = SOURCES.get(kind)
    return f"{source.label if source else kind} {reference}".strip()


def source_pages(user, adjustments: Iterable) -> dict[int, str]:
    """{adjustment id: URL of its source's page} for the adjustments whose source the user may open (a supplier's
    users only their own objects' pages; a source whose kind has no page for the user's role is left out, shown as
    text). One query at most per kind of source named, whatever the number of adjustments."""
    by_kind: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for adjustment in adjustments:
        by_kind[adjustment.source_kind][adjustment.source_id].append(adjustment.pk)
    found: dict[int, str] = {}
    for kind, references in by_kind.items():
        source = SOURCES.get(kind)
        if source is None or source.pages is None:
            continue
        for reference, url in source.pages(user, [reference for reference in references if reference]).items():
            found |= dict.fromkeys(references[reference], url)
    return found


def adjustment_page(user, adjustment) -> str | None:
    """The URL of the adjustment's page where the user opens it: finance and operators any, a supplier's users their
    own in the states they may read (`adjustments.visible_to`: proposals are finance's internal work)."""
    from settlement.models import Adjustment
    from settlement.services.adjustments import shown_to

    if not _reads(user, Adjustment.visibility.readers):
        return None
    if user.role in SUPPLIER_ROLES and not user.is_superuser and (
            shown_to(adjustment, user) is None or adjustment.supplier_id != user.supplier_id):
        return None
    return reverse("settlement-adjustment", args=[adjustment.pk])


def _reads(user, roles: Collection[str]) -> bool:
    return bool(user.is_superuser or getattr(user, "role", None) in roles)


def pages_by_pk(url_name: str, model_path: str) -> Pages:
    """Pages found by the reference itself, an id written "12" or "#12", for the roles the model shows rows to (its
    page refuses the others; a supplier's users open their own rows only, and an adjustment's source is its supplier's)."""
    def pages(user, references: list[str]) -> dict[str, str]:
        from django.apps import apps

        if not _reads(user, apps.get_model(model_path).visibility.readers):
            return {}
        ids = {reference: id_or_none(reference.removeprefix("#").strip()) for reference in references}
        return {reference: reverse(url_name, args=[pk]) for reference, pk in ids.items() if pk}
    return pages


def pages_by_number(url_name: str, rows: Callable[[object], object], *, roles: Collection[str] | None = None) -> Pages:
    """Pages found by number among `rows(user)`, the rows the page opens for the user (one query), for `roles` (all
    the user's rows' readers if None)."""
    def pages(user, references: list[str]) -> dict[str, str]:
        if roles is not None and not _reads(user, roles):
            return {}
        found = rows(user).filter(number__in=references).order_by().values_list("number", "pk")
        return {number: reverse(url_name, args=[pk]) for number, pk in found}
    return pages


def _order_pages(user, references: list[str]) -> dict[str, str]:
    """Staff open an order's page; a supplier's users their order list narrowed to its number (they have no order page)."""
    from points.models import RedemptionOrder

    if getattr(user, "role", None) in SUPPLIER_ROLES and not user.is_superuser:
        return {number: f"{reverse('supplier-orders')}?{urlencode({'q': number})}" for number in references}
    staff = pages_by_number("operator-order", RedemptionOrder.objects.visible_to, roles=STAFF_ROLES)
    return staff(user, references)


def _complaints_seen(user):
    from points.services.complaints import list_complaints

    return list_complaints(user=user, now=timezone.now(), ordered=False)


def _returns_seen(user):
    from logistics.models import ReturnRequest

    return ReturnRequest.objects.visible_to(user)


def check_source(*, kind: str, reference: str, supplier_id: int) -> str:
    """The normalised reference, once it names an object of the supplier. :raises ValidationFailed:"""
    source = SOURCES.get(kind)
    if source is None:
        raise ValidationFailed(_("未知的来源类型 %(kind)s") % {"kind": kind}, field="source_kind")
    reference = (reference or "").strip()
    if source.find is None:
        return reference
    if not reference:
        raise ValidationFailed(_("请填写来源编号"), field="source_id")
    found = source.find(supplier_id, reference)
    if found is None:
        raise ValidationFailed(_("该礼品商没有编号为 %(reference)s 的%(source)s") % {"reference": reference, "source": source.label},
                               field="source_id")
    return source.shown(found) if source.shown else reference


def require_adjustable(*, adjustment_kind: str, amount: Decimal, source_kind: str, reference: str, supplier_id: int) -> None:
    """Refuse an adjustment of `adjustment_kind` its source's state rules out (a compensation for a lost-parcel claim
    withdrawn or rejected), read as it stands now: the caller holds the supplier's row lock, which whoever changes such
    a source's state takes first. :raises ValidationFailed: naming `source_id`"""
    source = SOURCES.get(source_kind)
    if source is None or source.find is None or source.adjustable is None or not reference:
        return
    found = source.find(supplier_id, reference)
    if found is not None:
        source.adjustable(adjustment_kind, found, amount)


def _by_number(model_path: str) -> Finder:
    def find(supplier_id: int, reference: str):
        from django.apps import apps

        return apps.get_model(model_path).objects.filter(supplier_id=supplier_id, number=reference).first()
    return find


def _by_pk(model_path: str) -> Finder:
    """Finds by id, written "12" or "#12" (as the extra-costs list and statement lines show an extra cost)."""
    def find(supplier_id: int, reference: str):
        from django.apps import apps

        pk = id_or_none(reference.removeprefix("#").strip())
        return apps.get_model(model_path).objects.filter(supplier_id=supplier_id, pk=pk).first() if pk else None
    return find


register_source("order", _("兑换订单"), _by_number("points.RedemptionOrder"), pages=_order_pages)
register_source("return", _("退换货"), _by_number("logistics.ReturnRequest"), pages=pages_by_number("logistics-return", _returns_seen))
register_source("extra_cost", _("额外费用"), _by_pk("logistics.ExtraCost"), shown=lambda cost: cost.reference,
                pages=pages_by_pk("logistics-extra-cost", "logistics.ExtraCost"))
register_source("complaint", _("投诉"), _by_number("points.Complaint"), pages=pages_by_number("complaint", _complaints_seen))
register_source("statement", _("结算单"), _by_pk("settlement.Statement"), pages=pages_by_pk("settlement-statement", "settlement.Statement"))
register_source("reconciliation", _("对账"), _by_pk("settlement.Reconciliation"),
                pages=pages_by_pk("settlement-reconciliation", "settlement.Reconciliation"))
register_source("other", _("其他"), None)

"""What an adjustment may refer to (SPEC §4.11): a registry of source kinds, each with how to find its object.

Settlement registers the sources below; later features (complaints, assessments) register theirs with
`register_source`, so an adjustment keeps one generic reference (`source_kind`, `source_id`).
"""
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from core.errors import ValidationFailed
from core.validators import id_or_none

#: finds the source for a supplier: (supplier_id, reference) → the object, or None if there is none of that supplier's
Finder = Callable[[int, str], object | None]


@dataclass(frozen=True)
class Source:
    kind: str
    label: str
    find: Finder | None  # None: a free-text reference that is not checked
    shown: Callable[[object], str] | None = None  # the reference kept, as people see it (else the one typed)


SOURCES: dict[str, Source] = {}


def register_source(kind: str, label, find: Finder | None, *, shown: Callable[[object], str] | None = None) -> None:
    SOURCES[kind] = Source(kind, label, find, shown)


def source_choices() -> list[tuple[str, str]]:
    return [(source.kind, source.label) for source in SOURCES.values()]


def source_text(kind: str, reference: str) -> str:
    """A source as people read it: its kind's label and the reference ("额外费用 #12", "兑换订单 RO…", "其他")."""
    source = SOURCES.get(kind)
    return f"{source.label if source else kind} {reference}".strip()


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


register_source("order", _("兑换订单"), _by_number("points.RedemptionOrder"))
register_source("return", _("退换货"), _by_number("logistics.ReturnRequest"))
register_source("extra_cost", _("额外费用"), _by_pk("logistics.ExtraCost"), shown=lambda cost: cost.reference)
register_source("complaint", _("投诉"), _by_number("points.Complaint"))
register_source("statement", _("结算单"), _by_pk("settlement.Statement"))
register_source("reconciliation", _("对账"), _by_pk("settlement.Reconciliation"))
register_source("other", _("其他"), None)

"""Navigation entries of this area (imported by LogisticsConfig.ready).

Importing the returns services here also registers their completion guard: an order with an open return
does not complete (points.services.orders.completion_guards).
"""
from urllib.parse import urlencode

from django.db.models import CharField, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.forms import WAITING_QUERY
from core.portal import NavGroup, register_nav, register_supplier_page
from core.roles import SUPPLIER_ROLES, Role
from logistics.models import Shipment
from logistics.services import returns  # registers the completion guard too
from suppliers.services.inventory import source_links, source_numbers, source_searches

register_nav(_("退换货"), "member-returns", roles={Role.MEMBER}, order=27)
register_nav(_("退换货"), "logistics-returns", roles={Role.OPERATOR, Role.LOGISTICS, *SUPPLIER_ROLES}, order=77,
             group=NavGroup.ORDERS, badge=returns.returns_waiting, badge_query=WAITING_QUERY)  # 待我处理
register_nav(
    _("额外费用"), "logistics-extra-costs", roles={Role.OPERATOR, Role.LOGISTICS, Role.FINANCE, *SUPPLIER_ROLES}, order=78,
    group=NavGroup.ORDERS,
)
register_nav(_("物流索赔"), "logistics-claims", roles={Role.FINANCE, Role.OPERATOR, Role.LOGISTICS}, order=79, group=NavGroup.ORDERS)
register_supplier_page(_("额外费用"), "logistics-extra-costs", roles={Role.OPERATOR, Role.FINANCE}, order=90)
register_supplier_page(_("物流索赔"), "logistics-claims", roles={Role.FINANCE, Role.OPERATOR}, order=100)


def _return_page(user, source_id: str, number: str) -> str | None:
    """Where a stock movement's return (or an exchange's replacement, by its return's number) opens for the viewer:
    the returns list, found by number, for those who open it."""
    if user.role in {Role.OPERATOR, Role.LOGISTICS, *SUPPLIER_ROLES} and number:
        return f"{reverse('logistics-returns')}?{urlencode({'q': number})}"
    return None


def _replacement_return_number() -> Subquery:
    """An exchange's replacement stores its parcel's id: the return's number is shown."""
    parcel = Shipment.objects.filter(pk=Cast(OuterRef("source_id"), IntegerField()))
    return Subquery(parcel.values("replacement_for__number")[:1])


def _replacements_numbered(text: str) -> Q:
    """The movements of the replacements of the returns whose number holds `text` (a replacement stores its parcel's id)."""
    parcels = Shipment.objects.filter(replacement_for__number__icontains=text).annotate(id_text=Cast("pk", CharField()))
    return Q(source_type="replacement", source_id__in=parcels.values("id_text"))


source_links["return"] = source_links["replacement"] = _return_page
source_numbers["replacement"] = _replacement_return_number
source_searches["replacement"] = _replacements_numbered

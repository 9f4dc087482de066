"""The home page's panel of logistics (imported by LogisticsConfig.ready): where the parcels stand, for the logistics
staff and the operators."""
from django.utils import timezone
from django.utils.translation import gettext_lazy

from core.home import register_home_panel
from core.roles import Role
from logistics.selectors import parcel_counts


def parcel_figures(user) -> dict:
    """The parcel counts; the dropship parcels waiting for their supplier for the operators only (logistics ships none)."""
    figures = parcel_counts(actor=user, today=timezone.localdate())
    if user.role != Role.OPERATOR:
        figures["dropship_waiting"] = None
    return figures


register_home_panel(gettext_lazy("运单"), "logistics/home_parcels.html", parcel_figures, roles={Role.LOGISTICS, Role.OPERATOR}, order=20)

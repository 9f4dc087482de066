from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LogisticsConfig(AppConfig):
    name = "logistics"
    verbose_name = _("物流")

    def ready(self) -> None:
        from logistics import data_checks, home, nav_flow, nav_goods_back, nav_leftovers, nav_provider, nav_returns, order_sections, seed, seed_goods_back, seed_incidents  # noqa: F401  (verify_data's evidence check, home panel, navigation, pages, demo data)
        from logistics.services import claims, inbound, shipments  # noqa: F401  (order events; lost parcels; stock on its way)

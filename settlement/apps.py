from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SettlementConfig(AppConfig):
    name = "settlement"
    verbose_name = _("结算")

    def ready(self) -> None:
        from settlement import checks, data_checks, home, nav, seed  # noqa: F401  (deployment checks, verify_data's statement checks, home panels, navigation, demo data)
        from settlement.services import statements  # noqa: F401  (turns a terminated supplier's closed negative payables into receivables)
        from settlement import claim_sections  # noqa: F401  (lost parcels: the supplier's compensation, and the claim page shows it)
        from settlement import cost_sections  # noqa: F401  (an extra cost's page names the statement that claimed it)
        from settlement import order_bookings  # noqa: F401  (order lists and pages name the statement booking each delivery)
        from settlement import nav_cases, seed_cases, tasks_cases  # noqa: F401  (cases: navigation, demo data, beat task)
        from settlement import nav_assessment, seed_assessment, tasks_assessment  # noqa: F401  (assessment: navigation, demo data, beat task)

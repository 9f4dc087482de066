from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PointsConfig(AppConfig):
    name = "points"
    verbose_name = _("积分与订单")

    def ready(self) -> None:
        from points import seed  # noqa: F401

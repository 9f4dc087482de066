from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("基础设施")

    def ready(self) -> None:
        from core import checks, data_checks, seed  # noqa: F401  (deployment checks, verify_data's outbox and job checks, demo data)
        from core.home import register_home_panel
        from core.jobs import open_failures  # also connects the task failure and success handlers
        from core.portal import register_nav
        from core.roles import Role

        register_nav(_("管理后台"), "admin:index", roles={Role.OPERATOR}, order=200)
        register_nav(_("API 文档"), "api-docs", roles=set(Role.values) - {Role.MEMBER}, order=210)  # members use the pages
        register_home_panel(_("后台任务失败"), "core/home_job_failures.html", open_failures, roles={Role.OPERATOR}, order=1)

"""The home page's panels of points (imported by PointsConfig.ready): a member's points and latest orders; the
operators' redemptions of the last two weeks and of the last twelve months; the complaints operators chased (催办) logistics staff to answer; the
answers to the complaints about a supplier logistics and finance staff opened."""
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.charts import bar_chart
from core.home import register_home_panel
from core.roles import Role
from points.models import Member
from points.selectors import recent_orders, redemptions_by_day, redemptions_by_month
from points.services import complaints, credits
from points.services.orders import orders_to_confirm

CHART_DAYS = 14
CHART_MONTHS = 12
CHASED_SHOWN = 5
ANSWERED_SHOWN = 5


def member_figures(user) -> dict | None:
    member = Member.objects.filter(user=user).select_related("program").first()
    if member is None:  # a superuser signed in as a member has no points
        return None
    now = timezone.now()
    summary = credits.balance_summary(member=member, now=now)
    expiries = summary["upcoming_expiries"]
    next_expiry = expiries[0] if expiries else None
    return {
        "balance": summary["balance"], "next_expiry": next_expiry,
        "expiring_soon": next_expiry is not None and next_expiry["expires_at"] < credits.expiring_soon_before(now),  # as the reminder
        "orders": list(recent_orders(member=member, limit=3)), "to_confirm": orders_to_confirm(user),
    }


def redemption_figures(user) -> dict:
    """Today's redemptions, the last two weeks' by day and the last twelve months' by month (orders and points)."""
    days = redemptions_by_day(until=timezone.localdate(), days=CHART_DAYS)
    months = redemptions_by_month(until=timezone.localdate(), months=CHART_MONTHS)
    today = days[-1]
    return {
        "today": today, "week_orders": sum(day["orders"] for day in days[-7:]),
        "chart": bar_chart([(day["day"], day["orders"]) for day in days], title=_("每日兑换单数"), columns=(_("日期"), _("兑换单数（单）"))),
        "month_orders_chart": bar_chart([(f"{month['month']:%Y-%m}", month["orders"]) for month in months], title=_("每月兑换单数"),
                                        columns=(_("月份"), _("兑换单数（单）"))),
        "month_points_chart": bar_chart([(f"{month['month']:%Y-%m}", month["points"]) for month in months], title=_("每月兑换积分"),
                                        columns=(_("月份"), _("兑换积分（分）"))),
    }


def answered_figures(user) -> dict | None:
    """The complaints about a supplier the user opened that were answered lately (at most ANSWERED_SHOWN), or None:
    logistics and finance staff have no inbox, so the answer meets them here."""
    shown = list(complaints.answered_for_opener(user=user, now=timezone.now())[:ANSWERED_SHOWN])
    return {"complaints": shown} if shown else None


def chased_figures(user) -> dict | None:
    """The complaints operators chased the logistics staff to answer, the latest chased first (at most CHASED_SHOWN,
    and how many in all), or None when none waits: logistics staff have no inbox, so a chase meets them here."""
    rows = complaints.chased_complaints(user=user, now=timezone.now())
    shown = list(rows[:CHASED_SHOWN])
    if not shown:
        return None
    return {"complaints": shown, "count": rows.count()}  # counted whatever the number shown: as many queries for 1 as for 100


register_home_panel(gettext_lazy("我的积分"), "points/home_member.html", member_figures, roles={Role.MEMBER}, order=10)
register_home_panel(gettext_lazy("近两周兑换"), "points/home_redemptions.html", redemption_figures,
                    roles={Role.OPERATOR}, order=10, wide=True)
register_home_panel(gettext_lazy("运营方催办的投诉"), "points/home_chased.html", chased_figures, roles={Role.LOGISTICS}, order=5)
register_home_panel(gettext_lazy("您的投诉已答复"), "points/home_answered.html", answered_figures,
                    roles={Role.LOGISTICS, Role.FINANCE}, order=6)

"""Demo announcements: a Spring Festival notice to every active supplier (acknowledged by supplier_a only) and a
meeting notice to supplier_a alone, still unread — so supplier_a sees an unread badge and the operator sees who has
not acknowledged. Guarded by the notice's title, so a second run adds nothing."""
from datetime import timedelta

from core.seeding import register_seed

HOLIDAY = "春节期间发货安排"


@register_seed(28, "announcements: a notice to all suppliers and a meeting notice to one")
def seed_announcements(*, now, progress, **_) -> None:
    from core.models import User
    from suppliers.models import Announcement, Supplier
    from suppliers.services import announcements

    if Announcement.objects.filter(title=HOLIDAY).exists():
        return
    operator = User.objects.get(username="operator")
    supplier_a = Supplier.objects.get(name="杭州优选礼品有限公司")
    notice = announcements.publish_announcement(
        kind="announcement", title=HOLIDAY, body="春节期间（除夕至初六）仓库暂停出库，直发订单请于节前两天内发出。",
        actor=operator, now=now - timedelta(days=3),
    )
    admin = User.objects.get(username="supplier_a")
    delivery = announcements.get_delivery(announcement_id=notice.pk, actor=admin)
    announcements.acknowledge(delivery=delivery, actor=admin, now=now - timedelta(days=2))
    announcements.publish_announcement(
        kind="meeting", title="季度供应商沟通会", body="请贵司派一名负责人参会。", meeting_at=now + timedelta(days=10),
        place="杭州市西湖区文三路 100 号 3 楼会议室", agenda="1. 上季度考核结果\n2. 投诉处理时限\n3. 新品上架计划",
        to_all=False, suppliers=[supplier_a], actor=operator, now=now - timedelta(hours=2),
    )
    progress(1, 1)

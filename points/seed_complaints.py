"""Demo complaints and a suggestion in every state an operator meets in the queue (imported by points.seed).

Every complaint comes after what it is about: member 13800138001's about the tea of its September and October orders
(received weeks before) and twice about the courier after its DEMO-BATCH-1 tea was signed for (three days ago: one
answered, one about the crushed parcel the logistics provider left unanswered past its deadline, escalated and chased
twice by the operator), member 13800138000's about the tea's batch after its order was shipped (yesterday).
"""
from datetime import timedelta

from core.roles import Role
from core.seed import DELIVERED_BATCH_KEY, ensure_user
from core.seeding import register_seed


@register_seed(56, "complaints: open, triaged, escalated, answered, resolved, two to logistics (one escalated and chased), a hotline call, a suggestion")
def seed_complaints(*, now, password, progress) -> None:
    from points.models import Complaint, Member, RedemptionOrder
    from points.services import complaints
    from suppliers.models import Gift, SupplierMembership

    if Complaint.objects.exists():
        return
    operator = ensure_user(username="operator", role=Role.OPERATOR, password=password)
    logistics = ensure_user(username="logistics", role=Role.LOGISTICS, password=password)
    member = Member.objects.get(phone="13800138000")
    tea = Gift.objects.get(sku="TEA-LJ-250")
    staff = SupplierMembership.objects.filter(supplier=tea.supplier, user__role=Role.SUPPLIER_STAFF).first().user
    signed_for = RedemptionOrder.objects.get(member__phone="13800138001", handoff_item__batch__key=DELIVERED_BATCH_KEY)
    in_transit = RedemptionOrder.objects.get(member=member, handoff_item__batch__key=DELIVERED_BATCH_KEY)
    september, october = RedemptionOrder.objects.filter(  # received long before their complaints
        member=signed_for.member, gift=tea, state=RedemptionOrder.State.COMPLETED).order_by("placed_at")[:2]

    def opened(hours_ago: int, title: str, description: str, *, by: Member = member, **about) -> Complaint:
        return complaints.open_complaint(
            actor=by.user, now=now - timedelta(hours=hours_ago), title=title, description=description, **about
        )

    def triaged(complaint: Complaint, hours_ago: int, party: str) -> Complaint:
        return complaints.triage_complaint(complaint=complaint, actor=operator, now=now - timedelta(hours=hours_ago), responsible=party)

    triaged(opened(80, "茶叶受潮结块", "打开第二罐发现茶叶受潮", by=signed_for.member, order=september), 72, "supplier")
    complaints.escalate_overdue(now=now - timedelta(hours=23))
    resolved = triaged(opened(120, "礼盒外包装破损", "外盒压扁", by=signed_for.member, order=october), 118, "supplier")
    complaints.respond_to_complaint(complaint=resolved, actor=staff, now=now - timedelta(hours=110), response="已补寄新礼盒")
    complaints.resolve_complaint(complaint=resolved, actor=signed_for.member.user, now=now - timedelta(hours=100))
    delivery = triaged(opened(30, "快递员未送货上门", "包裹放在小区门口", by=signed_for.member, order=signed_for), 28, "logistics")
    complaints.respond_to_complaint(complaint=delivery, actor=logistics, now=now - timedelta(hours=20), response="已提醒承运商送货上门")
    crushed = triaged(opened(66, "快递外箱挤压破损", "外箱被压塌，茶叶罐有凹痕", by=signed_for.member, order=signed_for), 64, "logistics")
    complaints.escalate_overdue(now=now - timedelta(hours=15))  # its 48 hours passed unanswered
    for hours_ago, reason in ((14, "请核实承运商交接记录"), (3, "会员再次来电催问")):
        complaints.remind_responsible(complaint=crushed, actor=operator, now=now - timedelta(hours=hours_ago), reason=reason)
    triaged(opened(10, "茶叶批次疑问", "想确认生产日期", order=in_transit), 8, "supplier")
    opened(1, "积分到账慢", "上月积分未到账")
    complaints.open_complaint(
        actor=operator, now=now - timedelta(hours=2), contact_name="王先生", contact_phone="13900001111", gift=tea,
        title="电话投诉：礼盒缺少提袋", description="来电反映礼盒没有附带提袋",
    )
    suggestion = complaints.send_suggestion(
        actor=staff, now=now - timedelta(hours=48), title="希望提供对账 Excel 模板", description="便于财务核对"
    )
    triaged(suggestion, 47, "operator")

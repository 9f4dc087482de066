"""The complaint desk's download as filtered (core.exports): every complaint of the desk's filter, in the queue's order,
in the columns of the desk, each complaint's deadline and lateness as its reader may see them (none to one who reads it
only as its opener, as on the desk)."""
from django.contrib.auth.decorators import login_required
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from core.api.permissions import require_role
from core.exports import Column, label, list_download, moment
from points.services import complaints
from points.views_complaints import DESKS, listed_complaints


def complaint_columns(user, now) -> list[Column]:
    def progress(complaint) -> complaints.Progress:
        return complaints.progress_shown(user=user, complaint=complaint, now=now)

    def chased(complaint) -> str:
        shown = complaint.last_chased_at and not complaints.reads_as_opener(user=user, complaint=complaint)
        return moment(complaint.last_chased_at) if shown else ""

    return [
        Column(gettext_lazy("编号"), lambda c: c.number),
        label(gettext_lazy("类型"), "kind"),
        Column(gettext_lazy("标题"), lambda c: c.title),
        Column(gettext_lazy("礼品商"), lambda c: c.supplier.name if c.supplier_id else ""),
        label(gettext_lazy("渠道"), "channel"),
        label(gettext_lazy("责任方"), "responsible"),
        label(gettext_lazy("状态"), "state"),
        Column(gettext_lazy("已超时"), lambda c: gettext("已超时") if progress(c).overdue else ""),
        Column(gettext_lazy("最近催办"), chased),
        Column(gettext_lazy("答复期限"), lambda c: moment(progress(c).deadline)),
        Column(gettext_lazy("提交时间"), lambda c: moment(c.opened_at)),
    ]


@login_required
def complaint_desk_export(request, file_format: str):
    """The complaint desk as filtered, every complaint of it, as CSV or XLSX."""
    require_role(request.user, DESKS)
    now = timezone.now()
    filters, rows = listed_complaints(request, now=now)
    return list_download(filters=filters, rows=rows, columns=complaint_columns(request.user, now), file_format=file_format,
                         name="complaints", now=now)

"""When an issued statement version is deemed confirmed without the supplier's answer (SPEC §4.11: 10 days), and
telling the supplier when that deadline moves (its first reconciliation upload within the 10 days counts them again).

Apart from `statements` so that the reconciliation upload, which moves the deadline, reads it by the same rule."""
from datetime import datetime, timedelta

from django.db.models import Case, DateTimeField, ExpressionWrapper, F, OuterRef, QuerySet, Subquery, When
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext_noop

from core.texts import moment
from settlement.models import Reconciliation, Statement
from suppliers.services.notices import Sms, send_notice

State = Statement.State
DEEMED_CONFIRMED_AFTER = timedelta(days=10)


def with_respond_by(statements: QuerySet[Statement]) -> QuerySet[Statement]:
    """The statements annotated with `respond_by`, the moment an issued version is deemed confirmed without an answer:
    10 days after it was issued, or, when the supplier uploaded its reconciliation file for that version within those
    10 days (an action whose answer follows once finance has looked at the differences), 10 days after its first
    upload. Counted from the first upload only: uploading again does not push the deadline further, so it cannot be
    put off for ever; and a file uploaded once the 10 days are over is matched all the same but moves nothing (the
    version is deemed confirmed already, whether or not the beat has recorded it). None unless the statement is
    issued (awaiting the supplier's answer)."""
    answer_by = ExpressionWrapper(OuterRef("issued_at") + DEEMED_CONFIRMED_AFTER, output_field=DateTimeField())
    first_upload = (Reconciliation.objects.filter(statement=OuterRef("pk"), version__number=OuterRef("version"), uploaded_at__lt=answer_by)
                    .order_by("uploaded_at").values("uploaded_at")[:1])
    start = Coalesce(Subquery(first_upload), F("issued_at"))
    deadline = ExpressionWrapper(start + DEEMED_CONFIRMED_AFTER, output_field=DateTimeField())
    return statements.annotate(respond_by=Case(When(state=State.ISSUED, then=deadline), default=None, output_field=DateTimeField()))


def respond_by(statement: Statement) -> datetime | None:
    """When the statement's issued version is deemed confirmed (`with_respond_by`); None unless it is issued."""
    if statement.state != State.ISSUED:
        return None
    if "respond_by" in statement.__dict__:  # annotated
        return statement.respond_by
    return with_respond_by(Statement.objects.filter(pk=statement.pk)).get().respond_by


def tell_if_deadline_moved(statement: Statement, *, was: datetime | None, now: datetime) -> None:
    """Tell the supplier (inbox, and SMS as its setting allows) the statement's new deadline to confirm or dispute when
    it is no longer `was`, the deadline read before the step that may have moved it: once per move, as only a step
    that moves it finds it changed. The issue notice named the first one."""
    deadline = with_respond_by(Statement.objects.filter(pk=statement.pk)).get().respond_by
    if deadline is None or deadline == was:
        return
    params = {"month": f"{statement.month:%Y-%m}", "version": statement.version, "confirm_by": moment(deadline)}
    send_notice(supplier=statement.supplier, kind="statement_deadline_moved", now=now,
                title=gettext_noop("%(month)s 结算单第 %(version)s 版答复期限已延至 %(confirm_by)s"),
                body=gettext_noop("已收到您的对账文件，答复期限自首次上传起重新计算：请于 %(confirm_by)s 前确认或提出异议，"
                                  "逾期未处理视为确认。"),
                params=params, sms=Sms("statement_deadline_moved", params, statement),
                link=reverse("settlement-statement", args=[statement.pk]))

"""Who set an approved gift's time to go online, and the schedule's end: each a history entry of the gift (a step that
keeps it approved), so its page and API say who scheduled it, when, for when, and who or what cancelled it."""
from collections import defaultdict
from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from django.utils.translation import gettext_noop

from core.fsm import bulk_transition
from core.models import TransitionLog
from core.texts import Message, moment
from suppliers.models import Gift

#: the step that sets a gift's time to go online, the one that drops it
SCHEDULE, CANCEL = "schedule_publication", "cancel_schedule"


def scheduled_for(publish_at: datetime) -> Message:
    """The reason kept with a schedule: the time it sets."""
    return Message(gettext_noop("计划于 %(publish_at)s 上线"), publish_at=moment(publish_at))


def cancel_schedules(gifts: QuerySet[Gift], *, actor, now: datetime, reason: str) -> list[int]:
    """Drop the publishing time of every approved gift of `gifts` that has one, each change logged. Returns their ids."""
    return bulk_transition(gifts.filter(state=Gift.State.APPROVED, publish_at__isnull=False), CANCEL, actor=actor, at=now,
                           reason=reason, values={"publish_at": None}, conditions_met=True)


def by_scheduler(gift_ids: list[int]) -> list[tuple[TransitionLog | None, list[int]]]:
    """The gifts grouped by the schedule each goes online by (its latest `schedule_publication` entry: who set it and
    when; None for a time set before schedules were logged), in one query."""
    logs = (TransitionLog.objects.filter(content_type=ContentType.objects.get_for_model(Gift), object_id__in=gift_ids, transition=SCHEDULE)
            .select_related("actor").order_by("object_id", "at", "id"))
    latest = {log.object_id: log for log in logs}
    groups: dict[tuple | None, list[int]] = defaultdict(list)
    for pk in gift_ids:
        log = latest.get(pk)
        groups[(log.actor_id, log.at) if log else None].append(pk)
    return [(latest[ids[0]] if key else None, ids) for key, ids in groups.items()]


def published_as_scheduled(schedule: TransitionLog | None) -> Message | str:
    """The reason a scheduled publish is logged with: when its schedule was set (its actor, who set it, is the
    publish's)."""
    if schedule is None:
        return gettext_noop("按计划时间上线")
    return Message(gettext_noop("按 %(scheduled_at)s 安排的计划时间上线"), scheduled_at=moment(schedule.at))

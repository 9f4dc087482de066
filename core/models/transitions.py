"""The base of every workflow model and the log of every transition (who, when, from, to, why)."""
import threading
from functools import cache

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, FSMFieldMixin

from core.masking import mask_phone
from core.roles import STAFF_ROLES, SUPPLIER_ROLES, Role
from core.texts import texts_of


_refresh_lock = threading.RLock()


@cache
def _state_fields(model: type[models.Model]) -> tuple[FSMFieldMixin, ...]:
    return tuple(field for field in model._meta.fields if isinstance(field, FSMFieldMixin))


class StateField(FSMField):
    """A workflow's state: an FSMField to its model, a plain CharField to migrations.

    The column is the same either way. Historical models (the ones migrations render, thousands of times on a fresh
    database) need no transitions, and every FSMField connects a `class_prepared` receiver for each model class it is
    put on, so with FSMFields in them each rendering grew slower than the last: migrating a fresh database took 21 s
    instead of 8 s.
    """

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        kwargs.pop("protected", None)
        return name, "django.db.models.CharField", args, kwargs


class StateMachine(ConcurrentTransitionMixin, models.Model):
    """A model whose `state` StateField (protected=True) changes only through transitions.

    Saving checks that the state in the database is still the one loaded, so two
    concurrent transitions of the same row cannot both succeed.
    """

    class Meta:
        abstract = True

    @property
    def state_fields(self):
        # django-fsm filters every field of the model each time an instance is made; they are known per class
        return _state_fields(type(self))

    def refresh_from_db(self, *args, **kwargs):
        # django-fsm lifts the field's protection for the whole class while refreshing; serialise it across threads.
        with _refresh_lock:
            return super().refresh_from_db(*args, **kwargs)


#: What the step that made a workflow object is called, the first entry of its history (`core.fsm.log_creation`): one
#: name per way an object comes about, shared by the workflows it fits (a member's complaint and a logistics claim are
#: both `open`ed; gifts, contracts and parcels are `create`d).
CREATION_LABELS = {
    "create": _("创建"), "apply": _("申请入驻"), "request": _("申请"), "open": _("提出"), "record": _("登记"), "generate": _("生成"),
    "propose": _("提议"), "announce": _("预报"), "place": _("下单"), "upload": _("上传"),
    "split_off": _("拆分生成"),
}

#: What each transition is called on pages and in the API's history (the code names the method of the workflow model).
TRANSITION_LABELS = {
    "reject": _("驳回"), "approve": _("批准"), "cancel": _("取消"), "accept": _("接受"), "ship": _("发货"), "correct": _("更正"), "correct_tracking": _("更正运单号"), "receive": _("收货"),
    "dismiss": _("不予采纳"), "deliver": _("签收"), "confirm": _("确认"), "close": _("关闭"), "withdraw_clearance": _("撤回清仓"),
    "triage": _("分派"), "terminate": _("终止合作"), "suspend": _("暂停合作"), "submit_answer": _("提交答复"), "submit": _("提交"),
    "start_review": _("开始审核"), "start_clearance": _("开始清仓"), "settle": _("结清"), "send_back": _("退回"), "send_back_again": _("重新寄回会员"),
    "reship_replacement": _("重新发出换货"), "refund_instead": _("改为退积分"),
    "rework": _("修改"), "return_fully": _("全部退货"), "retire_on_termination": _("随合作终止下架"), "retire": _("退市"),
    "respond": _("答复"), "resolve": _("解决"), "request_relisting": _("申请重新上线"), "reopen": _("重新打开"),
    "reissue": _("下发新版本"), "refuse": _("拒绝"), "refund": _("退款"), "redeliver": _("重新配送"), "reactivate": _("恢复合作"),
    "put_away": _("上架入库"), "publish": _("上线"), "pick": _("拣货"), "pay": _("付款"), "move_to_clearance": _("转入清仓"), "use_up": _("全部用于换货"),
    "collect_part": _("部分取回"), "split": _("拆分"), "dispose_part": _("部分销毁处置"), "send": _("发出"), "send_again": _("重新发出"),
    "meet": _("达成"), "issue": _("下发"), "invoice": _("开票"), "inspect": _("检验"), "hand_over": _("交接"),
    "give_up": _("放弃配送"), "deliver_after_all": _("撤回丢失后签收"), "fail_delivery": _("配送失败"), "fail": _("失败"), "expire": _("过期"), "exchange": _("换货"),
    "escalate": _("升级"), "dispute": _("提出异议"), "dispose": _("处置"), "delist": _("下线"), "decide": _("决定"),
    "complete": _("完成"), "collect": _("自提"), "clear_leftovers": _("清理遗留"), "cancel_before_picking": _("拣货前取消"),
    "approve_payment": _("批准付款"), "disable": _("停用"), "enable": _("启用"), "withdraw": _("撤回"), "void": _("作废"),
    "request_dismissal": _("申请撤销"), "decline_dismissal": _("不同意撤销"), "record_collection": _("登记收款"),
    "record_part_payment": _("登记部分收款"),
    "correct_invoice": _("更正发票号码"), "owe": _("转为应收"), "propose_again": _("重新提出"),
    "schedule_publication": _("安排定时上线"), "cancel_schedule": _("取消定时上线"), "reset_password": _("重置密码"),
} | CREATION_LABELS


@cache
def declared_steps() -> tuple[str, ...]:
    """Every step a transition log may name, by code: each transition declared on a workflow model's state field
    (django_fsm) and each way a workflow object comes about (CREATION_LABELS). Read from the models, not the logs."""
    from django.apps import apps

    declared = {transition.name for model in apps.get_models() for field in _state_fields(model)
                for transition in field.get_all_transitions(model)}
    return tuple(sorted(declared | set(CREATION_LABELS)))


def transition_label(subject, name: str) -> str:
    """What transition `name` of `subject`'s workflow (its model, or one object of it) is called: in the model's own
    words where it has them (its `transition_labels`, for a step called otherwise than the steps of other workflows
    sharing its name), else as TRANSITION_LABELS names it (the code itself when it does not)."""
    own = getattr(subject, "transition_labels", None) or {}
    return str(own.get(name) or TRANSITION_LABELS.get(name, name))


class TransitionLogQuerySet(models.QuerySet):
    """Transition logs that know their subject once read through `of`, so that states are named in the subject's own
    words (a dropship shipment waits to be sent, not picked)."""

    _subject = None

    def of(self, obj: models.Model) -> "TransitionLogQuerySet":
        logs = self.filter(content_type=ContentType.objects.get_for_model(type(obj)), object_id=obj.pk)
        logs._subject = obj
        return logs

    def _clone(self):
        clone = super()._clone()
        clone._subject = self._subject
        return clone

    def _fetch_all(self) -> None:
        super()._fetch_all()
        if self._subject is not None:
            for log in self._result_cache:
                if isinstance(log, TransitionLog):
                    log.subject_seen = self._subject


class TransitionLog(models.Model):
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    transition = models.CharField(_("操作"), max_length=60)
    source_state = models.CharField(_("原状态"), max_length=40)
    target_state = models.CharField(_("新状态"), max_length=40)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("时间"))
    reason = models.TextField(_("原因"), blank=True)
    reason_params = models.JSONField(_("原因参数"), null=True, blank=True)  # the values of a reason the system wrote (core.texts)

    objects = TransitionLogQuerySet.as_manager()
    subject_seen = None  # the subject, when the logs were read for it (`TransitionLogQuerySet.of`)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["content_type", "object_id", "at"])]
        verbose_name = _("状态变更记录")
        verbose_name_plural = _("状态变更记录")

    def __str__(self) -> str:
        return f"{self.content_type.name} #{self.object_id} {self.source_label}→{self.target_label}"

    @property
    def transition_label(self) -> str:
        return transition_label(self._labelled_by(), self.transition)

    @property
    def source_label(self) -> str:
        return state_label(self._labelled_by(), self.source_state)

    @property
    def target_label(self) -> str:
        return state_label(self._labelled_by(), self.target_state)

    def _labelled_by(self):
        return self.subject_seen or ContentType.objects.get_for_id(self.content_type_id).model_class()

    # the system writes its reasons as message ids (in Chinese, marked with gettext_noop) with their values
    # (`reason_params`, see `core.texts.Message`), written in the reader's language by `reason_label`
    reason_text, reason_label = texts_of("reason", "reason_params")

    @property
    def actor_label(self) -> str:
        """Who made the change, as anyone who may read the history may see it: "系统" for the system, a member by its
        masked phone (a member's login is its phone number, which suppliers and other members must not learn)."""
        return actor_label(self.actor)


class LatestLog:
    """A model's property: the latest log of one of its transitions while the object is in that transition's target
    state (its rejection: who, when, why), else None. The model holds `transition_logs` (`logs_relation()`).

    A list reads it for all its rows in one query, `queryset.prefetch_related(Model.<property>.prefetch())`; an object
    read without takes one query, once.

        transition_logs = logs_relation()
        rejection = LatestLog("reject", state=State.REJECTED)
    """

    def __init__(self, transition: str, *, state: str):
        self.transition, self.state = transition, state

    def __set_name__(self, owner, name: str) -> None:
        self.cache = f"_{name}_logs"

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        if obj.state != self.state:
            return None
        if self.cache not in obj.__dict__:
            obj.__dict__[self.cache] = list(self._logs().filter(
                content_type=ContentType.objects.get_for_model(type(obj)), object_id=obj.pk
            )[:1])
        logs = obj.__dict__[self.cache]
        return logs[0] if logs else None

    def prefetch(self) -> models.Prefetch:
        """The logs of this transition of every row of a list, newest first, in one query."""
        return models.Prefetch("transition_logs", queryset=self._logs(), to_attr=self.cache)

    def _logs(self) -> models.QuerySet:
        return TransitionLog.objects.filter(transition=self.transition).select_related("actor__member").order_by("-at", "-id")


@cache
def _latest_log_caches(model: type[models.Model]) -> tuple[str, ...]:
    return tuple(attr.cache for klass in model.__mro__ for attr in vars(klass).values() if isinstance(attr, LatestLog))


def forget_latest_logs(obj: models.Model) -> None:
    """Drop what an object's `LatestLog` properties have read (with its list, or on their own): a transition has just
    logged anew, so the object's page or API answer reads them again."""
    for name in _latest_log_caches(type(obj)):
        obj.__dict__.pop(name, None)


def logs_relation() -> GenericRelation:
    """A workflow model's transition logs as a relation, for `LatestLog` to read with a list (no column, no migration)."""
    return GenericRelation(TransitionLog)


def state_label(subject: models.Model | type[models.Model] | None, state: str) -> str:
    """The display name of one of a workflow's states (the code itself when the model, its state field or the state is
    unknown). `subject` is the model, or one object of it that may name its states in its own words (its `label_of_state`)."""
    if subject is None or not any(field.name == "state" for field in subject._meta.fields):
        return state
    if not isinstance(subject, type) and hasattr(subject, "label_of_state"):
        return subject.label_of_state(state)
    return str(dict(subject._meta.get_field("state").flatchoices).get(state, state))


#: how a supplier's user or a member sees the platform's staff who acted: by their role, never their login name
STAFF_TITLES = {Role.OPERATOR: _("运营人员"), Role.LOGISTICS: _("物流人员"), Role.FINANCE: _("财务人员")}
#: the readers outside the platform's staff
OUTSIDERS = SUPPLIER_ROLES | {Role.MEMBER}


def actor_label_for(user, reader) -> str:
    """Who acted, as `reader` may see it: a supplier's user or a member sees the platform's staff by role ("运营人员"),
    a member sees a supplier's users as the supplier ("礼品商"); everyone else as `actor_label` gives it (staff see
    each other's names and the suppliers' users')."""
    if user is None:
        return actor_label(user)
    reading_role = getattr(reader, "role", None)
    if reading_role in OUTSIDERS and (user.role in STAFF_ROLES or user.is_superuser):
        return str(STAFF_TITLES.get(user.role, STAFF_TITLES[Role.OPERATOR]))
    if reading_role == Role.MEMBER and user.role in SUPPLIER_ROLES:
        return str(_("礼品商"))
    return actor_label(user)


def actor_label(user) -> str:
    if user is None:
        return str(_("系统"))
    if user.role == Role.MEMBER:
        member = getattr(user, "member", None)  # history_of reads it with the actor
        return f"{_('会员')} {mask_phone(member.phone if member else user.phone or user.username)}"
    return user.username

from .access import AccessLog
from .changes import SettingChange
from .fixed import FixedFields
from .idempotency import IdempotencyRecord
from .jobs import JobFailure
from .outbox import Notification
from .programs import Program, Tier
from .transitions import LatestLog, StateField, StateMachine, TransitionLog, logs_relation
from .users import User

__all__ = ["AccessLog", "FixedFields", "IdempotencyRecord", "JobFailure", "LatestLog", "Notification", "Program", "SettingChange", "StateField", "StateMachine", "Tier", "TransitionLog", "User",
           "logs_relation"]

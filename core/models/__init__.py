from .access import AccessLog
from .idempotency import IdempotencyRecord
from .outbox import Notification
from .programs import Program, Tier
from .transitions import StateMachine, TransitionLog
from .users import User

__all__ = ["AccessLog", "IdempotencyRecord", "Notification", "Program", "StateMachine", "Tier", "TransitionLog", "User"]

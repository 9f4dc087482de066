"""In-process domain events: a lower app publishes, a higher app's handler runs in the same transaction.

Events are frozen dataclasses defined by the publishing app; handlers subscribe by event class.
A handler's failure rolls back the publisher's transaction with it.
"""
from collections import defaultdict
from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib.auth import get_user_model
from django.db import transaction

E = TypeVar("E")
_handlers: dict[type, list[Callable[[Any], None]]] = defaultdict(list)


def subscribe(event_type: type[E]) -> Callable[[Callable[[E], None]], Callable[[E], None]]:
    """Register the decorated function as a handler of `event_type` (call from an AppConfig.ready)."""

    def register(handler: Callable[[E], None]) -> Callable[[E], None]:
        if handler not in _handlers[event_type]:
            _handlers[event_type].append(handler)
        return handler

    return register


def publish(event: Any) -> None:
    """Run every handler of the event now, inside the caller's transaction.

    :raises RuntimeError: if called outside a transaction (handlers must commit or roll back with the publisher)
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(f"publish({type(event).__name__}) must run inside transaction.atomic()")
    for handler in list(_handlers[type(event)]):
        handler(event)


def actor_of(event: Any):
    """The user an event names as having acted (its `actor_id`), or None for the system (or a user no longer there)."""
    return get_user_model().objects.filter(pk=event.actor_id).first() if event.actor_id else None

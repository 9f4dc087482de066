"""Beat jobs that work through many items (lots, shipments, qualifications): each item in a transaction of its own,
and one item's failure never stops the others. The item that failed is logged (`logger.exception`, naming the job and
the item) and left as it was, so the next run tries it again; whatever marks an item done (a claimed timestamp, a
transition) is in its transaction, so a second run does nothing twice."""
import logging
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.db import transaction

logger = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")


class ItemsDone(list):
    """What `run_each` returns: the results of the items done (a list), and `failed`, the keys of the items that raised."""

    def __init__(self) -> None:
        super().__init__()
        self.failed: list[str] = []


def item_key(item: Any) -> str:
    """An item's name in the log: `app.model:pk` for a model instance, the value itself for an id."""
    meta = getattr(item, "_meta", None)
    return f"{meta.label_lower}:{item.pk}" if meta is not None else str(item)


def run_each(items: Iterable[T], work: Callable[[T], R | None], *, job: str, key: Callable[[T], str] = item_key) -> ItemsDone:
    """Call `work(item)` for each item in a transaction (a savepoint inside another) of its own, collecting what it
    returns (None: nothing done, not collected). An item whose work raises is rolled back, logged with its traceback
    under `job` and its key, counted in `failed`, and the run goes on with the next one."""
    done = ItemsDone()
    for item in items:
        try:
            with transaction.atomic():
                result = work(item)
        except Exception:
            name = key(item)
            logger.exception("job %s: item %s failed and is left for the next run", job, name)
            done.failed.append(name)
            continue
        if result is not None:
            done.append(result)
    if done.failed:
        logger.warning("job %s: %s item(s) failed: %s", job, len(done.failed), ", ".join(done.failed[:20]))
    return done

"""Reads shared by the apps' selectors."""
from django.db.models import BooleanField, Case, Q, QuerySet, Value, When


def answering(rows: QuerySet, condition: Q, answer: bool | None) -> QuerySet:
    """A yes/no filter: the `rows` `condition` holds for (True), all the others (False: those it does not hold for,
    and those it cannot be told of, where a value it reads is empty), or all of them (None: no filter). The portal's
    pages and the APIs narrow a list by a yes/no filter through it, so that `false` means "only those not" on both;
    together, the rows of True and of False are the rows of None."""
    if answer is None:
        return rows
    if answer:
        return rows.filter(condition)
    # not `exclude(condition)`: an annotation's comparison with an empty value is unknown, and NOT unknown drops the row
    return rows.filter(Case(When(condition, then=Value(False)), default=Value(True), output_field=BooleanField()))

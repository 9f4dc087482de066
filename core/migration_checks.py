"""Checks a migration runs before it adds a unique key existing rows may break: it stops with the rows to mend,
never half applied."""
from collections.abc import Sequence

from django.db.models import Count, F, Q
from django.db.models.functions import Lower


class DuplicateRows(Exception):
    """Rows share a value a unique key is about to forbid; the message names them."""


def refuse_duplicates(
    app_label: str, model_name: str, fields: str | Sequence[str], *, named_by: str, condition: Q | None = None,
    ignoring_case: bool = False, help_text: str = "",
):
    """A RunPython step that stops the migration when rows (those matching `condition`) share a value of `fields` (one
    field's name, or several making one key; in any letter case, `ignoring_case`), naming each shared value and the
    rows holding it by their `named_by` and id, then `help_text` (where to read how to mend them)."""
    fields = (fields,) if isinstance(fields, str) else tuple(fields)
    key = {f"unique_key_{n}": Lower(field) if ignoring_case else F(field) for n, field in enumerate(fields)}

    def check(apps, schema_editor) -> None:
        rows = apps.get_model(app_label, model_name)._base_manager.using(schema_editor.connection.alias).filter(condition or Q())
        rows = rows.annotate(**key)
        shared = rows.values(*key).annotate(rows=Count("pk")).filter(rows__gt=1).values_list(*key)
        found = [
            ", ".join(map(str, value)) + ": " + ", ".join(
                f"{name} (#{pk})" for pk, name in rows.filter(**dict(zip(key, value))).order_by("pk").values_list("pk", named_by))
            for value in sorted(shared)
        ]
        if found:
            unique = f"{model_name}.{', '.join(fields)} unique" + (" ignoring case" if ignoring_case else "")
            raise DuplicateRows(
                f"Cannot make {unique}: these {model_name} rows share one; mend them and migrate again.\n"
                + "\n".join(found) + (f"\n{help_text}" if help_text else "")
            )

    return check

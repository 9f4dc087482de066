"""Checks a migration runs before it adds a unique key existing rows may break: it stops with the rows to mend,
never half applied."""
from django.db.models import Count, F, Q
from django.db.models.functions import Lower


class DuplicateRows(Exception):
    """Rows share a value a unique key is about to forbid; the message names them."""


def refuse_duplicates(
    app_label: str, model_name: str, field: str, *, named_by: str, condition: Q | None = None, ignoring_case: bool = False,
    help_text: str = "",
):
    """A RunPython step that stops the migration when rows (those matching `condition`) share a `field` value (in any
    letter case, `ignoring_case`), naming each shared value and the rows holding it by their `named_by` and id, then
    `help_text` (where to read how to mend them)."""

    def check(apps, schema_editor) -> None:
        rows = apps.get_model(app_label, model_name)._base_manager.using(schema_editor.connection.alias).filter(condition or Q())
        rows = rows.annotate(unique_key=Lower(field) if ignoring_case else F(field))
        shared = rows.values("unique_key").annotate(rows=Count("pk")).filter(rows__gt=1).values_list("unique_key", flat=True)
        found = [
            f"{value}: " + ", ".join(f"{name} (#{pk})" for pk, name in rows.filter(unique_key=value).order_by("pk").values_list("pk", named_by))
            for value in sorted(shared)
        ]
        if found:
            unique = f"{model_name}.{field} unique" + (" ignoring case" if ignoring_case else "")
            raise DuplicateRows(
                f"Cannot make {unique}: these {model_name} rows share one; mend them and migrate again.\n"
                + "\n".join(found) + (f"\n{help_text}" if help_text else "")
            )

    return check

"""Checks a migration runs before it adds a unique key existing rows may break: it stops with the rows to mend,
never half applied."""
from django.db.models import Count, Q


class DuplicateRows(Exception):
    """Rows share a value a unique key is about to forbid; the message names them."""


def refuse_duplicates(app_label: str, model_name: str, field: str, *, named_by: str, condition: Q | None = None):
    """A RunPython step that stops the migration when rows (those matching `condition`) share a `field` value, naming
    each shared value and the rows holding it by their `named_by` and id."""

    def check(apps, schema_editor) -> None:
        rows = apps.get_model(app_label, model_name)._base_manager.using(schema_editor.connection.alias).filter(condition or Q())
        shared = rows.values(field).annotate(rows=Count("pk")).filter(rows__gt=1).values_list(field, flat=True)
        found = [
            f"{value}: " + ", ".join(f"{name} (#{pk})" for pk, name in rows.filter(**{field: value}).order_by("pk").values_list("pk", named_by))
            for value in sorted(shared)
        ]
        if found:
            raise DuplicateRows(
                f"Cannot make {model_name}.{field} unique: these {model_name} rows share one; mend them and migrate again.\n"
                + "\n".join(found)
            )

    return check

"""Every model change has its migration in the repository (a clean checkout migrates to the models as they are)."""
import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_no_model_change_is_missing_a_migration():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)  # exits with status 1 when one is missing


def test_migrations_carry_no_state_machine():
    """Migrations render their models thousands of times on a fresh database; each state machine in them connected a
    receiver that every later rendering called, and migrating took more than twice as long (core.models.StateField)."""
    from django.apps import apps
    from django.db.migrations.loader import MigrationLoader
    from django_fsm import FSMFieldMixin

    from core.models import StateField

    historical = MigrationLoader(None, ignore_no_migrations=True).project_state().apps
    machine_fields = {
        (model._meta.label, field.name): field for model in apps.get_models() for field in model._meta.fields if isinstance(field, FSMFieldMixin)
    }
    assert len(machine_fields) > 15  # every workflow of the product
    for (label, name), field in machine_fields.items():
        assert isinstance(field, StateField), f"{label}.{name} is a plain FSMField: migrations would carry its machine"
        assert field.protected, f"{label}.{name} can be written without a transition"
        column = historical.get_model(label)._meta.get_field(name)
        assert not isinstance(column, FSMFieldMixin), f"the migrations of {label}.{name} carry its machine"
        assert (column.max_length, column.default, column.choices) == (field.max_length, field.default, field.choices)

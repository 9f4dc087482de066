"""Every model change has its migration in the repository (a clean checkout migrates to the models as they are)."""
import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_no_model_change_is_missing_a_migration():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)  # exits with status 1 when one is missing

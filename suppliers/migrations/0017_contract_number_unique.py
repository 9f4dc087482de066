"""A contract number is unique among all suppliers' contracts (the operator numbers them), no longer only within one
supplier's. Contracts already sharing a number stop the migration, named by their suppliers, to be mended first."""
from django.db import migrations, models

from core.migration_checks import refuse_duplicates


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_transition_reason_params"),
        ("suppliers", "0016_supplier_credit_code_unique"),
    ]

    operations = [
        migrations.RunPython(refuse_duplicates("suppliers", "Contract", "number", named_by="supplier__name"), migrations.RunPython.noop),
        migrations.RemoveConstraint(model_name="contract", name="contract_number_unique_per_supplier"),
        migrations.AddConstraint(
            model_name="contract",
            constraint=models.UniqueConstraint(fields=("number",), name="contract_number_unique"),
        ),
    ]

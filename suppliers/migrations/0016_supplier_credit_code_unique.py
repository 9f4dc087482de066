"""A unified social credit code belongs to one supplier (a rejected application aside: the entity may apply again).
Suppliers already sharing a code stop the migration, named, for an operator to mend first."""
from django.db import migrations, models

from core.migration_checks import refuse_duplicates


class Migration(migrations.Migration):
    dependencies = [("suppliers", "0015_qualification_review")]

    operations = [
        migrations.RunPython(
            refuse_duplicates("suppliers", "Supplier", "credit_code", named_by="name", condition=~models.Q(state="rejected")),
            migrations.RunPython.noop,
        ),
        migrations.AddConstraint(
            model_name="supplier",
            constraint=models.UniqueConstraint(
                condition=models.Q(("state", "rejected"), _negated=True), fields=("credit_code",), name="supplier_credit_code_unique"
            ),
        ),
    ]

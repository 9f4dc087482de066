from pathlib import PurePosixPath

from django.db import migrations, models

#: what a kept file's extension says it is: check_document gave every file the extension of its content
BY_EXTENSION = {".pdf": "application/pdf", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".webp": "image/webp"}
UNKNOWN = "application/octet-stream"  # served as a download, shown as a link


def content_type_of(name: str) -> str:
    return BY_EXTENSION.get(PurePosixPath(name).suffix.lower(), UNKNOWN)


def backfill_content_types(apps, schema_editor):
    """Existing evidence is given the content type its name's extension says."""
    ReturnEvidence = apps.get_model("logistics", "ReturnEvidence")
    for evidence in ReturnEvidence.objects.only("pk", "file").iterator():
        ReturnEvidence.objects.filter(pk=evidence.pk).update(content_type=content_type_of(evidence.file.name))


class Migration(migrations.Migration):

    dependencies = [
        ("logistics", "0025_return_evidence"),
    ]

    operations = [
        migrations.AddField(
            model_name="returnevidence",
            name="content_type",
            field=models.CharField(default=UNKNOWN, max_length=40, verbose_name="文件类型"),
            preserve_default=False,
        ),
        migrations.RunPython(backfill_content_types, migrations.RunPython.noop),
    ]

"""Changes left pending on gifts retired before retirement withdrew them are withdrawn now: a retired gift is never
listed again, so no review can apply them, and the review queue leaves them out, so they would wait forever.

Mirrors `suppliers.services.revisions.withdraw_pending_revisions` (which `retire_gift` and terminating a supplier call):
each pending revision of a retired gift goes to `withdrawn` with `decided_at` set, and its history gets a `withdraw` row
from `pending` with the same reason, written as the system (no actor). Migrations cannot import services, so this is
its minimal equivalent on the historical models; the pictures such a change proposed are left in storage (the
service deletes them after commit, which a migration cannot do safely). Migrating back changes nothing."""
from django.db import migrations
from django.utils import timezone

#: `suppliers.services.revisions.WITHDRAWN_ON_RETIREMENT`, stored as the message id pages translate
WITHDRAWN_ON_RETIREMENT = "礼品已退市，待审核的修改随之撤回"


def withdraw_revisions_of_retired_gifts(apps, schema_editor):
    db = schema_editor.connection.alias
    GiftRevision = apps.get_model("suppliers", "GiftRevision")
    pending = GiftRevision.objects.using(db).filter(state="pending", gift__state="retired")
    ids = list(pending.order_by("pk").values_list("pk", flat=True))
    if not ids:
        return
    now = timezone.now()
    content_type, _ = apps.get_model("contenttypes", "ContentType").objects.using(db).get_or_create(
        app_label="suppliers", model="giftrevision")
    GiftRevision.objects.using(db).filter(pk__in=ids, state="pending").update(state="withdrawn", decided_at=now)
    apps.get_model("core", "TransitionLog").objects.using(db).bulk_create(
        apps.get_model("core", "TransitionLog")(
            content_type=content_type, object_id=pk, transition="withdraw", source_state="pending", target_state="withdrawn",
            actor=None, at=now, reason=WITHDRAWN_ON_RETIREMENT, reason_params=None,
        )
        for pk in ids
    )


class Migration(migrations.Migration):
    dependencies = [
        ("suppliers", "0023_records_keep_what_they_belong_to"),
        ("core", "0009_username_unique_ignoring_case"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(withdraw_revisions_of_retired_gifts, migrations.RunPython.noop)]

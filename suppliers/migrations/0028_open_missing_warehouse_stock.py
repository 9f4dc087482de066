"""Warehouse gifts approved before approval opened their stock records get them now: a stock record of nothing at each
warehouse where a warehouse gift approved once and not retired has none, so that it is listed on 库存 and its safety
stock can be set there before its first delivery.

Mirrors `suppliers.services.inventory.open_stock_at_warehouse` (APPROVED_ONCE, or a record at a warehouse already)
on the historical models, which a migration must use. A record a gift already has is left as it is, and the unique key
(gift, location) is never broken: running it again opens nothing. Migrating back removes nothing (a record of nothing
opened here is the same as one opened on approval)."""
from django.db import migrations
from django.db.models import Q

#: `suppliers.services.inventory.APPROVED_ONCE`
APPROVED_ONCE = ("approved", "online", "offline", "clearance")
BATCH = 1000


def open_missing_warehouse_stock(apps, schema_editor):
    db = schema_editor.connection.alias
    Gift, Location, StockRecord = (apps.get_model("suppliers", name) for name in ("Gift", "Location", "StockRecord"))
    warehouses = list(Location.objects.using(db).filter(kind="warehouse").order_by("pk").values_list("pk", flat=True))
    listed = Q(state__in=APPROVED_ONCE) | Q(stock_records__location__kind="warehouse")
    gift_ids = sorted(set(Gift.objects.using(db).filter(listed, fulfilment="warehouse").exclude(state="retired").values_list("pk", flat=True)))
    held = set(StockRecord.objects.using(db).filter(location_id__in=warehouses).values_list("gift_id", "location_id"))
    missing = [StockRecord(gift_id=gift, location_id=location) for gift in gift_ids for location in warehouses if (gift, location) not in held]
    StockRecord.objects.using(db).bulk_create(missing, batch_size=BATCH, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [("suppliers", "0027_safety_stock_changes")]

    operations = [migrations.RunPython(open_missing_warehouse_stock, migrations.RunPython.noop)]

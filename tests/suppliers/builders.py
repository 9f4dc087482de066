"""Builders of the catalog tests: pictures, the gift form, a catalog row and its CSV file."""
import csv
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from suppliers.models import Gift, GiftRevision
from suppliers.services.catalog_io import KEYS
from tests.factories import CategoryFactory
from tests.helpers import published

ROW = {
    "sku": "TEA-001", "name": "明前龙井礼盒", "description": "西湖龙井，明前采摘", "category": "tea",
    "images": "gifts/tea.jpg|gifts/tea-box.jpg", "specification": "250g × 2", "warranty_text": "质量问题15天包换",
    "market_price": "298.00", "settlement_price": "180.00", "fulfilment": "dropship", "min_tier": "silver",
    "tier_discounts": "gold:5|diamond:10", "points_gotone": "1500", "points_mzone": "1200",
}


def csv_bytes(*rows: dict, columns=KEYS, header=None, encoding: str = "utf-8") -> bytes:
    stream = io.StringIO()
    writer = csv.writer(stream)
    writer.writerow(header or columns)
    writer.writerows([row.get(key, "") for key in columns] for row in rows)
    return stream.getvalue().encode(encoding)


def picture(name: str = "tea.png", kind: str = "PNG", size: tuple[int, int] = (40, 30)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, kind)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{kind.lower()}")


def new_gift(**overrides) -> dict:
    return {
        "sku": "TEA-PIC", "name": "图片茶礼", "description": "春茶", "category": CategoryFactory().pk, "images": "",
        "specification": "100g", "warranty_text": "七天无理由", "market_price": "199.00", "settlement_price": "120.00",
        "fulfilment": "warehouse", "min_tier": "standard", "points_gotone": "1200", "points_mzone": "",
    } | overrides


WEB_PICTURE = "https://cdn.example.com/tea.jpg"  # a picture a gift names by its web address: one listed before any upload


def publish(gift: Gift, operator) -> Gift:
    return published(gift, actor=operator, at=gift.created_at)


def upload_with_an_edit(client, gift: Gift, upload) -> GiftRevision | None:
    """Post the gift's edit form as the page shows it, with a picture to upload; the revision it made, if any."""
    form = client.get(f"/supplier/gifts/{gift.pk}/edit/").context["form"]
    data = {name: "" if value is None else getattr(value, "pk", value) for name, value in form.initial.items()}
    client.post(f"/supplier/gifts/{gift.pk}/edit/", data | {"upload": [upload]})
    return GiftRevision.objects.filter(gift=gift).first()

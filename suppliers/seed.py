"""Demo suppliers: two active suppliers (for tenant isolation) and one application, with its business licence, waiting
for review. The second takes SMS only of the notices that need its action (its admin's change, in its profile history)."""
from datetime import timedelta

from core.roles import Role
from core.seed import ensure_user
from core.seeding import register_seed
from suppliers.models import ProfileChange, Supplier, SupplierMembership
from suppliers.services import contracts, onboarding, profile, qualifications, team
from suppliers.validators import credit_code_check_char

#: name, credit code (first 17), admin's username, contact phone, active, contact person, address (where members'
#: returns of dropship gifts go): each in the city its credit code was issued in
DEMO_SUPPLIERS = [
    ("杭州优选礼品有限公司", "91330106MA2AAAAA0", "supplier_a", "13900001111", True, "张经理", "浙江省杭州市西湖区文三路 478 号 12 楼"),
    ("深圳星河数码科技有限公司", "91440300MA5BBBBB1", "supplier_b", "13900002222", True, "林经理", "广东省深圳市南山区科苑路 15 号科兴科学园 B 栋 8 楼"),
    ("北京京味食品有限公司", "91110105MA0CCCCC2", "supplier_c", "13900003333", False, "赵经理", "北京市朝阳区酒仙桥路 10 号 3 号楼 2 层"),
]

#: the demo supplier whose contact is texted only the notices that need its action
ACTION_SMS_ONLY = "supplier_b"


def demo_credit_code(first17: str) -> str:
    return first17 + credit_code_check_char(first17)


def seed_paperwork(*, supplier, operator, now, index: int) -> None:
    """An approved two-year contract and a business licence valid for three years."""
    from decimal import Decimal

    from django.core.files.base import ContentFile
    from django.utils import timezone

    today = timezone.localdate(now)
    contract = contracts.create_contract(
        supplier=supplier, actor=operator, now=now, number=f"HT-{today.year}-{index:03d}", start_date=today.replace(day=1),
        end_date=today.replace(day=1) + timedelta(days=730), programs=["gotone", "mzone"], payment_days=30,
        deposit_amount=Decimal("50000.00"),
    )
    contracts.approve_contract(contract=contract, actor=operator, now=now)
    qualifications.upload_qualification(
        supplier=supplier, actor=operator, now=now, kind="business_licence", number=supplier.credit_code,
        issued_on=today - timedelta(days=365), expires_on=today + timedelta(days=3 * 365),
        file=ContentFile(b"%PDF-1.4 demo business licence", name=f"licence-{index}.pdf"),
    )


def applicants_licence(*, now, index: int) -> dict:
    """The business licence an applicant sends with its application, valid for ten years from two years ago."""
    from django.core.files.base import ContentFile
    from django.utils import timezone

    today = timezone.localdate(now)
    return {"licence_file": ContentFile(b"%PDF-1.4 demo business licence", name=f"licence-{index}.pdf"),
            "licence_issued_on": today - timedelta(days=730), "licence_expires_on": today + timedelta(days=2920)}


#: how long before seeding the demo suppliers applied and were approved: over a year, so each is due its yearly re-evaluation
COOPERATING_FOR = timedelta(days=450)


@register_seed(20, "suppliers and their users")
def seed_suppliers(*, now, password, progress) -> None:
    operator = ensure_user(username="operator", role=Role.OPERATOR, password=password)
    onboarded = now - COOPERATING_FOR
    for index, (name, code17, username, phone, activate, contact, address) in enumerate(DEMO_SUPPLIERS, start=1):
        supplier = Supplier.objects.filter(name=name).first()
        if supplier is None:
            supplier = onboarding.apply_as_supplier(
                name=name, credit_code=demo_credit_code(code17), contact_name=contact, contact_phone=phone,
                contact_email=f"{username}@example.com", address=address,
                username=username, password=password, now=onboarded if activate else now,
                **({} if activate else applicants_licence(now=now, index=index)),
            )
            if activate:
                onboarding.start_supplier_review(supplier=supplier, actor=operator, now=onboarded)
                seed_paperwork(supplier=supplier, operator=operator, now=onboarded, index=index)
                onboarding.approve_supplier(supplier=supplier, actor=operator, now=onboarded, reason="资质齐全")
        if not SupplierMembership.objects.filter(user__username=f"{username}_staff").exists():
            admin = SupplierMembership.objects.select_related("user").get(supplier=supplier, user__role=Role.SUPPLIER_ADMIN).user
            team.add_staff(actor=admin, username=f"{username}_staff", name="仓管员", phone=phone, password=password,
                           now=onboarded if activate else now)
        if username == ACTION_SMS_ONLY and not ProfileChange.objects.filter(supplier=supplier, field=ProfileChange.Field.SMS_NOTICES).exists():
            admin = SupplierMembership.objects.select_related("user").get(supplier=supplier, user__role=Role.SUPPLIER_ADMIN).user
            profile.request_profile_change(supplier=supplier, actor=admin, now=now - timedelta(days=2), field=ProfileChange.Field.SMS_NOTICES,
                                           sms_notices=Supplier.SmsNotices.ACTION)
        progress(index, len(DEMO_SUPPLIERS))


CATEGORIES = [("tea", "茶叶", "Tea"), ("electronics", "数码电子", "Electronics"), ("home", "家居用品", "Home goods")]
#: code, name, and the address members send returns to
WAREHOUSES = [
    ("WH-HZ", "杭州物流仓", "浙江省杭州市余杭区仓前街道良睦路 1399 号 3 号库", "0571-88886666"),
    ("WH-SZ", "深圳物流仓", "广东省深圳市宝安区福永街道凤塘大道 28 号 B 栋", "0755-26668888"),
]
DEMO_GIFTS = [
    # supplier index, sku, name, category, settlement price, points {program: price}, fulfilment, stock
    (0, "TEA-LJ-250", "明前龙井礼盒 250g", "tea", "180.00", {"gotone": 1500, "mzone": 1200}, "warehouse", 40),
    (0, "HOME-CUP-01", "真空保温杯 500ml", "home", "45.00", {"gotone": 400, "mzone": 350}, "warehouse", 3),
    (1, "ELEC-BT-02", "蓝牙降噪耳机", "electronics", "320.00", {"gotone": 12000}, "dropship", 25),
]
#: a gift approved with no publishing time: the operator's 待上线 (礼品审核), to put online now or schedule
APPROVED_GIFT = (0, "TEA-DHP-100", "武夷大红袍礼盒 100g", "tea", "150.00", {"gotone": 1300, "mzone": 1100}, "warehouse", 0)


@register_seed(26, "a warehouse count: a tea gift box found damaged on the shelf, the logistics provider liable")
def seed_warehouse_count(*, now, password, progress) -> None:
    from suppliers.models import StockMovement, StockRecord
    from suppliers.services import inventory

    logistics = ensure_user(username="logistics", role=Role.LOGISTICS, password=password)
    record = StockRecord.objects.select_related("gift", "location").get(gift__sku="TEA-LJ-250", location__code="WH-HZ")
    if not StockMovement.objects.filter(gift=record.gift, kind=StockMovement.Kind.CORRECTION).exists():
        inventory.count_warehouse_stock(record=record, on_hand=record.on_hand - 1, reason="月度盘点：货架上 1 盒压损，无法销售",
                                        liable=StockMovement.Liable.LOGISTICS, actor=logistics, now=now - timedelta(days=150))
    progress(1, 1)


@register_seed(25, "categories, warehouses and listed gifts with stock")
def seed_catalog(*, now, password, progress) -> None:
    from decimal import Decimal

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from suppliers.models import Category, Gift, Location
    from core.models import User
    from suppliers.services import catalog, inventory, revisions
    from suppliers.services.gift_images import demo_picture

    operator = ensure_user(username="operator", role=Role.OPERATOR, password=password)
    categories = {code: Category.objects.get_or_create(code=code, defaults={"name": name, "name_en": name_en})[0]
                  for code, name, name_en in CATEGORIES}
    warehouses = [
        Location.objects.get_or_create(
            code=code, defaults={"name": name, "kind": "warehouse", "address": address, "contact_phone": phone}
        )[0]
        for code, name, address, phone in WAREHOUSES
    ]
    for warehouse in warehouses:  # as the admin does for a warehouse it adds
        inventory.open_stock_at_warehouse(location=warehouse)
    suppliers = [Supplier.objects.get(name=row[0]) for row in DEMO_SUPPLIERS]
    for index, (owner, sku, name, category, price, points, fulfilment, stock) in enumerate(DEMO_GIFTS, start=1):
        supplier = suppliers[owner]
        if Gift.objects.filter(supplier=supplier, sku=sku).exists():
            continue
        gift = catalog.create_gift(
            supplier=supplier, actor=operator, now=now, sku=sku, name=name, category=categories[category],
            market_price=Decimal(price) * 2, settlement_price=Decimal(price), points_prices=points, fulfilment=fulfilment,
            images=[default_storage.save(f"gifts/{supplier.pk}/{sku.lower()}.png", ContentFile(demo_picture(sku)))], specification="标准装", warranty_text="质量问题15天包换", tier_discounts={"diamond": 10},
        )
        for step in (catalog.submit_gift, catalog.approve_gift, catalog.publish_gift):
            step(gift=gift, actor=operator, now=now)
        stocked_at = now - timedelta(days=180)  # before the demo's orders (months back)
        if fulfilment == "dropship":  # the supplier counts its own stock in, with its reason, and keeps a safety stock there
            admin = User.objects.get(username=DEMO_SUPPLIERS[owner][2])
            inventory.count_own_stock(gift=gift, available=stock, reason="到货入库", actor=admin, now=stocked_at)
            inventory.set_own_safety_stock(gift=gift, safety_stock=5, actor=admin, now=now)
        else:
            inventory.receive_stock(gift=gift, location=warehouses[0], quantity=stock, at=stocked_at)
            inventory.set_safety_stock(gift=gift, location=warehouses[0], safety_stock=5, at=now)
        progress(index, len(DEMO_GIFTS))
    owner, sku, name, category, price, points, fulfilment, _stock = APPROVED_GIFT
    if not Gift.objects.filter(supplier=suppliers[owner], sku=sku).exists():  # approved, for the operator to put online or schedule
        gift = catalog.create_gift(
            supplier=suppliers[owner], actor=operator, now=now, sku=sku, name=name, category=categories[category],
            market_price=Decimal(price) * 2, settlement_price=Decimal(price), points_prices=points, fulfilment=fulfilment,
            images=[default_storage.save(f"gifts/{suppliers[owner].pk}/{sku.lower()}.png", ContentFile(demo_picture(sku)))],
            specification="标准装", warranty_text="质量问题15天包换",
        )
        for step in (catalog.submit_gift, catalog.approve_gift):
            step(gift=gift, actor=operator, now=now)
    cup = Gift.objects.get(supplier=suppliers[0], sku="HOME-CUP-01")
    if not cup.revisions.exists():  # a change of a listed gift waiting for the operator's review
        revisions.edit_gift(gift=cup, actor=User.objects.get(username=DEMO_SUPPLIERS[0][2]), now=now,
                            changes={"warranty_text": "质量问题30天包换，一年保修"})

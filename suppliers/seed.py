"""Demo suppliers: two active suppliers (for tenant isolation) and one application waiting for review."""
from core.roles import Role
from core.seed import ensure_user
from core.seeding import register_seed
from suppliers.models import Supplier, SupplierMembership
from suppliers.services import onboarding
from suppliers.validators import credit_code_check_char

DEMO_SUPPLIERS = [
    ("杭州优选礼品有限公司", "91330106MA2AAAAA0", "supplier_a", "13900001111", True),
    ("深圳星河数码科技有限公司", "91440300MA5BBBBB1", "supplier_b", "13900002222", True),
    ("北京京味食品有限公司", "91110105MA0CCCCC2", "supplier_c", "13900003333", False),
]


def demo_credit_code(first17: str) -> str:
    return first17 + credit_code_check_char(first17)


@register_seed(20, "suppliers and their users")
def seed_suppliers(*, now, password, progress) -> None:
    operator = ensure_user(username="operator", role=Role.OPERATOR, password=password)
    for index, (name, code17, username, phone, activate) in enumerate(DEMO_SUPPLIERS, start=1):
        supplier = Supplier.objects.filter(name=name).first()
        if supplier is None:
            supplier = onboarding.apply_as_supplier(
                name=name, credit_code=demo_credit_code(code17), contact_name="张经理", contact_phone=phone,
                contact_email=f"{username}@example.com", address="浙江省杭州市西湖区文三路 100 号",
                username=username, password=password, now=now,
            )
            if activate:
                onboarding.start_supplier_review(supplier=supplier, actor=operator, now=now)
                onboarding.approve_supplier(supplier=supplier, actor=operator, now=now, reason="资质齐全")
        staff = ensure_user(username=f"{username}_staff", role=Role.SUPPLIER_STAFF, password=password, phone=phone)
        SupplierMembership.objects.get_or_create(user=staff, defaults={"supplier": supplier})
        progress(index, len(DEMO_SUPPLIERS))

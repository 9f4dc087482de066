"""factory_boy factories for every aggregate; tests build their world from these."""
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import factory

from core.models import Program, Tier, User
from core.roles import Role
from points.models import Member
from suppliers.models import Category, Contract, Gift, GiftPrice, Location, Notice, Qualification, Supplier, SupplierMembership
from suppliers.validators import credit_code_check_char

SHANGHAI = ZoneInfo("Asia/Shanghai")
#: A member's delivery address, as an order takes it.
ADDRESS = {"recipient_name": "刘洋", "recipient_phone": "13800138000", "address": "浙江省杭州市西湖区文三路100号"}
FIXED_NOW = datetime(2026, 10, 15, 10, 0, tzinfo=SHANGHAI)

#: A supplier's application as the API and the portal form take it: a valid credit code and mobile number.
SUPPLIER_APPLICATION = {
    "name": "新礼品商有限公司", "credit_code": "91350100M000100Y43", "contact_name": "王", "contact_phone": "13911112222",
    "username": "newadmin", "password": "long-enough-1",
}


def credit_code(n: int) -> str:
    first17 = f"913301{n:011d}"
    return first17 + credit_code_check_char(first17)


class GetOrCreateFactory(factory.django.DjangoModelFactory):
    """A factory with `django_get_or_create`: the row of those keys if there is one, else a new one, in two queries
    (Django's get_or_create takes a savepoint round the insert as well, for a race no test runs into)."""

    class Meta:
        abstract = True

    @classmethod
    def _get_or_create(cls, model_class, *args, **kwargs):
        manager = cls._get_manager(model_class)
        found = manager.filter(**{field: kwargs[field] for field in cls._meta.django_get_or_create}).first()
        return found or manager.create(*args, **kwargs)


class UserFactory(GetOrCreateFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    role = Role.OPERATOR
    password = factory.django.Password("pass12345")


class ApplicantFactory(factory.django.DjangoModelFactory):
    """A supplier's application (`applied`) with no contract or licence yet: its gifts go to review, never on sale."""

    class Meta:
        model = Supplier

    name = factory.Sequence(lambda n: f"测试礼品商{n}有限公司")
    credit_code = factory.Sequence(credit_code)
    contact_name = "张经理"
    contact_phone = factory.Sequence(lambda n: f"139{n:08d}")
    applied_at = FIXED_NOW


class SupplierFactory(ApplicantFactory):
    """A supplier in cooperation (`active`) holding what activation needs: an approved contract serving both programs
    through 2027 and a valid business licence (`contract=None` / `licence=None`: without it)."""

    class Meta:
        skip_postgeneration_save = True

    state = Supplier.State.ACTIVE
    contract = factory.RelatedFactory("tests.factories.ContractFactory", factory_related_name="supplier", state="approved")
    licence = factory.RelatedFactory("tests.factories.QualificationFactory", factory_related_name="supplier")


class SupplierUserFactory(UserFactory):
    class Meta:
        skip_postgeneration_save = True

    role = Role.SUPPLIER_ADMIN

    @factory.post_generation
    def supplier(self, create, extracted, **kwargs):
        SupplierMembership.objects.create(user=self, supplier=extracted or SupplierFactory())


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    user = factory.SubFactory(UserFactory, role=Role.MEMBER)
    program = factory.LazyFunction(lambda: Program.objects.get(code=Program.GOTONE))
    tier = Tier.GOLD
    name = "刘洋"
    phone = factory.Sequence(lambda n: f"138{n:08d}")


class NoticeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notice

    supplier = factory.SubFactory(SupplierFactory)
    kind = "general"
    title = "补货提醒"
    body = "请尽快补货"
    created_at = FIXED_NOW


class CategoryFactory(GetOrCreateFactory):
    class Meta:
        model = Category
        django_get_or_create = ("code",)

    code = "tea"
    name = "茶叶"


class GiftFactory(factory.django.DjangoModelFactory):
    """A complete draft gift priced in both programs (GoTone 1500, M-Zone 1200)."""

    class Meta:
        model = Gift
        skip_postgeneration_save = True

    supplier = factory.SubFactory(SupplierFactory)
    sku = factory.Sequence(lambda n: f"SKU-{n:04d}")
    name = factory.Sequence(lambda n: f"明前龙井礼盒{n}")
    category = factory.SubFactory(CategoryFactory)
    images = factory.LazyFunction(lambda: ["gifts/tea.jpg"])
    specification = "250g × 2"
    warranty_text = "质量问题15天包换"
    market_price = Decimal("298.00")
    settlement_price = Decimal("180.00")
    created_at = FIXED_NOW

    @factory.post_generation
    def points(self, create, extracted, **kwargs):
        prices = extracted if extracted is not None else {"gotone": 1500, "mzone": 1200}
        programs = Program.objects.in_bulk(list(prices), field_name="code")
        GiftPrice.objects.bulk_create([GiftPrice(gift=self, program=programs[code], points_price=points) for code, points in prices.items()])


class WarehouseFactory(GetOrCreateFactory):
    class Meta:
        model = Location
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"WH-{n:02d}")
    name = factory.Sequence(lambda n: f"华东{n}号仓")
    kind = Location.Kind.WAREHOUSE


class ContractFactory(factory.django.DjangoModelFactory):
    """An approved two-year contract serving both programs (approve it through the service in tests of review)."""

    class Meta:
        model = Contract
        skip_postgeneration_save = True

    supplier = factory.SubFactory(ApplicantFactory)
    number = factory.Sequence(lambda n: f"HT-2026-{n:04d}")
    start_date = date(2026, 1, 1)
    end_date = date(2027, 12, 31)
    payment_days = 30
    deposit_amount = Decimal("50000.00")
    created_at = FIXED_NOW

    @factory.post_generation
    def programs(self, create, extracted, **kwargs):
        # a new contract serves none yet: add them by id, without reading what it served before (as `set` would)
        self.programs.add(*Program.objects.filter(code__in=extracted or ["gotone", "mzone"]).values_list("pk", flat=True))


class QualificationFactory(factory.django.DjangoModelFactory):
    """An approved business licence valid through 2027 (`state="pending"`: an upload waiting for review)."""

    class Meta:
        model = Qualification

    supplier = factory.SubFactory(ApplicantFactory)
    kind = Qualification.Kind.BUSINESS_LICENCE
    number = factory.LazyAttribute(lambda licence: licence.supplier.credit_code)  # a licence's number is its holder's code
    issued_on = date(2020, 1, 1)
    expires_on = date(2027, 12, 31)
    file = factory.django.FileField(filename="licence.pdf", data=b"%PDF-1.4 licence")
    uploaded_at = FIXED_NOW
    state = Qualification.State.APPROVED


def licensed(supplier: Supplier) -> Supplier:
    """Give a supplier (an applicant: `SupplierFactory` holds one) a valid business licence (through 2027): what
    submitting its gifts to review needs; one already holding an approved licence is left as it is."""
    held = Qualification.objects.filter(supplier=supplier, kind=Qualification.Kind.BUSINESS_LICENCE, state=Qualification.State.APPROVED)
    if not held.exists():
        QualificationFactory(supplier=supplier)
    return supplier


def contracted(supplier: Supplier, *, now=FIXED_NOW) -> Supplier:
    """Give a supplier an approved contract: one that settlement may adjust (an applicant has nothing to settle)."""
    from suppliers.services import contracts

    contracts.approve_contract(contract=ContractFactory(supplier=supplier), actor=None, now=now)
    return supplier


def ready_to_activate(supplier: Supplier, *, now=FIXED_NOW) -> Supplier:
    """Give a supplier what `active` needs: an approved contract in force and a valid business licence."""
    contracted(supplier, now=now)
    QualificationFactory(supplier=supplier)
    return supplier


#: the onboarding decisions that take an applicant to each state (SPEC §4.1)
ONBOARDING_PATHS = {
    Supplier.State.APPLIED: [], Supplier.State.UNDER_REVIEW: ["review"], Supplier.State.ACTIVE: ["review", "approve"],
    Supplier.State.REJECTED: ["review", "reject"], Supplier.State.SUSPENDED: ["review", "approve", "suspend"],
    Supplier.State.TERMINATED: ["review", "approve", "terminate"],
}


def supplier_in(state: str, *, supplier: Supplier | None = None, actor=None, now=FIXED_NOW, **kwargs) -> Supplier:
    """A supplier (a new applicant unless given) taken through onboarding's services to `state`: approved with the
    contract and licence activation needs, then suspended or terminated with a reason, or rejected. One given already
    active (`SupplierFactory`'s) takes only the steps after approval."""
    from suppliers.services import onboarding

    supplier = supplier or ApplicantFactory(**kwargs)
    services = {"review": onboarding.start_supplier_review, "approve": onboarding.approve_supplier, "reject": onboarding.reject_supplier,
                "suspend": onboarding.suspend_supplier, "terminate": onboarding.terminate_supplier}
    steps = ONBOARDING_PATHS[state]
    if supplier.state == Supplier.State.ACTIVE and steps[:2] == ONBOARDING_PATHS[Supplier.State.ACTIVE]:
        steps = steps[2:]
    for step in steps:
        if step == "approve":
            ready_to_activate(supplier, now=now)
        services[step](supplier=supplier, actor=actor, now=now, reason="运营审核决定")
    return supplier



def renumbered(document):
    """`document` with its random digits (`core.numbers.new_number`) all sevens: a test that searches for digits a
    phone or a code holds finds the document by those, never by a chance match in its number."""
    type(document).objects.filter(pk=document.pk).update(number=document.number[:-12] + "7" * 12)
    document.refresh_from_db()
    return document

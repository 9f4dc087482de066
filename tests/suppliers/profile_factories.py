"""Factories and helpers of supplier paperwork tests: bank accounts, profile changes, certificates, listed gifts."""
from datetime import date
from decimal import Decimal

import factory

from suppliers.models import BankAccount, Category, Gift, ProfileChange
from suppliers.services import catalog
from tests.factories import FIXED_NOW, GiftFactory, QualificationFactory, SupplierFactory

NEW_ACCOUNT = {"bank_name": "中国工商银行杭州西湖支行", "account_name": "测试礼品商有限公司", "account_number": "6222021202001234567"}


class BankAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BankAccount

    supplier = factory.SubFactory(SupplierFactory)
    bank_name = "中国银行杭州分行"
    account_name = factory.LazyAttribute(lambda account: account.supplier.name)
    account_number = factory.Sequence(lambda n: f"62170000{n:011d}")
    approved_at = FIXED_NOW


class ProfileChangeFactory(factory.django.DjangoModelFactory):
    """A pending legal-name change."""

    class Meta:
        model = ProfileChange

    supplier = factory.SubFactory(SupplierFactory)
    field = ProfileChange.Field.LEGAL_NAME
    old_value = factory.LazyAttribute(lambda change: {"legal_name": change.supplier.name})
    new_value = factory.Sequence(lambda n: {"legal_name": f"更名后的礼品商{n}有限公司"})
    requested_at = FIXED_NOW


class CertificateFactory(QualificationFactory):
    """A 3C product certificate valid through 2027."""

    kind = "product_certificate"
    certificate_type = "3C"
    number = factory.Sequence(lambda n: f"3C-{n:06d}")


def electronics() -> Category:
    category, _ = Category.objects.get_or_create(code="electronics", defaults={"name": "数码电器", "required_certificates": ["3C"]})
    return category


def gift_in_state(state: str, *, at=FIXED_NOW, **kwargs) -> Gift:
    """A gift taken through the catalog services at `at` to `approved`, `online`, `offline` (delisted for low sales),
    `clearance` or `retired` (from offline: its warehouse stock, if any, left over in lots). Its supplier holds at `at`
    what submitting the gift needs (a valid licence, the certificates of its category)."""
    if state not in ("approved", "online", "offline", "clearance", "retired"):
        raise ValueError(state)
    gift = GiftFactory(**kwargs)
    catalog.submit_gift(gift=gift, actor=None, now=at)
    catalog.approve_gift(gift=gift, actor=None, now=at)
    if state == "approved":
        return gift
    catalog.publish_gift(gift=gift, actor=None, now=at)
    if state == "online":
        return gift
    catalog.delist_gift(gift=gift, actor=None, now=at, reason_code=Gift.DelistReason.LOW_SALES)
    if state == "offline":
        return gift
    if state == "clearance":
        return catalog.start_clearance(gift=gift, actor=None, now=at, points_price=500, settlement_price=Decimal("50.00"))
    return catalog.retire_gift(gift=gift, actor=None, now=at)


def expiring_licence(supplier, *, expires_on: date, **kwargs):
    return QualificationFactory(supplier=supplier, issued_on=date(2021, 1, 1), expires_on=expires_on, **kwargs)

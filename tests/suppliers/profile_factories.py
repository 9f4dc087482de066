"""Factories and helpers of supplier paperwork tests: bank accounts, profile changes, certificates, licences."""
from datetime import date

import factory
from django.core.files.uploadedfile import SimpleUploadedFile

from suppliers.models import BankAccount, Category, ProfileChange, Supplier
from tests.factories import FIXED_NOW, QualificationFactory, SupplierFactory

NEW_ACCOUNT = {"bank_name": "中国工商银行杭州西湖支行", "account_name": "测试礼品商有限公司", "account_number": "6222021202001234567"}


def evidence(name: str = "permit.pdf", content: bytes = b"%PDF-1.4 permit") -> SimpleUploadedFile:
    """A scan attached to a reviewed profile change (an account-opening permit, a business licence)."""
    return SimpleUploadedFile(name, content, content_type="application/pdf")


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
    evidence = factory.django.FileField(filename="licence.pdf", data=b"%PDF-1.4 new licence")


class CertificateFactory(QualificationFactory):
    """A 3C product certificate valid through 2027."""

    kind = "product_certificate"
    certificate_type = "3C"
    number = factory.Sequence(lambda n: f"3C-{n:06d}")


def licence_number(holder) -> str:
    """The number a business licence of `holder` (a supplier, or one of its users) carries: its credit code."""
    supplier = holder if isinstance(holder, Supplier) else Supplier.objects.get(pk=holder.supplier_id)
    return supplier.credit_code


def electronics() -> Category:
    category, _ = Category.objects.get_or_create(code="electronics", defaults={"name": "数码电器", "required_certificates": ["3C"]})
    return category


def expiring_licence(supplier, *, expires_on: date, **kwargs):
    return QualificationFactory(supplier=supplier, issued_on=date(2021, 1, 1), expires_on=expires_on, **kwargs)

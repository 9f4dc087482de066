"""Qualifications (资质, SPEC §4.1): uploads and renewals."""
from datetime import date, datetime

from core.errors import ValidationFailed
from suppliers.models import Qualification, Supplier


def upload_qualification(
    *, supplier: Supplier, actor, now: datetime, kind: str, number: str, issued_on: date, expires_on: date, file, certificate_type: str = ""
) -> Qualification:
    """Record a licence or certificate (a renewal is simply a newer one).

    :raises ValidationFailed: for an expiry not after issue, a certificate without its type, or no file
    """
    if expires_on <= issued_on:
        raise ValidationFailed("有效期须晚于发证日期 (expiry must be after issue)", field="expires_on")
    if kind == Qualification.Kind.PRODUCT_CERTIFICATE and not certificate_type.strip():
        raise ValidationFailed("请填写证书种类 (certificate type required)", field="certificate_type")
    if not file:
        raise ValidationFailed("请上传证书文件 (a file is required)", field="file")
    return Qualification.objects.create(
        supplier=supplier, kind=kind, certificate_type=certificate_type.strip(), number=number, issued_on=issued_on,
        expires_on=expires_on, file=file, uploaded_at=now,
    )


def submission_blockers(*, supplier: Supplier, category, on: date) -> list[tuple[str, str]]:
    """(field, message) for each expired or missing qualification that blocks submitting a gift of `category`."""
    valid = Qualification.objects.filter(supplier=supplier, issued_on__lte=on, expires_on__gte=on)
    blockers = []
    if not valid.filter(kind=Qualification.Kind.BUSINESS_LICENCE).exists():
        blockers.append(("business_licence", "营业执照已过期或缺失，续期前不能提交礼品 (business licence expired or missing)"))
    held = set(valid.filter(kind=Qualification.Kind.PRODUCT_CERTIFICATE).values_list("certificate_type", flat=True))
    for certificate_type in category.required_certificates or []:
        if certificate_type not in held:
            blockers.append(("certificates", f"缺少有效的{certificate_type}证书 (valid {certificate_type} certificate required)"))
    return blockers

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

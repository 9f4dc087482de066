"""Demo qualifications beside the suppliers' licences (see SuppliersConfig.ready), all through the qualification
services: supplier_a's three-year food production licence, recorded by the operator with its other papers when it was
approved, expires in 20 days and the daily sweep has warned supplier_a (its 合同与资质 page and inbox, the operator's
即将到期 filter); supplier_b's 3C certificate for its earbuds, uploaded yesterday by supplier_b, waits in the
operator's review queue (资质审核).

Guarded by the certificates' numbers, so a second run adds nothing (and the sweep warns once).
"""
from datetime import timedelta

from core.seeding import register_seed
from suppliers.seed import COOPERATING_FOR

VALID_FOR = timedelta(days=3 * 365)


def _certificate(*, supplier_name: str, username: str, certificate_type: str, number: str, uploaded_at, issued_on) -> None:
    """The supplier's product certificate, valid three years from `issued_on`, uploaded by `username` (once)."""
    from django.core.files.base import ContentFile

    from core.models import User
    from suppliers.models import Qualification, Supplier
    from suppliers.services import qualifications

    supplier = Supplier.objects.get(name=supplier_name)
    if Qualification.objects.filter(supplier=supplier, number=number).exists():
        return
    qualifications.upload_qualification(
        supplier=supplier, actor=User.objects.get(username=username), now=uploaded_at,
        kind=Qualification.Kind.PRODUCT_CERTIFICATE, certificate_type=certificate_type, number=number, issued_on=issued_on,
        expires_on=issued_on + VALID_FOR, file=ContentFile(b"%PDF-1.4 demo certificate", name=f"certificate-{number}.pdf"),
    )


@register_seed(27, "qualifications: a certificate expiring in 20 days (warned), an upload waiting for review")
def seed_qualifications(*, now, progress, **_) -> None:
    from django.utils import timezone

    from suppliers.services import qualifications

    today = timezone.localdate(now)
    _certificate(supplier_name="杭州优选礼品有限公司", username="operator", certificate_type="食品生产许可", number="SC11233010600123",
                 uploaded_at=now - COOPERATING_FOR, issued_on=today + timedelta(days=20) - VALID_FOR)
    progress(1, 2)
    _certificate(supplier_name="深圳星河数码科技有限公司", username="supplier_b", certificate_type="3C", number="2025011606123456",
                 uploaded_at=now - timedelta(days=1), issued_on=today - timedelta(days=30))
    progress(2, 2)
    qualifications.sweep_qualifications(now=now)  # what the daily job would have done: supplier_a is warned once

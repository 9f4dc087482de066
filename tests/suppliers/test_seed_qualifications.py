"""`manage.py seed_demo` gives the operator's qualification review something to decide and something about to expire:
supplier_b's 3C certificate waits for review first in the queue, supplier_a's food production licence expires within
30 days and supplier_a was warned once, on its paperwork page and in its inbox."""
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from suppliers.models import Notice, Qualification

# with --dist loadgroup one worker runs the module: the demo is seeded once (seeded_demo), not once per worker
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("seed_qualifications")]


@pytest.fixture(scope="module")
def seeded_twice(seeded_demo, django_db_blocker):
    """The demo seeded twice, once per module: the qualifications after the first run."""
    with django_db_blocker.unblock():
        first = list(Qualification.objects.order_by("pk").values_list("supplier__name", "kind", "certificate_type", "state", "warned_at"))
        call_command("seed_demo", stdout=StringIO())
    return first


def test_a_second_run_adds_no_qualification_and_warns_nobody_again(seeded_twice):
    assert list(Qualification.objects.order_by("pk").values_list(
        "supplier__name", "kind", "certificate_type", "state", "warned_at")) == seeded_twice
    assert Notice.objects.filter(kind="qualification_expiring").count() == 1


def test_supplier_bs_certificate_waits_first_in_the_operators_review_queue(seeded_twice, client):
    pending = Qualification.objects.get(supplier__name="深圳星河数码科技有限公司", state="pending")
    client.login(username="operator", password="demo12345")

    queue = list(client.get("/supplier/qualifications/review/").context["page_obj"])

    assert (pending.kind, pending.certificate_type) == ("product_certificate", "3C")
    assert {q.state for q in queue[:2]} == {"pending"} and pending in queue[:2]  # beside supplier_c's licence sent with its application
    assert client.get(f"/supplier/qualifications/review/{pending.pk}/").status_code == 200


def test_supplier_as_certificate_expires_within_30_days_and_supplier_a_is_reminded(seeded_twice, client):
    expiring = Qualification.objects.get(supplier__name="杭州优选礼品有限公司", kind="product_certificate")

    client.login(username="supplier_a", password="demo12345")
    paperwork = client.get("/supplier/paperwork/").content.decode()
    client.login(username="operator", password="demo12345")
    filtered = client.get("/supplier/qualifications/review/?expiry_status=expiring").context["page_obj"]

    assert expiring.state == "approved" and expiring.expires_on <= timezone.localdate() + timedelta(days=30)
    assert Notice.objects.get(kind="qualification_expiring").supplier == expiring.supplier
    assert 'data-testid="expiry-warnings"' in paperwork and "请及时上传续期资质" in paperwork
    assert [q.pk for q in filtered] == [expiring.pk]

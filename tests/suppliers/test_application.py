"""A supplier's application through the service, as the API and the portal form call it."""
import pytest

from core.errors import ValidationFailed
from suppliers.models import Supplier
from suppliers.services import onboarding
from tests.factories import SUPPLIER_APPLICATION

pytestmark = pytest.mark.django_db

APPLICATION = {**SUPPLIER_APPLICATION, "contact_email": "", "address": ""}


def test_the_contact_phone_is_stored_without_surrounding_spaces(now):
    supplier = onboarding.apply_as_supplier(**APPLICATION | {"contact_phone": " 13911112222 "}, now=now)

    assert supplier.contact_phone == supplier.memberships.get().user.phone == "13911112222"


def test_a_contact_phone_that_is_not_a_mobile_number_is_refused_and_nothing_is_written(now):
    with pytest.raises(ValidationFailed) as refused:
        onboarding.apply_as_supplier(**APPLICATION | {"contact_phone": "0571-8888888"}, now=now)

    assert refused.value.field == "contact_phone"
    assert not Supplier.objects.exists()

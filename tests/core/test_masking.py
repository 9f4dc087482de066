"""Personal data masking (SPEC §4.13) and the access log of unmasked reads."""
import pytest

from core.masking import mask_address, mask_name, mask_phone, mask_phones_in
from core.models import AccessLog
from core.services import log_personal_data_access
from core.validators import is_mobile


@pytest.mark.parametrize(
    ("phone", "masked"),
    [("13812341234", "138****1234"), ("+86 138-1234-1234", "861****1234"), ("12345", "*****"), ("", "")],
)
def test_phone_numbers_keep_the_first_three_and_last_four_digits(phone, masked):
    assert mask_phone(phone) == masked


@pytest.mark.parametrize("number", ["13812341234", "19912341234", "12812341234", "1381234123", "23812341234", "１３８１２３４１２３４"])
def test_a_text_has_a_number_masked_exactly_when_a_mobile_field_would_take_it(number):
    masked = mask_phones_in(f"订单 7 联系 {number} 未接")

    assert (masked == f"订单 7 联系 {mask_phone(number)} 未接") == is_mobile(number)
    assert (masked == f"订单 7 联系 {number} 未接") != is_mobile(number)


def test_names_keep_only_the_first_character():
    assert (mask_name("张三丰"), mask_name("李"), mask_name("")) == ("张**", "李", "")


def test_addresses_keep_only_the_region():
    assert mask_address("浙江省杭州市西湖区文三路100号3单元") == "浙江省杭州市****"
    assert mask_address("北京") == "北****"


@pytest.mark.django_db
def test_an_unmasked_read_is_recorded_with_who_when_what_and_why(supplier, logistics, now):
    log_personal_data_access(actor=logistics, subject=supplier, fields=["contact_phone"], purpose="shipment", at=now)

    entry = AccessLog.objects.get()
    assert (entry.actor, entry.at, entry.subject_type, entry.subject_id) == (logistics, now, "suppliers.supplier", str(supplier.pk))
    assert (entry.fields, entry.purpose) == ("contact_phone", "shipment")

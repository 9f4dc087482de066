"""A text the system writes with values (a history's reason) is kept as its message id and values, and written in each
reader's language; as a str it is the Chinese text, and a text a person typed is kept and shown as typed."""
from django.utils import translation
from django.utils.translation import gettext_noop

from core.texts import Message, as_written, joined_messages, stored, written


def test_a_message_is_its_chinese_text_and_is_stored_as_its_id_with_its_values():
    message = Message(gettext_noop("交接批次 %(number)s"), number="HB1")

    assert message == "交接批次 HB1" and message.strip() == "交接批次 HB1"
    assert stored(message) == ("交接批次 %(number)s", {"number": "HB1"})
    assert stored("手机丢失") == ("手机丢失", None) and stored(Message(gettext_noop("复评"))) == ("复评", None)


def test_a_stored_message_is_written_in_the_readers_language_and_typed_text_as_typed():
    with translation.override("en"):
        assert written("交接批次 %(number)s", {"number": "HB1"}) == "Handoff batch HB1"
        assert written("手机丢失", None) == "手机丢失"
        assert written("退货率 100%", None) == "退货率 100%"  # no values: a percent sign is left alone
    with translation.override("zh-hans"):
        assert written("交接批次 %(number)s", {"number": "HB1"}) == "交接批次 HB1"
    assert written("", None) == ""


def test_values_that_no_longer_fit_the_message_show_it_as_stored_instead_of_failing_the_page():
    with translation.override("en"):
        assert written("交接批次 %(number)s", {"batch": "HB1"}) == "交接批次 %(number)s"


def test_a_translation_that_no_longer_fits_falls_back_to_the_chinese_text_with_chinese_values(monkeypatch):
    from core import texts

    monkeypatch.setattr(texts, "gettext", lambda text: {"资质过期：%(qualification)s": "Expired: %(licence)s", "营业执照": "Business licence"}.get(text, text))
    params = {"qualification": {"message": "营业执照", "params": {}}}

    assert written("资质过期：%(qualification)s", params) == "资质过期：营业执照"  # not half in English


def test_a_stored_message_as_written_is_the_chinese_text_with_its_values_whatever_the_readers_language():
    with translation.override("en"):
        assert as_written("交接批次 %(number)s", {"number": "HB1"}) == "交接批次 HB1"
        assert as_written("退货率 100%", None) == "退货率 100%" and as_written("", None) == ""
        assert as_written("交接批次 %(number)s", {"batch": "HB1"}) == "交接批次 %(number)s"  # values that no longer fit


def test_a_lazily_translated_label_as_a_value_is_kept_as_its_message_and_written_in_each_readers_language():
    from suppliers.models import Qualification

    with translation.override("en"):  # made while another language is active
        reason, params = stored(Message(gettext_noop("资质过期：%(qualification)s"), qualification=Qualification.Kind.BUSINESS_LICENCE.label))

    assert params == {"qualification": {"message": "营业执照", "params": {}}}
    assert as_written(reason, params) == "资质过期：营业执照"
    with translation.override("en"):
        assert written(reason, params) == "Qualification expired: Business licence"


def test_messages_shown_together_are_joined_with_the_separator_of_the_readers_language():
    with translation.override("zh-hans"):
        assert joined_messages(["缺少已生效的合同", "营业执照待审核，请先审核通过"]) == "缺少已生效的合同；营业执照待审核，请先审核通过"
        assert joined_messages(["密码太短。", "密码太常见。"]) == "密码太短。密码太常见。"  # a finished sentence needs none
    with translation.override("en"):
        assert joined_messages(["a is wrong", "b is wrong"]) == "a is wrong; b is wrong"
        assert joined_messages(["No approved contract in force.", "No valid business licence."]) == (
            "No approved contract in force. No valid business licence.")
    assert joined_messages(["只有一条"]) == "只有一条" and joined_messages([]) == "" and joined_messages(["", " 一条 "]) == "一条"


def test_an_amount_of_money_shows_its_sign_before_the_currency_mark():
    from decimal import Decimal

    from core.texts import yuan

    assert [yuan(Decimal("-101")), yuan(Decimal("360.5")), yuan(Decimal("-0.00")), yuan(12.5), yuan(None)] == [
        "-¥101.00", "¥360.50", "¥0.00", "¥12.50", ""]


def test_an_amount_of_money_is_grouped_by_thousands_in_either_language():
    from decimal import Decimal

    from django.utils import translation

    from core.texts import yuan

    for language in ("zh-hans", "en"):
        with translation.override(language):
            assert [yuan(Decimal("12345.6")), yuan(Decimal("-1234567"))] == ["¥12,345.60", "-¥1,234,567.00"]

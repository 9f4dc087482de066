"""Texts the system writes now for people to read later, in their own language.

Where such a text is shown, a model's `<field>_text` is the text as written, in Chinese with its values, and its
`<field>_label` the text in the reader's language; the API gives both, as `<field>` and `<field>_label`, the way it
gives a code and its name (`state`, `target_label`).

A value may itself be a Message (a label the system chose: a certificate's kind) or a list of them (the places a
notice names), written in the reader's language too; a list is joined with "、" (English: ", ")."""
from datetime import datetime
from decimal import Decimal

from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_noop


#: Texts earlier versions wrote into rows still kept (a stock movement's note, a notice's body or one of its values):
#: nothing writes them now, but those rows are still read in the reader's language, so the catalog must keep them.
WRITTEN_EARLIER = (
    gettext_noop("礼品商盘点减少"),
    gettext_noop("超过48小时未答复，已转运营处理；仍可在「投诉处理」中答复。"),
    gettext_noop("请在投诉页面查看答复。"),
    gettext_noop("请您在订单中发出新的换货包裹"),
    # amounts written as "1720.00 元" before notices and histories named money as pages do (yuan: ¥1,720.00)
    gettext_noop("第 %(version)s 版下发后未在期限内确认或提出异议，已视同确认；应付 %(payable)s 元。"),
    gettext_noop("收款 %(amount)s 元（凭证 %(reference)s，%(collected_on)s 收到），尚未收回 %(left)s 元"),
    gettext_noop("收款 %(amount)s 元（凭证 %(reference)s，%(collected_on)s 收到），应收款已全部收回"),
    gettext_noop("收到 %(amount)s 元，收款凭证 %(reference)s，收款日期 %(collected_on)s；累计收回 %(collected)s 元，应收款已全部收回。"),
    gettext_noop("第 %(version)s 版，付款 %(payable)s 元，付款凭证 %(reference)s，付款日期 %(payment_date)s。"),
    gettext_noop("应付 %(payable)s 元。请于 %(confirm_by)s 前确认或提出异议，逾期未处理视为确认。"),
    gettext_noop("应付 %(payable)s 元。下发说明：%(note)s。请于 %(confirm_by)s 前确认或提出异议，逾期未处理视为确认。"),
    gettext_noop("%(kind)s %(amount)s 元：%(reason)s。计入结算单。%(note)s"),
    gettext_noop("%(kind)s %(amount)s 元不再向您收取，也不计入结算单。作废原因：%(reason)s"),
)


def moment(value: datetime | None) -> str:
    """A time as YYYY-MM-DD HH:MM in the portal's time zone (Asia/Shanghai), as pages, notices, messages and downloads
    show it; empty for none."""
    return "" if value is None else f"{timezone.localtime(value):%Y-%m-%d %H:%M}"


def figure(value, decimal_pos: int | None = None) -> str:
    """A number as pages show it, grouped the way the reader's language writes it (config/formats): 1,234,567 and
    12,345.60 in both; what humanize's `intcomma` gives in a template. Downloads, the API and inputs keep plain numbers."""
    return number_format(value, decimal_pos, use_l10n=True, force_grouping=True)


def yuan(amount) -> str:
    """An amount of money as pages show it, in either language: ¥12,360.00, and a negative one -¥101.00 (the sign
    before the currency mark, never ¥-101.00); empty for none. Downloads keep plain numbers (`core.exports.money`)."""
    if amount is None or amount == "":
        return ""
    value = Decimal(str(amount)).quantize(Decimal("0.01"))
    return f"{'-' if value < 0 else ''}¥{figure(abs(value), 2)}"


def _as_is(text: str) -> str:
    """How `as_written` takes a message id: as written, in Chinese."""
    return text


class Message(str):
    """A text with values, kept as its message id (Chinese, marked with gettext_noop where it is made) and the values,
    so that each reader gets it in its own language (`written`). As a str it is the Chinese text with the values, so
    it passes through any `reason: str` unchanged (a history's reason: `core.fsm.apply_transition`)."""

    message_id: str
    params: dict

    def __new__(cls, message_id: str, **params) -> "Message":
        text = super().__new__(cls, as_written(message_id, storable(params)))
        text.message_id, text.params = message_id, params
        return text


def texts_of(field: str, params: str) -> tuple[property, property]:
    """The `<field>_text` and `<field>_label` properties of a model's text stored with its values in `params`: as
    written, in Chinese with its values; and in the reader's language (a text a person typed: as typed in both).

        note_text, note_label = texts_of("note", "note_params")
    """
    text = property(lambda obj: as_written(getattr(obj, field), getattr(obj, params)), doc=f"The {field} as written, in Chinese")
    label = property(lambda obj: written(getattr(obj, field), getattr(obj, params)), doc=f"The {field} in the reader's language")
    return text, label


def copy_label_of(field: str, message_id: str, params: str) -> property:
    """The `<field>_label` property of a text kept in Chinese, values filled in, because other rows copy it (statement
    lines copy an extra cost's description, an adjustment's reason): where the system wrote it, its message id and
    values are kept beside it (`message_id`, `params`) and it reads in the reader's language; a text a person typed
    reads as typed."""
    return property(lambda obj: written(getattr(obj, message_id), getattr(obj, params)) if getattr(obj, message_id) else getattr(obj, field),
                    doc=f"The {field} in the reader's language")


#: what ends a sentence: a message ending so needs only a space (English) or nothing (Chinese) before the next one
SENTENCE_ENDS = (".", "!", "?", "。", "！", "？")


def joined_messages(messages) -> str:
    """Several messages shown as one (a refusal naming each of its problems), in the reader's language: joined with
    "；" in Chinese and "; " in English; after a message that ends its sentence, with the separator's spacing only."""
    separator = gettext("；")
    spacing = separator[len(separator.rstrip()):]
    texts = [text for text in (str(message).strip() for message in messages) if text]
    return "".join(text + (spacing if text.endswith(SENTENCE_ENDS) else separator) for text in texts[:-1]) + "".join(texts[-1:])


def listed(items, translate=gettext) -> str:
    """Items named in a sentence, in the reader's language: "a、b、c" in Chinese, "a, b, c" in English (`translate`:
    gettext, or as written)."""
    return translate("、").join(str(item) for item in items)


def labelled_message(label: str, text: str) -> Message:
    """`label：text` as a Message: each reader gets the colon of its own language (see core.pages.labelled)."""
    return Message(gettext_noop("%(label)s：%(text)s"), label=label, text=text)


def label_message(label) -> Message:
    """A label translated lazily (a choice's) as a Message of its Chinese message id, to be a value of another."""
    with translation.override(None):
        return Message(str(label))


def storable(params: dict | None) -> dict | None:
    """The values as they are stored (JSON): a Message as its id with its values, a list item by item."""
    if not params:
        return params
    return {name: _storable(value) for name, value in params.items()}


def _storable(value):
    if isinstance(value, Promise):  # a label translated lazily (a choice's): its message, not the language of the moment
        value = label_message(value)
    if isinstance(value, Message):
        return {"message": value.message_id, "params": storable(value.params) or {}}
    if isinstance(value, list | tuple):
        return [_storable(item) for item in value]
    return value


def stored(text: str) -> tuple[str, dict | None]:
    """(what to store, its values): a Message's id and values; any other text as it is, with none."""
    return (text.message_id, storable(text.params) or None) if isinstance(text, Message) else (text, None)


def _render(value, translate):
    """A stored value as shown: a message written with `translate` (gettext, or as written), a list joined."""
    if isinstance(value, dict) and "message" in value:
        return _fill(translate(value["message"]), value["message"], value.get("params"), translate)
    if isinstance(value, list):
        return listed((_render(item, translate) for item in value), translate)
    return value


def _fill(candidate: str, text: str, params: dict | None, translate) -> str:
    """`candidate` (the translation, or the text itself) with the values; the text as written, values included, where
    the translation does not fit them (a placeholder renamed since), and as stored where neither does."""
    if not params:
        return candidate
    for attempt, values_in in ((candidate, translate), (text, _as_is)):
        try:
            return attempt % {name: _render(value, values_in) for name, value in params.items()}
        except (KeyError, ValueError, TypeError):
            continue
    return text


def as_written(text: str, params: dict | None) -> str:
    """A stored text as the system wrote it, in Chinese with its values (values that do not fit: as stored)."""
    return _fill(text, text, params, _as_is) if text else text


def written(text: str, params: dict | None) -> str:
    """A stored text in the reader's language with its values (a text a person typed has no translation: as typed).
    A translation that does not fit the stored values (a placeholder renamed since) falls back to the Chinese."""
    return _fill(gettext(text), text, params, gettext) if text else ""

"""Texts the system writes now for people to read later, in their own language.

Where such a text is shown, a model's `<field>_text` is the text as written, in Chinese with its values, and its
`<field>_label` the text in the reader's language; the API gives both, as `<field>` and `<field>_label`, the way it
gives a code and its name (`state`, `target_label`)."""
from django.utils.translation import gettext


class Message(str):
    """A text with values, kept as its message id (Chinese, marked with gettext_noop where it is made) and the values,
    so that each reader gets it in its own language (`written`). As a str it is the Chinese text with the values, so
    it passes through any `reason: str` unchanged (a history's reason: `core.fsm.apply_transition`)."""

    message_id: str
    params: dict

    def __new__(cls, message_id: str, **params) -> "Message":
        text = super().__new__(cls, message_id % params if params else message_id)
        text.message_id, text.params = message_id, params
        return text


def stored(text: str) -> tuple[str, dict | None]:
    """(what to store, its values): a Message's id and values; any other text as it is, with none."""
    return (text.message_id, text.params or None) if isinstance(text, Message) else (text, None)


def as_written(text: str, params: dict | None) -> str:
    """A stored text as the system wrote it, in Chinese with its values (a value that does not fit: as stored)."""
    if not (text and params):
        return text
    try:
        return text % params
    except (KeyError, ValueError, TypeError):
        return text


def written(text: str, params: dict | None) -> str:
    """A stored text in the reader's language with its values (a text a person typed has no translation: as typed).
    A translation that does not fit the stored values (a placeholder renamed since) falls back to the Chinese."""
    if not text:
        return ""
    if not params:
        return gettext(text)
    for candidate in (gettext(text), text):
        try:
            return candidate % params
        except (KeyError, ValueError, TypeError):
            continue
    return text

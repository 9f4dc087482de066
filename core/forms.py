"""Form pieces shared by the apps' portal pages."""
import uuid

from django import forms


class SubmittedOnce(forms.Form):
    """A form that creates something: it carries a token drawn when the page was rendered, so that a double click or a
    re-sent request creates it once (`core.idempotency.once_per_token`)."""

    token = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("token", uuid.uuid4().hex)

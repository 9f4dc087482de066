"""Helpers shared by portal (page) tests: a logged-in client, the field errors a form shows, the navigation."""
import re

from django.test import Client

FIELD_ERROR = re.compile(r'class="field-error" data-field="(\w+)">([^<]*)<')


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def field_errors(response) -> dict[str, str]:
    """{field: message} of the errors shown next to the form's fields."""
    return dict(FIELD_ERROR.findall(response.content.decode()))


def nav(response) -> str:
    """The navigation's HTML."""
    return response.content.decode().split('data-testid="nav"', 1)[1].split("</nav>", 1)[0]

"""Portal pages raise the same domain errors as services; render them as the right HTTP status. An API address that
is no route answers as the API does. A form posted once the session has expired comes back, after signing in, to its
page."""
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.handlers.exception import get_exception_response
from django.http import Http404, JsonResponse
from django.urls import get_resolver, get_urlconf
from rest_framework import exceptions

from core.errors import NotFound, PermissionDenied


class DomainErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, PermissionDenied | DjangoPermissionDenied):
            # the 403 page here, saying why when the refusal says more than the default: Django logs it as every 4xx,
            # one warning line (a PermissionDenied left to Django would be logged with its traceback)
            return get_exception_response(request, get_resolver(get_urlconf()), 403, DjangoPermissionDenied(_reason(exception)))
        if isinstance(exception, NotFound):
            raise Http404(exception.detail) from exception
        return None


def _reason(exception: Exception) -> str:
    """What a refusal says beyond "you may not" ("" when nothing: the page then says the generic text)."""
    if isinstance(exception, PermissionDenied):
        return "" if exception.detail == str(PermissionDenied.default_detail) else exception.detail
    return str(exception)


class ApiNotFoundMiddleware:
    """An address under /api/ that is no route (`/api/v1/gifts/0.5/`) answers the API's 404 in the API's error shape,
    as every 404 of the API does, not the portal's page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 404 and request.path.startswith("/api/") and not response.get("Content-Type", "").startswith("application/json"):
            error = exceptions.NotFound()
            return JsonResponse({"type": "client_error", "errors": [{"code": error.default_code, "detail": str(error.detail), "attr": None}]}, status=404)
        return response


class SignInAfterPost:
    """A form posted once the session has expired is sent to sign in (every `login_required` page does so) with, as the
    page to come back to, the page the form was on (the Referer, of this site) or else the home page: never the address
    it was posted to, which takes a POST only (a GET there after signing in would be a bare 405). What was entered was
    not kept: the sign-in page says so. After AuthenticationMiddleware and MessageMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method == "POST" and response.status_code == 302 and not request.user.is_authenticated:
            self._return_to_the_form(request, response)
        return response

    @staticmethod
    def _return_to_the_form(request, response) -> None:
        from django.conf import settings
        from django.contrib import messages
        from django.contrib.auth import REDIRECT_FIELD_NAME
        from django.http import QueryDict
        from django.shortcuts import resolve_url
        from django.utils.http import urlencode
        from django.utils.translation import gettext

        from core.pages import referring_page

        login, _mark, query = response["Location"].partition("?")
        if login != resolve_url(settings.LOGIN_URL) or QueryDict(query).get(REDIRECT_FIELD_NAME) != request.get_full_path():
            return
        back = referring_page(request) or resolve_url(settings.LOGIN_REDIRECT_URL)
        response["Location"] = f"{login}?{urlencode({REDIRECT_FIELD_NAME: back})}"
        messages.warning(request, gettext("登录已过期，刚才提交的内容未保存：请重新登录后再提交一次"))

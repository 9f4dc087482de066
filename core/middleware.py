"""Portal pages raise the same domain errors as services; render them as the right HTTP status. An API address that
is no route answers as the API does."""
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

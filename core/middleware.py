"""Portal pages raise the same domain errors as services; render them as the right HTTP status."""
from django.http import Http404
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied

from core.errors import NotFound, PermissionDenied


class DomainErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, PermissionDenied):
            raise DjangoPermissionDenied(exception.detail) from exception
        if isinstance(exception, NotFound):
            raise Http404(exception.detail) from exception
        return None

"""A URLconf for the idempotency tests: one endpoint that sends a supplier notice per request."""
import threading

from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils import timezone
from rest_framework.response import Response
from rest_framework.views import APIView

from core.idempotency import idempotent
from suppliers.models import Supplier
from suppliers.services.notices import send_notice

#: Set by a test to make the request wait (so a second request arrives while it runs).
gate = {"entered": threading.Event(), "release": None}


class SendNoticeView(APIView):
    @idempotent
    def post(self, request):
        gate["entered"].set()
        if gate["release"] is not None:
            gate["release"].wait(10)
        supplier = get_object_or_404(Supplier, pk=request.data["supplier"])
        notice = send_notice(supplier=supplier, kind="gift_approved", title=request.data["title"], body="", now=timezone.now())
        return Response({"id": notice.pk, "title": notice.title}, status=201)


urlpatterns = [path("api/v1/test-notices/", SendNoticeView.as_view(), name="test-notices")]

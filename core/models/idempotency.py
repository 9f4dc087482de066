"""Stored outcomes of requests sent with an Idempotency-Key (IETF draft, Stripe semantics)."""
from django.conf import settings
from django.db import models


class IdempotencyRecord(models.Model):
    """The outcome of a request, written in the request's own transaction: a record exists only for a request that
    completed (core.idempotency)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    endpoint = models.CharField(max_length=200)
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField(null=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "endpoint", "key"], name="idempotency_key_once_per_user_endpoint")]
        indexes = [models.Index(fields=["created_at"])]

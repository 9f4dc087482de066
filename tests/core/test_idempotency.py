"""Idempotency-Key: replay, 422 on another body, 400 when missing, scoped per user, purged after 24 h."""
from datetime import timedelta
from decimal import Decimal

import pytest

from core import idempotency
from core.models import IdempotencyRecord
from core.services import purge_idempotency_keys
from suppliers.models import Notice

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.idempotency_urls")]
URL = "/api/v1/test-notices/"


def test_same_key_and_body_replays_the_response_without_a_second_effect(api, operator, supplier):
    client = api(operator)
    body = {"supplier": supplier.pk, "title": "补货提醒"}

    first = client.post(URL, body, HTTP_IDEMPOTENCY_KEY="k-1")
    second = client.post(URL, body, HTTP_IDEMPOTENCY_KEY="k-1")

    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert Notice.objects.count() == 1


def test_same_key_with_another_body_is_422_and_changes_nothing(api, operator, supplier):
    client = api(operator)
    client.post(URL, {"supplier": supplier.pk, "title": "A"}, HTTP_IDEMPOTENCY_KEY="k-1")

    response = client.post(URL, {"supplier": supplier.pk, "title": "B"}, HTTP_IDEMPOTENCY_KEY="k-1")

    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "idempotency_key_reused"
    assert list(Notice.objects.values_list("title", flat=True)) == ["A"]


def test_missing_key_is_400_naming_the_header(api, operator, supplier):
    response = api(operator).post(URL, {"supplier": supplier.pk, "title": "A"})

    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert (error["code"], error["attr"]) == ("idempotency_key_missing", "Idempotency-Key")
    assert not Notice.objects.exists()


def test_a_key_longer_than_255_characters_is_400_naming_the_header_and_its_limit(api, operator, supplier):
    response = api(operator).post(URL, {"supplier": supplier.pk, "title": "A"}, HTTP_IDEMPOTENCY_KEY="k" * 256)

    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert (error["code"], error["attr"]) == ("invalid", "Idempotency-Key")
    assert "255" in error["detail"]
    assert not Notice.objects.exists()


def test_keys_are_scoped_per_user(api, operator, finance, supplier):
    body = {"supplier": supplier.pk, "title": "A"}

    api(operator).post(URL, body, HTTP_IDEMPOTENCY_KEY="shared")
    response = api(finance).post(URL, body, HTTP_IDEMPOTENCY_KEY="shared")

    assert response.status_code == 201
    assert Notice.objects.count() == 2


def test_a_failed_request_does_not_burn_its_key(api, operator, supplier):
    client = api(operator)
    failed = client.post(URL, {"supplier": supplier.pk + 999, "title": "A"}, HTTP_IDEMPOTENCY_KEY="k-2")
    assert failed.status_code == 404

    retried = client.post(URL, {"supplier": supplier.pk + 999, "title": "A"}, HTTP_IDEMPOTENCY_KEY="k-2")

    assert retried.status_code == 404
    assert not IdempotencyRecord.objects.filter(key="k-2").exists()


def test_keys_are_kept_24_hours_then_purged(api, operator, supplier, now):
    api(operator).post(URL, {"supplier": supplier.pk, "title": "A"}, HTTP_IDEMPOTENCY_KEY="k-1")
    created_at = IdempotencyRecord.objects.get().created_at

    kept = purge_idempotency_keys(now=created_at + timedelta(hours=23, minutes=59))
    purged = purge_idempotency_keys(now=created_at + timedelta(hours=24, minutes=1))

    assert (kept, purged) == (0, 1)
    assert not IdempotencyRecord.objects.exists()


def test_a_request_that_loses_the_race_to_store_its_key_answers_with_the_winners_outcome(api, operator, supplier, monkeypatch):
    """Another request with this key committed its outcome after this one's lookup (no lock on SQLite; on PostgreSQL
    the advisory lock makes it rare): this request's insert fails, its effect is rolled back, and the stored outcome is the answer."""
    client, body = api(operator), {"supplier": supplier.pk, "title": "A"}
    winner = client.post(URL, body, HTTP_IDEMPOTENCY_KEY="k-race")
    real_stored, lookups = idempotency._stored, []

    def claim_that_ran_before_the_winner_committed(**lookup):
        lookups.append(lookup)
        return None

    def lookup_after_the_failed_insert(**lookup):
        lookups.append(lookup)
        return real_stored(**lookup)

    monkeypatch.setattr(idempotency, "_claim", claim_that_ran_before_the_winner_committed)
    monkeypatch.setattr(idempotency, "_stored", lookup_after_the_failed_insert)

    loser = client.post(URL, body, HTTP_IDEMPOTENCY_KEY="k-race")

    assert len(lookups) == 2  # the missed lookup, then the one after the failed insert
    assert (loser.status_code, loser.json()) == (201, winner.json())
    assert loser["Idempotent-Replayed"] == "true"
    assert Notice.objects.count() == 1  # the loser's notice went with its rolled-back transaction
    assert IdempotencyRecord.objects.filter(key="k-race").count() == 1


def test_a_portal_form_token_runs_its_action_once_and_a_missing_token_is_refused(operator):
    from core.errors import IdempotencyKeyMissing
    from core.idempotency import once_per_token
    from core.models import Program

    made = []

    def action():
        made.append(1)
        return Program.objects.first()

    first = once_per_token(user=operator, form="demo", token="abc", values={"name": "a"}, action=action)
    again = once_per_token(user=operator, form="demo", token="abc", values={"name": "a"}, action=action)
    with pytest.raises(IdempotencyKeyMissing):
        once_per_token(user=operator, form="demo", token=" ", values={}, action=action)

    assert first == (Program.objects.first().pk, True) and again == (first[0], False) and made == [1]


def test_a_portal_form_token_sent_again_with_other_values_is_refused_naming_what_it_created_and_runs_nothing(operator):
    from core.errors import FormResent
    from core.idempotency import once_per_token
    from core.models import Program

    made = []

    def action():
        made.append(1)
        return Program.objects.first()

    once_per_token(user=operator, form="demo", token="abc", values={"amount": Decimal("-180.00")}, action=action)
    with pytest.raises(FormResent) as refused:
        once_per_token(user=operator, form="demo", token="abc", values={"amount": Decimal("-200.00")}, action=action)

    assert refused.value.created == Program.objects.first() and refused.value.status == 409 and made == [1]


def test_a_portal_form_token_over_255_characters_is_refused_naming_the_token_and_runs_nothing(operator):
    from core.errors import ValidationFailed
    from core.idempotency import once_per_token

    made = []

    with pytest.raises(ValidationFailed) as refused:
        once_per_token(user=operator, form="demo", token="t" * 256, values={}, action=lambda: made.append(1))

    assert refused.value.field == "token" and made == []

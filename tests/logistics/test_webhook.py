"""The provider's signed webhook and token API (SPEC §4.6): each attempt signed with its own send time, stale after
five minutes; the event id applied once; errors in the standard shape."""
import json
import shutil
import subprocess
from datetime import timedelta

import pytest

from core.models import TransitionLog
from logistics import signing
from logistics.models import CarrierEvent, Shipment
from points.models import RedemptionOrder
from tests.api_schema import served_schema
from tests.factories import FIXED_NOW
from tests.logistics.conftest import TRACKING

pytestmark = pytest.mark.django_db
WEBHOOK = "/api/v1/provider/webhook/"
EVENTS = "/api/v1/provider/events/"
SENT = FIXED_NOW + timedelta(days=2)


@pytest.fixture(autouse=True)
def _clock(time_machine):
    time_machine.move_to(SENT, tick=False)


def event_body(sequence=1, kind="delivered", *, event_id=None, payload=None) -> dict:
    return {"event_id": event_id or f"E-{sequence}", "tracking_number": TRACKING, "sequence": sequence, "kind": kind,
            "occurred_at": (FIXED_NOW + timedelta(days=1, hours=sequence)).isoformat(),
            "payload": {"signer": "刘洋"} if payload is None else payload}


def post_signed(client, body: dict, *, sent_at=None, secret=None, signature=None):
    """POST `body` as the provider does: raw JSON bytes signed with this attempt's send time."""
    raw = json.dumps(body, ensure_ascii=False).encode()
    timestamp = int((sent_at or SENT).timestamp())
    headers = signing.signed_headers(raw, timestamp, secret=secret)
    return client.post(WEBHOOK, raw, content_type="application/json", HTTP_X_TIMESTAMP=headers["X-Timestamp"],
                       HTTP_X_SIGNATURE=signature or headers["X-Signature"])


def error_of(response) -> tuple[int, str, str | None]:
    error = response.json()["errors"][0]
    return response.status_code, error["code"], error["attr"]


def test_a_signed_event_is_applied(client, shipped):
    response = post_signed(client, event_body())

    assert response.status_code == 200
    assert {k: response.json()[k] for k in ("event_id", "status", "shipment_state")} == {
        "event_id": "E-1", "status": "applied", "shipment_state": "delivered"}
    assert response.json()["payload"]["signer"] == "刘*"
    assert RedemptionOrder.objects.get().state == "delivered"


def test_an_event_finds_its_parcel_whatever_the_case_and_spaces_of_its_tracking_number(client, shipped):
    response = post_signed(client, event_body() | {"tracking_number": f" {TRACKING.lower()} "})

    assert response.status_code == 200 and response.json()["status"] == "applied"
    assert CarrierEvent.objects.get().tracking_number == TRACKING
    assert RedemptionOrder.objects.get().state == "delivered"


def test_a_wrong_signature_is_403_and_nothing_is_stored(client, shipped):
    response = post_signed(client, event_body(), signature="sha256=" + "0" * 64)

    assert error_of(response) == (403, "bad_signature", "X-Signature")
    assert CarrierEvent.objects.count() == 0


def test_a_call_signed_with_another_secret_is_403(client, shipped, settings):
    settings.LOGISTICS_WEBHOOK_SECRET = "the-configured-secret"

    refused = post_signed(client, event_body(), secret="an-old-secret")
    accepted = post_signed(client, event_body(), secret="the-configured-secret")

    assert (refused.status_code, accepted.status_code) == (403, 200)


def test_an_unsigned_call_is_403(client, shipped):
    response = client.post(WEBHOOK, event_body(), content_type="application/json")

    assert error_of(response) == (403, "bad_signature", "X-Timestamp")


def test_a_tampered_body_is_403(client, shipped):
    raw = json.dumps(event_body()).encode()
    headers = signing.signed_headers(raw, int(SENT.timestamp()))

    response = client.post(WEBHOOK, raw.replace(b"E-1", b"E-9"), content_type="application/json",
                           HTTP_X_TIMESTAMP=headers["X-Timestamp"], HTTP_X_SIGNATURE=headers["X-Signature"])

    assert response.status_code == 403


@pytest.mark.parametrize(("seconds", "status"), [(-301, 401), (-299, 200), (299, 200), (301, 401)])
def test_a_call_sent_more_than_five_minutes_from_now_is_stale(client, shipped, seconds, status):
    response = post_signed(client, event_body(), sent_at=SENT + timedelta(seconds=seconds))

    assert response.status_code == status
    if status == 401:
        assert error_of(response) == (401, "stale_request", "X-Timestamp")
        assert CarrierEvent.objects.count() == 0


def test_a_retry_re_signed_with_its_own_send_time_is_applied_once(client, shipped):
    first = post_signed(client, event_body(), sent_at=SENT - timedelta(seconds=200))
    log_rows = TransitionLog.objects.count()

    retry = post_signed(client, event_body())

    assert first.status_code == retry.status_code == 200
    assert first.json()["id"] == retry.json()["id"]
    assert (CarrierEvent.objects.count(), TransitionLog.objects.count()) == (1, log_rows)


def test_the_same_event_id_with_other_content_is_422(client, shipped):
    post_signed(client, event_body())

    response = post_signed(client, event_body(payload={"signer": "别人"}))

    assert error_of(response) == (422, "event_id_reused", "event_id")


def test_events_out_of_order_wait_for_their_predecessor(client, handed_over):
    named = {"order_number": handed_over.order.number}

    early = post_signed(client, event_body(2, "shipped", payload=named | {"carrier": "顺丰"}))
    first = post_signed(client, event_body(1, "picked", payload=named))

    assert (early.status_code, early.json()["status"]) == (202, "waiting")
    assert (first.status_code, first.json()["status"]) == (200, "applied")
    assert list(CarrierEvent.objects.order_by("sequence").values_list("status", flat=True)) == ["applied", "applied"]
    assert Shipment.objects.get().state == "shipped"


def test_an_unknown_shipment_is_a_typed_404(client, shipped):
    response = post_signed(client, event_body() | {"tracking_number": "NOPE1"})

    assert error_of(response) == (404, "unknown_shipment", "tracking_number")
    assert CarrierEvent.objects.count() == 0


def test_an_event_the_shipment_cannot_take_is_409_and_kept_as_rejected(client, shipped):
    response = post_signed(client, event_body(1, "picked", payload={}))

    assert error_of(response) == (409, "carrier_event_rejected", "kind")
    assert CarrierEvent.objects.get().status == "rejected"
    assert Shipment.objects.get().state == "shipped"


def test_a_malformed_event_is_400_naming_the_field(client, shipped):
    response = post_signed(client, event_body(payload={}))

    assert error_of(response) == (400, "invalid", "payload.signer")


@pytest.mark.parametrize("carrier", ["顺丰 www.jf-10086.cn", "顺丰 jf-10086.cn", "t.cn/abc"])
def test_an_event_naming_a_carrier_that_is_no_name_is_400_naming_it_and_nothing_is_stored(client, shipped, carrier):
    response = post_signed(client, event_body(payload={"signer": "刘洋", "carrier": carrier}))

    assert error_of(response) == (400, "invalid", "payload.carrier")
    assert (CarrierEvent.objects.count(), Shipment.objects.get().state) == (0, "shipped")


# --- the token API ----------------------------------------------------------------------------------------------
def test_the_providers_system_posts_events_as_a_logistics_user(api, shipped, logistics, supplier_staff):
    refused = api(supplier_staff).post(EVENTS, event_body(), format="json")
    accepted = api(logistics).post(EVENTS, event_body(), format="json")

    assert (refused.status_code, accepted.status_code, accepted.json()["status"]) == (403, 200, "applied")
    assert TransitionLog.objects.filter(transition="deliver", actor=logistics).count() == 2


def test_logistics_and_operators_list_a_tracking_numbers_events_with_their_status(api, shipped, logistics, operator, finance):
    api(logistics).post(EVENTS, event_body(2), format="json")

    listed = api(operator).get(f"{EVENTS}?tracking_number={TRACKING}").json()["results"]
    other = api(operator).get(f"{EVENTS}?tracking_number=ZT1").json()["results"]

    assert [(e["event_id"], e["sequence"], e["status"]) for e in listed] == [("E-2", 2, "waiting")]
    assert other == []
    assert api(finance).get(EVENTS).status_code == 403


# --- the documented recipe --------------------------------------------------------------------------------------
@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")
def test_the_openssl_recipe_in_the_docs_computes_the_same_signature():
    body, timestamp = '{"event_id":"E-1","kind":"delivered"}', 1792029600

    recipe = f"printf '%s.%s' '{timestamp}' '{body}' | openssl dgst -sha256 -hmac 'shh' | sed 's/^.*= //'"
    digest = subprocess.run(["sh", "-c", recipe], capture_output=True, text=True, check=True).stdout.strip()

    assert f"sha256={digest}" == signing.sign(body.encode(), timestamp, secret="shh")


def test_a_delivery_dated_before_the_shipping_is_400_naming_the_event_time(client, shipped):
    body = event_body() | {"occurred_at": (FIXED_NOW - timedelta(hours=1)).isoformat()}

    response = post_signed(client, body)

    assert error_of(response) == (400, "invalid", "occurred_at")
    assert (CarrierEvent.objects.count(), Shipment.objects.get().state) == (0, "shipped")


@pytest.mark.parametrize("route", ["webhook", "token API"])
def test_a_picking_dated_before_the_order_was_placed_is_400_naming_the_event_time_on_either_route(api, client, handed_over, logistics, route):
    named = {"order_number": handed_over.order.number}
    body = event_body(1, "picked", payload=named) | {"occurred_at": (FIXED_NOW - timedelta(days=3)).isoformat()}

    response = post_signed(client, body) if route == "webhook" else api(logistics).post(EVENTS, body, format="json")

    assert error_of(response) == (400, "invalid", "occurred_at")
    assert "交接时间" in response.json()["errors"][0]["detail"]
    assert (CarrierEvent.objects.count(), Shipment.objects.get().state) == (0, "created")


def test_the_schema_shows_each_refusal_of_the_webhook_with_the_code_and_field_it_answers(client, shipped):
    refusals = [
        post_signed(client, event_body(), sent_at=SENT - timedelta(seconds=301)),
        post_signed(client, event_body(), signature="sha256=" + "0" * 64),
        post_signed(client, event_body() | {"tracking_number": "NOPE1"}),
        post_signed(client, event_body(1, "picked", event_id="E-early", payload={})),
        post_signed(client, event_body(1, "delivered")),
        post_signed(client, event_body(1, "picked", event_id="E-early", payload={"carrier": "顺丰"})),
    ]

    responses = served_schema()["paths"][WEBHOOK]["post"]["responses"]
    documented = {(int(status), error["code"], error["attr"]) for status, response in responses.items()
                  for example in response.get("content", {}).get("application/json", {}).get("examples", {}).values()
                  for error in example["value"]["errors"]}
    answered = [error_of(response) for response in refusals]
    assert [code for _status, code, _attr in answered] == [
        "stale_request", "bad_signature", "unknown_shipment", "carrier_event_rejected", "event_sequence_taken", "event_id_reused"]
    assert set(answered) <= documented
    assert not {code for _status, code, _attr in documented} & {"authentication_failed", "not_authenticated", "permission_denied", "not_found"}


def test_the_schema_gives_the_highest_sequence_the_webhook_takes():
    from logistics.services.carrier_events import MAX_SEQUENCE

    sequence = served_schema()["components"]["schemas"]["CarrierEventInput"]["properties"]["sequence"]

    assert (sequence["minimum"], sequence["maximum"]) == (1, MAX_SEQUENCE)


def test_a_signed_body_nested_too_deeply_is_400_parse_error_and_records_nothing(client, shipped):
    raw = b"[" * 5000 + b"]" * 5000
    headers = signing.signed_headers(raw, int(SENT.timestamp()))

    response = client.post(WEBHOOK, raw, content_type="application/json", HTTP_X_TIMESTAMP=headers["X-Timestamp"],
                           HTTP_X_SIGNATURE=headers["X-Signature"])

    assert error_of(response) == (400, "parse_error", None)
    assert not CarrierEvent.objects.exists()


@pytest.mark.parametrize(("payload", "attr"), [
    ({"signer": "刘\u0000洋"}, "payload.signer"),
    ({"signer": "刘洋", "note": {"lines": ["ok", "x\u0000"]}}, "payload.note"),
    ({"signer": "刘洋", "k\u0000": "v"}, "payload"),
])
def test_a_nul_character_anywhere_in_the_payload_is_400_naming_it_and_nothing_is_stored(client, shipped, payload, attr):
    response = post_signed(client, event_body(payload=payload))

    assert error_of(response) == (400, "invalid", attr)
    assert not CarrierEvent.objects.exists()
    assert Shipment.objects.get().state == "shipped"

"""The transition log's admin list filters by step, offering every step the workflows declare (and the ways their
objects come about), read from the models: loading the list runs no scan of the logs for them."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.admin import TransitionFilter
from core.models import TransitionLog
from tests.portal import logged_in

pytestmark = pytest.mark.django_db


def test_the_step_filter_offers_the_declared_steps_without_a_query(superuser, supplier, now):
    TransitionLog.objects.create(subject=supplier, transition="start_review", source_state="applied", target_state="under_review",
                                 actor=superuser, at=now)
    client = logged_in(superuser)

    with CaptureQueriesContext(connection) as lookups:
        choices = dict(TransitionFilter(None, {}, TransitionLog, None).lookups(None, None))
    with CaptureQueriesContext(connection) as page_load:
        page = client.get("/admin/core/transitionlog/")

    assert len(lookups.captured_queries) == 0
    assert {"start_review", "cancel_schedule", "publish", "place", "open"} <= set(choices)  # logged or not yet
    assert choices["cancel_schedule"] == "取消定时上线" and choices["place"] == "下单"
    assert page.status_code == 200 and "?transition=cancel_schedule" in page.content.decode()
    assert not [q["sql"] for q in page_load.captured_queries if "DISTINCT" in q["sql"] and '"transition"' in q["sql"]]

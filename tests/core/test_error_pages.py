"""The portal's own pages for a forbidden, a missing and a failed page, as a deployment (DEBUG off) serves them:
Chinese first, in the portal's frame (the user's navigation; the server error page standalone), with a way home, and
in English on request."""
import pytest
from django.test import Client
from django.urls import include, path
from django.utils import translation
from django.views.defaults import server_error

from tests.portal import logged_in, nav

pytestmark = pytest.mark.django_db


def boom(request):
    raise RuntimeError("a page that fails")


def refused_with_markup(request):
    from core.errors import PermissionDenied

    raise PermissionDenied("<b>仅限</b>")


urlpatterns = [path("boom/", boom), path("refused/", refused_with_markup), path("", include("config.urls"))]


@pytest.fixture(autouse=True)
def _deployed(settings):
    settings.DEBUG = False


def test_a_page_the_role_may_not_open_shows_the_forbidden_page_with_the_navigation_and_a_link_home(member):
    response = logged_in(member.user).get("/logistics/claims/")

    html = response.content.decode()
    assert response.status_code == 403 and 'data-testid="error-403"' in html
    assert "无权访问" in html and 'href="/"' in html
    assert 'href="/logistics/my-shipments/"' in nav(response)  # the member's own entries, to carry on from


@pytest.mark.parametrize(("language", "reason"), [("zh-hans", "仅礼品商管理员可以管理团队成员"),
                                                 ("en", "Only the supplier admin can manage team members.")])
def test_a_refusal_with_a_reason_says_it_instead_of_asking_the_operators(supplier_staff, language, reason):
    response = logged_in(supplier_staff).get("/supplier/team/", HTTP_ACCEPT_LANGUAGE=language)

    html = response.content.decode()
    assert response.status_code == 403 and 'data-testid="error-403"' in html
    assert f'<p data-testid="reason">{reason}</p>' in html
    assert "请联系平台运营" not in html and "operators" not in html


@pytest.mark.parametrize(("language", "generic"), [("zh-hans", "请联系平台运营"), ("en", "operators")])
def test_a_refusal_without_a_reason_keeps_the_generic_text(member, language, generic):
    html = logged_in(member.user).get("/logistics/claims/", HTTP_ACCEPT_LANGUAGE=language).content.decode()

    assert generic in html and 'data-testid="reason"' not in html


def test_a_refusals_reason_is_shown_as_text_not_markup(settings, supplier_staff):
    settings.ROOT_URLCONF = __name__

    html = logged_in(supplier_staff).get("/refused/").content.decode()

    assert "&lt;b&gt;仅限&lt;/b&gt;" in html and "<b>仅限</b>" not in html


def test_a_refusal_is_logged_as_one_warning_line_without_a_traceback(supplier_staff, caplog):
    with caplog.at_level("INFO"):
        logged_in(supplier_staff).get("/supplier/team/")

    logged = [(record.name, record.levelname, record.getMessage(), record.exc_info) for record in caplog.records
              if record.levelname in ("WARNING", "ERROR")]
    assert logged == [("django.request", "WARNING", "Forbidden: /supplier/team/", None)]


def test_a_missing_page_shows_the_not_found_page_with_a_link_home(logistics):
    response = logged_in(logistics).get("/logistics/claims/999999/")

    html = response.content.decode()
    assert response.status_code == 404 and 'data-testid="error-404"' in html
    assert "页面不存在" in html and 'href="/"' in html


def test_the_error_pages_are_english_on_request(member):
    client = logged_in(member.user)

    forbidden = client.get("/logistics/claims/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    missing = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Access denied" in forbidden and "Page not found" in missing


def test_a_failing_page_shows_the_server_error_page_with_a_link_home(settings, logistics):
    settings.ROOT_URLCONF = __name__
    client = Client(raise_request_exception=False)
    client.force_login(logistics)

    response = client.get("/boom/")

    html = response.content.decode()
    assert response.status_code == 500 and 'data-testid="error-500"' in html
    assert "服务暂时出错" in html and 'href="/"' in html
    assert logistics.username not in html  # no user, no navigation: nothing that needs the database


def test_the_server_error_page_renders_without_a_request_context_or_the_database(rf, django_assert_num_queries):
    with django_assert_num_queries(0), translation.override("en"):
        response = server_error(rf.get("/anything/"))

    assert response.status_code == 500 and "Something went wrong" in response.content.decode()


def test_a_request_for_a_host_not_served_is_a_400_logged_as_one_line_without_a_traceback(console_log):
    response = Client(HTTP_HOST="scanner.example").get("/")

    assert response.status_code == 400
    [line] = console_log.getvalue().splitlines()
    assert line.endswith(f" WARNING django.security.DisallowedHost [{response['X-Request-ID']}] "
                         "Invalid HTTP_HOST header: 'scanner.example'. You may need to add 'scanner.example' to ALLOWED_HOSTS.")

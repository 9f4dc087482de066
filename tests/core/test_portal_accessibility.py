"""What assistive technology needs of the portal's pages: a label or an error naming one field, inputs with names,
a way past the navigation, the page and the messages announced. The sweep of every page is in test_portal_forms_bad_input."""
import re

import pytest
from django.contrib.messages import constants
from django.test import Client
from django.contrib.messages.storage.base import Message
from django.template.loader import render_to_string

from settlement.models import KpiSetting

from tests.portal import logged_in, nav, nested_live_regions, page_in, repeated_ids, unlabelled_fields, unresolved_descriptions

@pytest.mark.parametrize(("url", "field"), [("/settlement/cases/", "supplier"), ("/supplier/contracts/review/", "supplier"),
                                            ("/supplier/qualifications/review/", "supplier"), ("/settlement/assessments/", "month")])
def test_a_list_filter_and_the_form_below_it_give_their_fields_of_one_name_ids_apart(operator, url, field):
    page = logged_in(operator).get(url).content.decode()

    assert repeated_ids(page) == []
    assert f'id="id_filter_{field}"' in page and f'for="id_{field}"' in page and f'id="id_{field}"' in page


def described(response) -> tuple[list[str], int]:
    """(the unresolved aria-describedby ids, how many the page has) of a page showing a refused form."""
    page = response.content.decode()
    return unresolved_descriptions(page), page.count("aria-describedby=")


def test_a_wrong_list_filter_is_described_by_its_error(operator):
    assert described(logged_in(operator).get("/settlement/cases/?state=bogus")) == ([], 1)


def test_a_wrong_review_queue_search_is_described_by_its_error(operator):
    assert described(logged_in(operator).get("/supplier/gift-review/?q=a%00b")) == ([], 1)


def test_a_refused_kpi_weight_is_described_by_its_error(operator):
    setting = KpiSetting.objects.order_by("pk").first()
    data = {f"{s.pk}-{name}": getattr(s, name) for s in KpiSetting.objects.all() for name in ("weight", "target")}

    response = logged_in(operator).post("/settlement/assessments/kpi-settings/", data | {f"{setting.pk}-weight": "-1"})

    assert described(response) == ([], 1)


def test_a_refused_points_correction_is_described_by_its_error(operator, rich_member):
    response = logged_in(operator).post(f"/member/member-admin/{rich_member.pk}/", {"points": "many", "reason_code": "correction", "note": "冲回"})

    unresolved, count = described(response)
    assert unresolved == [] and count >= 1



def test_each_kpi_weight_and_target_is_named_by_its_kpi_and_column(operator):
    page = logged_in(operator).get("/settlement/assessments/kpi-settings/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert unlabelled_fields(page) == []
    assert 'aria-label="On-time dispatch rate Weight"' in page and 'aria-label="On-time dispatch rate Target"' in page


def test_a_keyboard_user_can_skip_past_the_header_and_navigation_to_the_page(operator):
    page = logged_in(operator).get("/").content.decode()

    body = page[page.index("<body>") + len("<body>"):]
    assert body.lstrip().startswith('<a class="skip-link" href="#main">跳到主要内容</a>')  # the first thing Tab reaches
    assert '<main id="main" tabindex="-1">' in page
    assert "Skip to main content" in page_in(operator, "/", "en")


def test_choosing_a_language_switches_only_with_the_button(operator):
    page = logged_in(operator).get("/").content.decode()

    language_form = re.search(r'<form action="/i18n/setlang/".*?</form>', page, re.S).group()
    assert "onchange" not in language_form  # arrowing through the languages does not leave the page
    assert re.search(r'<button type="submit"[^>]*>切换语言</button>', language_form)
    assert re.search(r'<button type="submit"[^>]*>Change language</button>', page_in(operator, "/", "en"))


def test_the_language_choice_has_a_visible_label_naming_it_in_each_language(operator):
    chinese = re.search(r'<form action="/i18n/setlang/".*?</form>', page_in(operator, "/", "zh-hans"), re.S).group()
    english = re.search(r'<form action="/i18n/setlang/".*?</form>', page_in(operator, "/", "en"), re.S).group()
    signed_out = Client().get("/accounts/login/").content.decode()

    assert re.search(r'<label for="language-choice">语言</label>\s*<select name="language" id="language-choice">', chinese)
    assert '<label for="language-choice">Language</label>' in english
    assert '<label for="language-choice">语言</label>' in signed_out


def test_the_navigation_marks_the_page_the_reader_is_on(operator):
    page = nav(logged_in(operator).get("/supplier/gift-review/"))

    assert re.findall(r'<a href="([^"]*)" class="active" aria-current="page">', page) == ["/supplier/gift-review/"]
    assert page.count('aria-current="page"') == 1


@pytest.mark.supplier(applicant=True)
def test_a_navigation_badge_says_what_its_number_counts(operator, supplier):
    page = nav(logged_in(operator).get("/"))  # `supplier` is an application waiting for review

    assert re.search(r'nav-badge-operator-suppliers"[^>]*>\d+</span><span class="sr-only"> 项待处理</span>', page)
    assert re.search(r'nav-badge-operator-suppliers"[^>]*>\d+</span><span class="sr-only"> waiting</span>',
                     nav(logged_in(operator).get("/", HTTP_ACCEPT_LANGUAGE="en")))


def test_each_flash_message_is_announced_in_a_live_region_of_its_own_and_an_error_or_warning_interrupts(rf, operator):
    request = rf.get("/")
    request.user = operator
    shown = [Message(constants.SUCCESS, "已保存"), Message(constants.ERROR, "保存失败"), Message(constants.WARNING, "即将到期"),
             Message(constants.INFO, "已排队")]

    page = render_to_string("base.html", {"messages": shown}, request=request)

    assert re.findall(r'<li class="(\w+)"><div role="(\w+)">([^<]*)</div></li>', page) == [
        ("success", "status", "已保存"), ("error", "alert", "保存失败"), ("warning", "alert", "即将到期"), ("info", "status", "已排队"),
    ]
    assert nested_live_regions(page) == []

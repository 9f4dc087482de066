"""The penalty proposals' state filter names each choice once: those still to be decided (proposed and the dismissals
waiting for their second finance user) are not called 待处理 like the proposed state itself."""
import re

import pytest
from django.utils import translation

from settlement.views_assessment import PenaltyFilter
from tests.portal import page_in

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_state_choice_has_a_label_of_its_own(finance, language):
    with translation.override(language):
        labels = [str(label) for _value, label in PenaltyFilter(reader=finance).fields["state"].choices]

    assert len(labels) == len(set(labels)), labels


def test_the_list_opens_on_the_pending_choice_named_with_the_dismissals_it_holds(finance):
    page = page_in(finance, "/settlement/assessments/penalties/", "zh-hans")

    options = dict(re.findall(r'<option value="(\w*)"[^>]*>([^<]*)</option>', page.split('name="state"', 1)[1].split("</select>", 1)[0]))
    assert options["pending"] == "待处理（含撤销待确认）" and options["proposed"] == "待处理"

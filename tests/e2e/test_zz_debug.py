import pytest
from tests.e2e.test_login_navigation import CASES, test_each_role_sees_its_navigation_and_can_log_out as t
@pytest.mark.parametrize("case", CASES, ids=[str(c.role) for c in CASES])
def test_dbg(browser_page, live_server, case):
    from core.models import Program
    print("PROG", case.role, list(Program.objects.values_list("code", flat=True)))
    t(browser_page, live_server, case)
    print("PROG after", case.role, list(Program.objects.values_list("code", flat=True)))

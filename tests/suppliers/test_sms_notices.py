"""A supplier chooses which notices also reach its contact by SMS: all (the default), only those that need its action,
or none. The inbox gets every notice whatever the setting."""
import ast
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.utils.translation import gettext_noop

from core.models import Notification
from suppliers.models import Notice, ProfileChange, Supplier
from suppliers.models.notices import KIND_LABELS
from suppliers.services import announcements, notices
from suppliers.services.notices import ACTION_KINDS, INFO_KINDS
from tests.portal import field_errors, logged_in

ROOT = Path(settings.BASE_DIR)
pytestmark = pytest.mark.django_db

SKIPPED_DIRS = {".venv", "tests", "migrations", "node_modules", ".git"}


def _functions(tree: ast.Module):
    """(enclosing function or None, call) for every call in a module."""
    def walk(node, function):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                yield from walk(child, child)
            else:
                if isinstance(child, ast.Call):
                    yield function, child
                yield from walk(child, function)
    yield from walk(tree, None)


def _name(call: ast.Call) -> str | None:
    return call.func.id if isinstance(call.func, ast.Name) else call.func.attr if isinstance(call.func, ast.Attribute) else None


def _parameters(function: ast.FunctionDef) -> list[str]:
    return [arg.arg for arg in (*function.args.posonlyargs, *function.args.args, *function.args.kwonlyargs)]


def python_files() -> list[Path]:
    """The code's Python files (relative to ROOT), without going into SKIPPED_DIRS (a virtualenv holds thousands)."""
    files = []
    for folder, subfolders, names in os.walk(ROOT):
        subfolders[:] = sorted(name for name in subfolders if name not in SKIPPED_DIRS)
        files += [Path(folder, name).relative_to(ROOT) for name in sorted(names) if name.endswith(".py")]
    return files


def notice_kinds_in_code(names=("send_notice", "send_inbox_notices", "text_supplier")) -> tuple[dict[str, str], list[str]]:
    """Every literal kind handed to a notice sender (`names`, of suppliers/services/notices.py; by default those of the
    inbox and the SMS) anywhere in the code (with where), and the calls whose kind is no literal nor the caller's own
    `kind` parameter. A function that passes its `kind` parameter on becomes a sender too.

    Only a file naming a sender can call one: the files are parsed (and their calls listed) once they do."""
    texts = {path: (ROOT / path).read_text(encoding="utf-8") for path in python_files()}
    defined, calls = {}, []
    notices = Path("suppliers/services/notices.py")
    senders = {(notices, name) for name in names}
    kinds, strays = {}, []
    grown = True
    while grown:
        grown = False
        kinds, strays = {}, []
        for path in [path for path, text in texts.items() if any(name in text for _, name in senders)]:
            tree = ast.parse(texts.pop(path))
            defined |= {(path, node.name): node for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}
            calls += [(path, function, call, _name(call)) for function, call in _functions(tree)]
        for path, function, call, name in calls:
            target = (path, name) if (path, name) in defined else next((s for s in senders if s[1] == name), None)
            if target not in senders:
                continue
            where = f"{path}:{call.lineno}"
            given = next((k.value for k in call.keywords if k.arg == "kind"), None)
            if given is None:
                positional = _parameters(defined[target])
                index = positional.index("kind") if "kind" in positional else len(call.args)
                given = call.args[index] if index < len(call.args) else None
            if isinstance(given, ast.Constant) and isinstance(given.value, str):
                kinds.setdefault(given.value, where)
            elif isinstance(given, ast.Name) and function is not None and given.id in _parameters(function):
                if (path, function.name) not in senders:
                    senders.add((path, function.name))
                    grown = True
            else:
                strays.append(where)
    return kinds, strays


def test_every_notice_kind_sent_anywhere_is_classified_as_needing_action_or_not():
    kinds, strays = notice_kinds_in_code()

    assert not strays, "pass a literal kind (or the caller's own `kind` parameter) so it can be classified"
    assert len(kinds) > 30  # the scan finds the senders behind helpers (gift notices, statements, returns…)
    unclassified = {kind: where for kind, where in kinds.items() if kind not in ACTION_KINDS | INFO_KINDS}
    assert not unclassified, "add each to ACTION_KINDS or INFO_KINDS in suppliers/services/notices.py"
    assert not ACTION_KINDS & INFO_KINDS
    assert ACTION_KINDS | INFO_KINDS == set(kinds), "a classified kind no longer sent: remove it"


def test_every_kind_of_notice_put_in_the_inbox_has_a_name_and_only_those():
    kinds, strays = notice_kinds_in_code(names=("send_notice", "send_inbox_notices"))

    assert not strays and len(kinds) > 30
    unnamed = {kind: where for kind, where in kinds.items() if kind not in KIND_LABELS}
    assert not unnamed, "name each in KIND_LABELS in suppliers/models/notices.py"
    assert set(KIND_LABELS) == set(kinds), "a named kind no longer put in the inbox: remove it"


# --- sending as the setting allows -----------------------------------------------------------------------------------
def _send(supplier, kind: str, now):
    return notices.send_notice(supplier=supplier, kind=kind, title=gettext_noop("补货提醒：%(gift)s（%(location)s）"), body="",
                               params={"gift": "茶具", "location": "北京仓"}, now=now)


def _texted(supplier) -> list[str]:
    return list(Notification.objects.filter(phone=supplier.contact_phone).values_list("body", flat=True))


@pytest.mark.parametrize(("setting", "action_texted", "info_texted"), [
    ("all", True, True), ("action", True, False), ("none", False, False),
])
def test_a_notice_always_reaches_the_inbox_and_its_sms_follows_the_suppliers_setting(
    supplier, now, setting, action_texted, info_texted
):
    Supplier.objects.filter(pk=supplier.pk).update(sms_notices=setting)
    supplier.refresh_from_db()

    action = _send(supplier, "replenishment", now)
    assert Notice.objects.filter(pk=action.pk).exists()
    assert _texted(supplier) == (["【积分商城礼品商平台】补货提醒：茶具（北京仓）"] if action_texted else [])

    info = _send(supplier, "gift_published", now)
    assert Notice.objects.filter(pk=info.pk).exists()
    assert len(_texted(supplier)) == action_texted + info_texted


def test_a_new_supplier_gets_every_notice_by_sms(supplier, now):
    assert supplier.sms_notices == Supplier.SmsNotices.ALL
    _send(supplier, "gift_published", now)

    assert len(_texted(supplier)) == 1


def test_an_unclassified_kind_is_refused_before_anything_is_written(supplier, now):
    with pytest.raises(KeyError):
        _send(supplier, "something_new", now)

    assert not Notice.objects.exists() and not Notification.objects.exists()


@pytest.mark.parametrize(("setting", "texted"), [("all", 1), ("action", 1), ("none", 0)])
def test_an_announcement_asks_for_acknowledgement_so_only_a_supplier_wanting_no_sms_is_not_texted(
    supplier, operator, now, setting, texted
):
    Supplier.objects.filter(pk=supplier.pk).update(sms_notices=setting)

    announcement = announcements.publish_announcement(kind="announcement", title="春节发货安排", body="除夕至初六暂停出库。",
                                                      actor=operator, now=now)

    assert announcement.deliveries.filter(supplier=supplier).exists()
    assert Notification.objects.filter(subject_type="suppliers.announcement", phone=supplier.contact_phone).count() == texted


# --- the supplier admin's setting on the profile page -----------------------------------------------------------------
def test_the_supplier_admin_sets_it_at_once_and_the_history_keeps_who_changed_it_and_when(supplier_admin, supplier):
    response = logged_in(supplier_admin).post("/supplier/profile/", {"form": "sms", "sms_notices": "action"}, follow=True)

    assert response.status_code == 200 and "短信通知设置已更新" in response.content.decode()
    supplier.refresh_from_db()
    assert supplier.sms_notices == "action"
    change = ProfileChange.objects.get(supplier=supplier, field="sms_notices")
    assert (change.state, change.requested_by, change.old_value, change.new_value) == (
        "approved", supplier_admin, {"sms_notices": "all"}, {"sms_notices": "action"})
    history = response.content.decode().split('data-testid="change-history"', 1)[1]
    assert "短信通知" in history and "全部通知" in history and "仅需我方处理的通知" in history
    assert response.content.decode().split('data-testid="sms-notices">', 1)[1].startswith("仅需我方处理的通知")


@pytest.mark.parametrize(("value", "message"), [("sometimes", "有效"), ("", "必填"), ("all", "与当前资料相同，无需变更")])
def test_a_bad_or_unchanged_value_is_an_error_next_to_the_field_and_nothing_changes(supplier_admin, supplier, value, message):
    response = logged_in(supplier_admin).post("/supplier/profile/", {"form": "sms", "sms_notices": value})

    assert response.status_code == 200
    assert message in field_errors(response)["sms_notices"]
    assert not ProfileChange.objects.exists() and Supplier.objects.get(pk=supplier.pk).sms_notices == "all"


def test_supplier_staff_see_the_setting_but_may_not_change_it(supplier_staff, supplier):
    Supplier.objects.filter(pk=supplier.pk).update(sms_notices="none")
    client = logged_in(supplier_staff)

    page = client.get("/supplier/profile/").content.decode()
    assert page.split('data-testid="sms-notices">', 1)[1].startswith("不发短信（仅站内信）") and 'data-testid="sms-form"' not in page
    assert client.post("/supplier/profile/", {"form": "sms", "sms_notices": "all"}).status_code == 403
    assert Supplier.objects.get(pk=supplier.pk).sms_notices == "none" and not ProfileChange.objects.exists()


def test_the_change_form_offers_no_sms_setting_which_has_its_own_form(supplier_admin):
    page = logged_in(supplier_admin).get("/supplier/profile/").content.decode()

    change_form = page.split('data-testid="change-form"', 1)[1].split("</form>", 1)[0]
    assert 'value="sms_notices"' not in change_form and 'data-testid="sms-form"' in page


# --- the API -------------------------------------------------------------------------------------------------------
def test_the_supplier_admin_sets_it_through_a_profile_change_and_the_supplier_shows_it(api, supplier_admin, supplier, operator):
    changed = api(supplier_admin).post("/api/v1/profile-changes/", {"field": "sms_notices", "sms_notices": "none"})

    assert changed.status_code == 201, changed.content
    assert (changed.json()["state"], changed.json()["requested_by"]) == ("approved", supplier_admin.username)
    assert (changed.json()["old_value"], changed.json()["new_value"]) == ({"sms_notices": "all"}, {"sms_notices": "none"})
    assert api(supplier_admin).get(f"/api/v1/suppliers/{supplier.pk}/").json()["sms_notices"] == "none"
    assert api(operator).get(f"/api/v1/suppliers/{supplier.pk}/").json()["sms_notices"] == "none"


@pytest.mark.parametrize(("body", "field"), [
    ({"sms_notices": "sometimes"}, "sms_notices"), ({"sms_notices": ""}, "sms_notices"), ({"sms_notices": "all"}, "sms_notices"),
    ({"sms_notices": "none", "address": "新地址"}, "address"),
])
def test_a_bad_value_is_refused_naming_the_field_and_nothing_changes(api, supplier_admin, supplier, body, field):
    refused = api(supplier_admin).post("/api/v1/profile-changes/", {"field": "sms_notices"} | body)

    assert refused.status_code == 400 and {error["attr"] for error in refused.json()["errors"]} == {field}
    assert not ProfileChange.objects.exists() and Supplier.objects.get(pk=supplier.pk).sms_notices == "all"


@pytest.mark.parametrize(("role", "status"), [
    ("supplier_staff", 403), ("operator", 403), ("finance", 403), ("logistics", 403), ("member", 403), (None, 401),
])
def test_only_the_supplier_admin_changes_it(request, api, supplier, role, status):
    user = request.getfixturevalue(role) if role else None
    user = getattr(user, "user", user)  # a member signs in as its user

    response = api(user).post("/api/v1/profile-changes/", {"field": "sms_notices", "sms_notices": "none"})

    assert response.status_code == status
    assert Supplier.objects.get(pk=supplier.pk).sms_notices == "all" and not ProfileChange.objects.exists()


def test_supplier_staff_read_their_suppliers_setting(api, supplier_staff, supplier):
    Supplier.objects.filter(pk=supplier.pk).update(sms_notices="action")

    assert api(supplier_staff).get(f"/api/v1/suppliers/{supplier.pk}/").json()["sms_notices"] == "action"


@pytest.mark.parametrize("setting", ["all", "action", "none"])
def test_texting_a_supplier_about_an_unclassified_kind_is_refused_whatever_its_setting(supplier, now, setting):
    Supplier.objects.filter(pk=supplier.pk).update(sms_notices=setting)
    supplier.refresh_from_db()

    with pytest.raises(KeyError):
        notices.text_supplier(supplier, kind="something_new", sms=notices.Sms("supplier_notice", {"title": "x"}, supplier), now=now)

    assert not Notification.objects.exists()

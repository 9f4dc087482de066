"""Importing a catalog by file from the portal: the file is checked when it arrives (a bad row keeps nothing), then
written by a task, all or nothing, counting the rows done; the import keeps the outcome on a page of its own, listed
among the supplier's imports, and one the broker never took is picked up again by beat."""
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core import jobs
from core.errors import PermissionDenied
from suppliers.models import CatalogImport, Gift, GiftRevision
from suppliers.services import catalog_imports, catalog_io
from suppliers.services.catalog_io import ImportRejected
from suppliers.tasks import pick_up_left_behind_imports
from tests.factories import CategoryFactory, GiftFactory
from tests.helpers import published
from tests.portal import logged_in
from tests.suppliers.builders import ROW, csv_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("licensed_supplier")]
PAGE = "/supplier/catalog/import/"
LEFT = timedelta(minutes=31)  # beyond LEFT_BEHIND_AFTER_MINUTES (30)
SECOND = ROW | {"sku": "TEA-002", "name": "雨前龙井"}


@pytest.fixture(autouse=True)
def tea():
    return CategoryFactory(code="tea")


def uploaded(supplier, actor, now, *rows: dict) -> CatalogImport:
    return catalog_imports.upload_catalog_file(supplier=supplier, actor=actor, now=now, file_name="礼品.csv", content=csv_bytes(*rows))


def listed_with_a_change_waiting(supplier, actor, operator, now) -> Gift:
    """An online gift of the supplier with a revision waiting for review: another change to it is refused."""
    gift = published(GiftFactory(supplier=supplier, sku="TEA-009"), actor=operator, at=now)
    catalog_io.import_catalog(supplier=supplier, actor=actor, now=now, file_name="改价.csv",
                              content=csv_bytes(ROW | {"sku": gift.sku, "settlement_price": "200.00"}))
    assert GiftRevision.objects.filter(gift=gift).count() == 1
    return gift


def skus(supplier) -> list[str]:
    return sorted(Gift.objects.filter(supplier=supplier).values_list("sku", flat=True))


@pytest.fixture
def reported(monkeypatch) -> list[int]:
    """The counts of rows done the import writes on its record, as it writes them."""
    counts: list[int] = []

    @contextmanager
    def recorded(model, pk):
        assert (model, pk) == (CatalogImport, CatalogImport.objects.get().pk)
        yield lambda rows_done, **_seen: counts.append(rows_done)

    monkeypatch.setattr(jobs, "outside_the_transaction", recorded)
    return counts


def test_a_checked_file_waits_for_its_task_which_writes_every_row_counting_them_as_it_goes(
        supplier, supplier_staff, now, queued_tasks, reported, django_capture_on_commit_callbacks):
    GiftFactory(supplier=supplier, sku="TEA-002")
    with django_capture_on_commit_callbacks(execute=True):  # its task is queued once the upload commits
        upload = uploaded(supplier, supplier_staff, now, ROW, SECOND)
    waiting = (upload.status, upload.rows_done, upload.row_count, skus(supplier))

    done = catalog_imports.import_upload(upload_id=upload.pk, now=now, progress_every=1)

    assert waiting == ("pending", 0, 2, ["TEA-002"])
    assert queued_tasks == [("suppliers.tasks.import_uploaded_catalog", {"upload_id": upload.pk})]
    assert reported == [1, 2]
    assert (done.status, done.rows_done, done.percent, done.finished_at) == ("imported", 2, 100, now)
    assert (done.created, done.updated, done.revisions, done.unchanged) == (1, 1, 0, 0)
    assert skus(supplier) == ["TEA-001", "TEA-002"] and Gift.objects.get(sku="TEA-002").name == "雨前龙井"


def test_a_bad_row_rejects_the_file_naming_its_row_and_keeps_nothing(supplier, supplier_staff, now, queued_tasks):
    with pytest.raises(ImportRejected) as rejected:
        uploaded(supplier, supplier_staff, now, ROW, SECOND | {"points_gotone": "1.5"})

    assert [(p.row, p.column) for p in rejected.value.problems] == [(3, "points_gotone")]
    assert not CatalogImport.objects.exists() and skus(supplier) == [] and queued_tasks == []


def test_only_a_suppliers_users_import_its_catalog(supplier, operator, now, queued_tasks):
    with pytest.raises(PermissionDenied):
        uploaded(supplier, operator, now, ROW)

    assert not CatalogImport.objects.exists()


def test_importing_twice_imports_once(supplier, supplier_staff, now, queued_tasks):
    upload = uploaded(supplier, supplier_staff, now, ROW)

    catalog_imports.import_upload(upload_id=upload.pk, now=now)
    second = catalog_imports.import_upload(upload_id=upload.pk, now=now + timedelta(minutes=1))

    assert (second.status, second.created, second.unchanged, second.finished_at) == ("imported", 1, 0, now)
    assert skus(supplier) == ["TEA-001"]


def test_a_second_run_that_waited_for_the_first_writes_nothing(supplier, supplier_staff, now, queued_tasks, monkeypatch):
    """A task delivered twice at once: the second waits for the supplier's lock and finds the import done by then."""
    upload = uploaded(supplier, supplier_staff, now, ROW)
    write, written = catalog_io.write_catalog, []

    def first_run_done_while_waiting(**kwargs):
        CatalogImport.objects.filter(pk=upload.pk).update(status="imported")  # as the first run commits it
        written.append(write(**kwargs))
        return written[-1]

    monkeypatch.setattr(catalog_io, "write_catalog", first_run_done_while_waiting)
    catalog_imports.import_upload(upload_id=upload.pk, now=now)

    assert written == [None] and skus(supplier) == []


def test_rows_the_catalog_refuses_when_written_reject_the_file_naming_them_and_write_nothing(
        supplier, supplier_staff, operator, now, queued_tasks):
    upload = uploaded(supplier, supplier_staff, now, ROW, SECOND | {"sku": "TEA-009", "name": "再改一次"})
    listed = listed_with_a_change_waiting(supplier, supplier_staff, operator, now)

    done = catalog_imports.import_upload(upload_id=upload.pk, now=now)

    assert done.status == "rejected" and done.rows_done == 2
    assert [(p["row"], p["column"], p["heading"]) for p in done.problems] == [(3, "sku", "sku")]
    assert skus(supplier) == [listed.sku] and GiftRevision.objects.count() == 1


def test_an_unexpected_error_halfway_writes_nothing_keeps_where_it_stopped_says_so_and_is_raised(
        supplier, supplier_staff, now, queued_tasks, monkeypatch, reported):
    upload = uploaded(supplier, supplier_staff, now, ROW, SECOND)

    create = catalog_io.create_gift

    def down_at_the_second(**kwargs):
        if kwargs["sku"] == "TEA-002":
            raise RuntimeError("database down")
        return create(**kwargs)

    monkeypatch.setattr(catalog_io, "create_gift", down_at_the_second)
    with pytest.raises(RuntimeError):
        catalog_imports.import_upload(upload_id=upload.pk, now=now, progress_every=1)

    upload.refresh_from_db()
    assert (upload.status, upload.rows_done, [(p["row"], p["code"]) for p in upload.problems]) == ("rejected", 1, [(None, "error")])
    assert skus(supplier) == []


def test_an_import_left_behind_is_written_when_beat_picks_it_up(supplier, supplier_staff, now, broker_down, monkeypatch, settings,
                                                                 django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        kept = uploaded(supplier, supplier_staff, now, ROW)
    monkeypatch.undo()  # the broker is back

    assert catalog_imports.pick_up_left_behind_imports(now=now + timedelta(minutes=10)) == (0, 0)  # not left behind yet
    with django_capture_on_commit_callbacks(execute=True):
        assert catalog_imports.pick_up_left_behind_imports(now=now + LEFT) == (1, 0)

    kept.refresh_from_db()
    assert (kept.status, kept.requeues, kept.created) == ("imported", 1, 1) and skus(supplier) == ["TEA-001"]
    assert pick_up_left_behind_imports.name in {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}


def test_an_import_queued_again_too_often_is_rejected_with_its_reason_on_its_page(supplier, supplier_staff, now, queued_tasks):
    kept = uploaded(supplier, supplier_staff, now, ROW)
    CatalogImport.objects.filter(pk=kept.pk).update(requeues=3)

    assert catalog_imports.pick_up_left_behind_imports(now=now + LEFT) == (0, 1)

    html = logged_in(supplier_staff).get(f"{PAGE}{kept.pk}/").content.decode()
    assert "导入任务多次未能运行，未导入任何内容，请重新上传" in html
    assert skus(supplier) == []


# --- the pages -------------------------------------------------------------------------------------------------------

def upload_file(*rows: dict) -> SimpleUploadedFile:
    return SimpleUploadedFile("礼品.csv", csv_bytes(*rows), content_type="text/csv")


@pytest.mark.parametrize("role", ["supplier_staff", "supplier_admin"])
def test_an_uploaded_file_goes_to_its_page_which_shows_what_was_imported_and_is_listed_to_come_back_to(
        request, role, supplier, django_capture_on_commit_callbacks):
    client = logged_in(request.getfixturevalue(role))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(PAGE, {"file": upload_file(ROW, SECOND)})
    page = client.get(response["Location"]).content.decode()
    listing = client.get(PAGE).content.decode()

    upload = CatalogImport.objects.get()
    assert response.status_code == 302 and response["Location"] == f"{PAGE}{upload.pk}/"
    assert 'data-testid="imported"' in page and "新增 2，草稿修改 0，提交审核的修改 0，未变 0" in page
    assert f'href="{PAGE}{upload.pk}/"' in listing and "礼品.csv" in listing
    assert upload.supplier == supplier and skus(supplier) == ["TEA-001", "TEA-002"]


def test_the_import_list_counts_the_rows_left_unchanged_as_the_imports_page_does(supplier, supplier_staff, now, queued_tasks):
    catalog_imports.import_upload(upload_id=uploaded(supplier, supplier_staff, now, ROW, SECOND).pk, now=now)
    again = catalog_imports.import_upload(upload_id=uploaded(supplier, supplier_staff, now, ROW, SECOND | {"name": "新名"}).pk, now=now)

    listing = logged_in(supplier_staff).get(PAGE).content.decode()

    row = listing.split(f'<tr data-import="{again.pk}">', 1)[1].split("</tr>", 1)[0]
    assert "新增 0，修改 1，待审核 0，未变 1" in row


def test_a_file_being_imported_shows_how_far_it_has_got_and_looks_again(supplier, supplier_staff, now, queued_tasks):
    upload = uploaded(supplier, supplier_staff, now, ROW, SECOND)
    CatalogImport.objects.filter(pk=upload.pk).update(rows_done=1)

    page = logged_in(supplier_staff).get(f"{PAGE}{upload.pk}/").content.decode()
    listing = logged_in(supplier_staff).get(PAGE).content.decode()

    assert 'data-testid="import-progress"' in page and "已处理 1/2 行" in page and '<progress max="100" value="50">' in page
    assert "window.location.reload()" in page
    assert '<small data-testid="rows-done">1/2</small>' in listing


def test_a_refused_import_shows_why_nothing_was_imported(supplier, supplier_staff, operator, now, queued_tasks):
    upload = uploaded(supplier, supplier_staff, now, ROW | {"sku": "TEA-009", "name": "再改一次"})
    listed_with_a_change_waiting(supplier, supplier_staff, operator, now)
    catalog_imports.import_upload(upload_id=upload.pk, now=now)

    page = logged_in(supplier_staff).get(f"{PAGE}{upload.pk}/").content.decode()

    assert "导入时有 1 处问题，未导入任何内容" in page and 'data-testid="problems"' in page and 'data-row="2"' in page


def test_a_bad_file_comes_back_with_its_problems_and_nothing_is_kept(supplier, supplier_staff):
    page = logged_in(supplier_staff).post(PAGE, {"file": upload_file(ROW | {"category": "nope"})}).content.decode()

    assert 'data-testid="problems"' in page and 'data-row="2"' in page
    assert not CatalogImport.objects.exists() and skus(supplier) == []


def test_another_suppliers_import_is_neither_listed_nor_opened(supplier, supplier_staff, other_supplier, other_supplier_admin, now,
                                                                 queued_tasks):
    theirs = uploaded(other_supplier, other_supplier_admin, now, ROW)
    client = logged_in(supplier_staff)

    listing = client.get(PAGE).content.decode()

    assert client.get(f"{PAGE}{theirs.pk}/").status_code == 404
    assert f'data-import="{theirs.pk}"' not in listing


@pytest.mark.parametrize("role", ["operator", "finance", "logistics", "member"])
def test_no_one_but_a_suppliers_users_opens_the_pages_of_catalog_imports(request, role, supplier, supplier_staff, now, queued_tasks):
    upload = uploaded(supplier, supplier_staff, now, ROW)
    user = request.getfixturevalue(role)
    client = logged_in(getattr(user, "user", user))

    answers = (client.get(PAGE).status_code, client.get(f"{PAGE}{upload.pk}/").status_code)

    assert answers == (403, 403)


# committed before the import starts, so that the count written beside its transaction (core.progress) finds it
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("programs")  # before the module's supplier, whose contract serves them
def test_the_page_of_an_import_halfway_shows_the_rows_done_so_far(supplier, supplier_staff, now, queued_tasks, monkeypatch):
    upload = uploaded(supplier, supplier_staff, now, ROW, SECOND)
    create, seen = catalog_io.create_gift, []

    def look_before_the_second(**kwargs):
        if kwargs["sku"] == "TEA-002":
            seen.append(logged_in(supplier_staff).get(f"{PAGE}{upload.pk}/").content.decode())
        return create(**kwargs)

    monkeypatch.setattr(catalog_io, "create_gift", look_before_the_second)
    done = catalog_imports.import_upload(upload_id=upload.pk, now=now, progress_every=1)

    assert "已处理 1/2 行" in seen[0] and 'data-testid="import-status"' in seen[0]
    assert (done.status, done.created) == ("imported", 2), done.problems

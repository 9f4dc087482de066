"""`manage.py restore_statement_pdfs`: an issued PDF lost from the storage (or changed there) is rendered again and put
back only when the bytes are the ones issued (its stored SHA-256); what cannot be put back is named, with exit status 1."""
import pytest
from django.core.files.base import ContentFile

from core.files import stored_sha256
from settlement.data_checks import pdfs_lost_or_changed
from settlement.services.statement_pdfs import Restored, restore_pdf
from tests.helpers import command_run

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _own_storage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def version(issued):
    version = issued.versions.get()
    assert version.pdf and version.pdf_sha256
    return version


def restore(*arguments) -> tuple[str, int]:
    return command_run("restore_statement_pdfs", *arguments)


def test_a_lost_pdf_is_rendered_again_to_the_bytes_issued_and_stored_under_its_name(version):
    storage, name = version.pdf.storage, version.pdf.name
    storage.delete(name)
    assert list(pdfs_lost_or_changed(now=None)) == [version.pk]

    out, status = restore()

    assert status == 0
    assert f"[1/1] version {version.pk} ({name}): restored" in out and "1 restored, 0 left" in out
    assert stored_sha256(storage, name) == version.pdf_sha256
    assert list(pdfs_lost_or_changed(now=None)) == []


def test_with_every_pdf_in_place_there_is_nothing_to_do(version):
    out, status = restore()

    assert (status, out.strip()) == (0, "0 issued PDF(s) lost or changed: 0 restored, 0 left")
    assert restore_pdf(version) == Restored.INTACT


def test_a_changed_pdf_is_left_as_it_is_unless_asked_then_kept_beside_the_issued_bytes_put_back(version):
    storage, name = version.pdf.storage, version.pdf.name
    storage.delete(name)
    storage.save(name, ContentFile(b"%PDF-1.4 not the one issued"))

    out, status = restore()

    assert status == 1 and "changed in the storage: left as it is" in out
    assert storage.open(name).read() == b"%PDF-1.4 not the one issued"

    out, status = restore("--replace-changed")

    assert status == 0 and "restored" in out
    assert stored_sha256(storage, name) == version.pdf_sha256
    assert storage.open(f"{name}.changed").read() == b"%PDF-1.4 not the one issued"


def test_a_pdf_that_renders_to_other_bytes_since_is_not_written_and_is_named(version):
    storage, name = version.pdf.storage, version.pdf.name
    storage.delete(name)
    supplier = version.statement.supplier
    supplier.name = "改名后的礼品商"  # the PDF prints the supplier's name: what was issued can no longer be rendered
    supplier.save(update_fields=["name"])

    out, status = restore()

    assert status == 1
    assert f"version {version.pk} ({name}): renders to other bytes than were issued" in out and "0 restored, 1 left" in out
    assert not storage.exists(name)


def test_a_lost_pdf_stored_with_no_sha256_is_named_not_rendered_again(version):
    storage, name = version.pdf.storage, version.pdf.name
    storage.delete(name)
    type(version).objects.filter(pk=version.pk).update(pdf_sha256="")  # a version stored before its digest was kept

    out, status = restore()

    assert status == 1
    assert f"version {version.pk} ({name}): stored with no SHA-256" in out and "0 restored, 1 left" in out
    assert not storage.exists(name)


def test_a_pdf_in_the_storage_with_no_sha256_is_left_as_it_is(version):
    storage, name = version.pdf.storage, version.pdf.name
    with storage.open(name, "rb") as stored:
        issued = stored.read()
    type(version).objects.filter(pk=version.pk).update(pdf_sha256="")
    version.refresh_from_db()

    assert restore_pdf(version, replace_changed=True) == Restored.INTACT
    with storage.open(name, "rb") as stored:
        assert stored.read() == issued
    assert not storage.exists(name + ".changed")


def test_a_version_with_no_issued_pdf_has_nothing_to_restore(draft):
    version = draft.versions.get()

    with pytest.raises(ValueError, match="no issued PDF"):
        restore_pdf(version)


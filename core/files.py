"""Stored files (contracts, certificates, statement PDFs) go out only through views that first check the caller may
see their object: nothing is published under a public /media/ URL."""
import logging
from pathlib import Path

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpResponse

logger = logging.getLogger(__name__)


def serve(field_file: FieldFile, *, as_attachment: bool = False) -> FileResponse:
    """Stream the file of an object already read through its scoped queryset.

    :raises Http404: when there is none, or the storage has lost it (logged as an error: the row outlived its file)
    """
    if not field_file:
        raise Http404("no file")
    try:
        opened = field_file.open("rb")
    except FileNotFoundError:
        logger.error("stored file %s is missing from the storage", field_file.name)
        raise Http404("file missing") from None
    return FileResponse(opened, as_attachment=as_attachment, filename=Path(field_file.name).name)


def file_response(export) -> HttpResponse:
    """A `core.tabular.TableFile` as an attachment."""
    return HttpResponse(export.content, content_type=export.content_type,
                        headers={"Content-Disposition": f'attachment; filename="{export.filename}"'})

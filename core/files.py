"""Stored files (contracts, certificates, statement PDFs) go out only through views that first check the caller may
see their object: nothing is published under a public /media/ URL."""
from pathlib import Path

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404


def serve(field_file: FieldFile, *, as_attachment: bool = False) -> FileResponse:
    """Stream the file of an object already read through its scoped queryset. :raises Http404: when there is none"""
    if not field_file:
        raise Http404("no file")
    return FileResponse(field_file.open("rb"), as_attachment=as_attachment, filename=Path(field_file.name).name)

"""Content negotiation for the routes that serve a file (a PDF, a picture, a CSV or XLSX sheet): an `Accept` naming
the types the route serves (or `*/*`, or a wildcard covering one) is answered with the file; any other, JSON
included, with 406 `not_acceptable`. Their error answers stay JSON in the API's error shape.

A viewset action takes `**serving(...)`; an APIView sets `renderer_classes = [JSONRenderer]` and
`content_negotiation_class = negotiation(...)`.
"""
from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.mediatypes import media_type_matches

from core.files import SHOWN_IN_PLACE


class FileNegotiation(DefaultContentNegotiation):
    """A subclass of DRF's own, so the schema keeps documenting the 406 it answers."""

    served: tuple[str, ...] = ()

    def select_renderer(self, request, renderers, format_suffix=None):
        accepted = [media_type for media_type in self.get_accept_list(request) if media_type] or ["*/*"]
        if not any(media_type_matches(served, wanted) for wanted in accepted for served in self.served):
            raise NotAcceptable(available_renderers=[])
        # the file is a Django response rendered by no renderer; JSON is what an error answer is rendered as
        return renderers[0], renderers[0].media_type


def negotiation(*media_types: str) -> type[FileNegotiation]:
    """The content negotiation of a route serving files of `media_types` ("image/*" for any picture)."""
    return type("FileNegotiation", (FileNegotiation,), {"served": tuple(media_types)})


def serving(*media_types: str) -> dict:
    """The settings of a viewset action serving files of `media_types`."""
    return {"renderer_classes": [JSONRenderer], "content_negotiation_class": negotiation(*media_types)}


#: what `core.files.serve` answers: a PDF or a picture as itself, anything else as plain bytes
STORED_FILE_TYPES = (*sorted(SHOWN_IN_PLACE), "application/octet-stream")

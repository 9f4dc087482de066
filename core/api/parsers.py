"""The API's JSON parser: a body nested too deeply for Python's json module is a 400 parse_error, not a server error."""
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser as DRFJSONParser


class JSONParser(DRFJSONParser):
    """DRF's JSONParser, which turns only a ValueError into a ParseError: a RecursionError (JSON nested a few thousand
    levels deep) would be a 500 before any authentication or permission check."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError() from exc

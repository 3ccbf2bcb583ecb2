"""The API's JSON parser: DRF's, with a nesting-depth limit checked before parsing.

A body nested 2,000 deep (4 KB) overflowed the parser's recursion into a 500; no payload of
this API nests deeper than a handful of levels, so 64 leaves room for any partner's data.
"""

from __future__ import annotations

import io
import re

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

MAX_JSON_DEPTH = 64

# A JSON string (skipped whole, so brackets inside it do not count) or a bracket.
_STRING_OR_BRACKET = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')


def json_depth_exceeds(body: bytes, limit: int) -> bool:
    """Whether arrays/objects in `body` nest deeper than `limit` (linear scan, no parsing)."""
    depth = 0
    for match in _STRING_OR_BRACKET.finditer(body):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        elif token in (b"]", b"}"):
            depth -= 1
    return False


class JSONParser(parsers.JSONParser):
    """Refuses bodies nested deeper than MAX_JSON_DEPTH with a 400 `malformed_request`."""

    def parse(self, stream, media_type=None, parser_context=None):
        body = stream.read() if stream is not None else b""
        if json_depth_exceeds(body, MAX_JSON_DEPTH):
            raise ParseError(
                _("JSON 嵌套层数过深（上限 %(limit)d 层）。") % {"limit": MAX_JSON_DEPTH}
            )
        try:
            return super().parse(io.BytesIO(body), media_type, parser_context)
        except RecursionError:  # not below the limit; a guard if the limit is ever raised
            raise ParseError(_("JSON 嵌套层数过深。")) from None

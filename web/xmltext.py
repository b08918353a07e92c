"""Text fit for XML 1.0: the one function every XML we write (the Atom feed, the SVG charts)
passes its text and attribute values through.

XML 1.0 allows tab, newline, carriage return and the characters from U+0020 up, except the
surrogates and U+FFFE/U+FFFF; anything else (a \\x01 or an ESC in an indexed title, a %01 in a
feed's query) makes the whole document malformed, and a feed reader rejects it whole. Escaping
cannot help (`&#1;` is not allowed either), so such characters are dropped: they carry nothing
a reader could see.
"""
from __future__ import annotations

import re

_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value: str) -> str:
    """`value` without the characters XML 1.0 does not allow."""
    return _NOT_XML.sub("", value)


__all__ = ["xml_text"]

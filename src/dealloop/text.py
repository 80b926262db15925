"""Text from a dataset made safe to show: on a terminal, in XML, and next to right-to-left marks.

A dataset is user input. A name may hold control characters (an escape sequence that recolours
or clears the terminal, a NUL that XML cannot carry) or bidirectional overrides (U+202E, the
right-to-left override, makes the letters after it display reversed). These helpers are the one
place that says which characters are a problem and how each output shows them.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["ALLOWED_CONTROLS", "BIDI_CONTROLS", "bidi_marked", "cell_problem", "is_unsafe",
           "printable", "xml_safe"]

#: Bidirectional embedding, override and isolate controls: they reorder the text around them.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
#: Control characters a text cell may hold (line breaks and tabs inside quoted notes).
ALLOWED_CONTROLS = frozenset("\t\n\r")

# Characters XML 1.0 cannot carry at all (not even escaped).
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _escape(ch: str) -> str:
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def is_unsafe(ch: str) -> bool:
    """Whether ``ch`` changes how text displays rather than showing as itself.

    Control characters (category Cc) other than tab and line breaks, and bidirectional controls.

    Examples
    --------
    >>> is_unsafe("\\x1b"), is_unsafe("\\u202e"), is_unsafe("\\n"), is_unsafe("é")
    (True, True, False, False)
    """
    return ch in BIDI_CONTROLS or (ch not in ALLOWED_CONTROLS
                                   and unicodedata.category(ch) == "Cc")


def printable(text: str) -> str:
    """``text`` with every character that is not printable written as a ``\\xNN``/``\\uNNNN``
    escape, so it can go to a terminal as one line that shows what is there.

    Examples
    --------
    >>> printable("ok\\x1b[31mred\\u202e")
    'ok\\\\x1b[31mred\\\\u202e'
    >>> printable("Café 東京")
    'Café 東京'
    """
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else _escape(ch) for ch in text)


def xml_safe(text: str) -> str:
    """``text`` with the characters XML 1.0 cannot carry written as ``\\xNN`` escapes.

    Examples
    --------
    >>> xml_safe("a\\x00b\\x1bc\\td")
    'a\\\\x00b\\\\x1bc\\td'
    """
    return _XML_BAD.sub(lambda m: _escape(m.group()), text)


def bidi_marked(text: str) -> str:
    """``text`` with a visible ``[RTL]`` mark where it holds a bidirectional control, and the
    controls themselves shown as escapes, so the reader sees the text in stored order.

    Examples
    --------
    >>> bidi_marked("invoice\\u202egpj.exe")
    '[RTL] invoice\\\\u202egpj.exe'
    >>> bidi_marked("plain")
    'plain'
    """
    if not BIDI_CONTROLS.intersection(text):
        return text
    return "[RTL] " + "".join(_escape(ch) if ch in BIDI_CONTROLS else ch for ch in text)


def cell_problem(text: str) -> tuple[str, str] | None:
    """Why a text cell should be fixed, as (severity, message), or ``None``.

    Examples
    --------
    >>> cell_problem("Acme\\x1b[2J")
    ('error', 'contains control character \\\\x1b; remove it')
    >>> cell_problem("Acme\\u202e")[0]
    'warning'
    >>> cell_problem("Acme") is None
    True
    """
    bad = [ch for ch in text if is_unsafe(ch)]
    control = [ch for ch in bad if ch not in BIDI_CONTROLS]
    if control:
        return ("error", f"contains control character {_escape(control[0])}; remove it")
    if bad:
        return ("warning", f"contains the bidirectional control {_escape(bad[0])}, which "
                "reorders how the text displays; reports mark it [RTL]")
    return None

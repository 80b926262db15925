"""Text from a dataset made safe to show: on a terminal, in XML, and next to right-to-left marks.

A dataset is user input. A name may hold control characters (an escape sequence that recolours
or clears the terminal, a NUL that XML cannot carry) or bidirectional overrides (U+202E, the
right-to-left override, makes the letters after it display reversed). These helpers are the one
place that says which characters are a problem and how each output shows them.

:func:`amount_text` is the one way an amount reads in the notes of a run (the sponsor notes of
the holders layer, the walk-away notes): one decimal, but never a small amount rounded away.
"""

from __future__ import annotations

import math
import re
import unicodedata

__all__ = [
    "ALLOWED_CONTROLS",
    "BIDI_CONTROLS",
    "amount_text",
    "bidi_marked",
    "cell_problem",
    "is_unsafe",
    "printable",
    "share_text",
    "xml_safe",
]

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


def amount_text(value: float) -> str:
    """An amount (USD bn, or any figure a note quotes) for running text: one decimal with
    thousands separators from 1 up; below 1, at least two significant figures (trailing zeros
    after them dropped), so a 0.25 share of a loss reads 0.25, not 0.2, and a 0.04 loss 0.04,
    not 0.0. Rounding noise (below a billionth) is 0.0; NaN is ``n/a``.

    Examples
    --------
    >>> amount_text(2.74), amount_text(1686.93), amount_text(5.0)
    ('2.7', '1,686.9', '5.0')
    >>> amount_text(0.25), amount_text(0.04), amount_text(0.0412), amount_text(0.5)
    ('0.25', '0.04', '0.041', '0.5')
    >>> amount_text(-0.25), amount_text(0.999), amount_text(0.0), amount_text(-3e-12)
    ('-0.25', '1.0', '0.0', '0.0')
    """
    x = float(value)
    if math.isnan(x):
        return "n/a"
    if abs(x) < 1e-9:
        return "0.0"
    if abs(x) >= 1:
        return f"{x:,.1f}"
    digits = 1 - math.floor(math.log10(abs(x)))
    out = f"{x:.{digits}f}".rstrip("0")
    return out + "0" if out.endswith(".") else out


def share_text(value: float) -> str:
    """A share (a fraction, 0.25 for 25%) for running text: whole percent from 1% up; below
    1%, at least two significant figures of the percentage (trailing zeros dropped), so a
    0.3% stake reads 0.3%, not 0%. NaN is ``n/a``.

    Examples
    --------
    >>> share_text(0.25), share_text(0.012), share_text(1.0)
    ('25%', '1%', '100%')
    >>> share_text(0.003), share_text(0.00041), share_text(0.0)
    ('0.3%', '0.041%', '0%')
    """
    x = float(value)
    if math.isnan(x):
        return "n/a"
    pct = 100.0 * x
    if abs(pct) >= 1 or abs(pct) < 1e-9:
        return f"{pct:.0f}%"
    return amount_text(pct) + "%"

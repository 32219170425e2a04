"""Which characters typed input may hold, and how stored text is shown safely.

DOMAIN.md, "Input typed by a Chinese input method": full-width digits and separators
(``１００``, ``１，０００``, ``１２．５``) read as their ASCII forms; digits of other
scripts (``٣``), ``_`` inside numbers and control characters in any text are refused.
The rules live here, in the domain, so the CLI, the spreadsheet import, the web forms
and the JSON API refuse alike: Python's own ``Decimal`` would read ``1_000`` and ``٣``.

Control characters are the C0 and C1 sets, DEL, lone surrogates, the line and
paragraph separators, and the bidirectional overrides, embeddings, isolates and marks:
the last make a payee display in another order than it was typed.
"""

from __future__ import annotations

import re

from tracker.domain.errors import InvalidInputError

BIDI = "\u200e\u200f\u202a-\u202e\u2066-\u2069"
# Unicode categories Cc (C0, DEL, C1), Cs (surrogates), Zl and Zp, and BIDI: one
# compiled class, since every text of a 100,000-row import passes here.
_CONTROLS = re.compile(f"[\x00-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029{BIDI}]")
_CONTROLS_BUT_LINES = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029{BIDI}]")
_FULL_WIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def is_control(ch: str) -> bool:
    """Whether ``ch`` is invisible or moves the cursor rather than showing a glyph."""
    return _CONTROLS.fullmatch(ch) is not None


def refuse_controls(text: str, field: str, *, lines: bool = False) -> str:
    """``text`` unchanged, or refused naming the first control character it holds.

    Line breaks and tabs pass where the box has several lines (``lines``); anywhere
    else they are refused too, not silently removed: a payee or a code with a newline
    in it was pasted from somewhere the officer should look at again.
    """
    found = (_CONTROLS_BUT_LINES if lines else _CONTROLS).search(text)
    if found:
        code = ord(found.group())
        raise InvalidInputError(f"含有不可见的控制字符（U+{code:04X}），请删除后重新输入", field)
    return text


def fold_width(text: str) -> str:
    """Full-width ASCII forms (``１００``, ``，``, ``．``, ``％``) and the ideographic space
    as their ASCII forms, the way a Chinese input method's full-width mode types them.

    Only those: NFKC would also turn ``①`` or ``²`` into digits, which nobody means.
    """
    return text.translate(_FULL_WIDTH)


def typed_number(text: str, field: str, *, units: str = "") -> str:
    """A number as a person may type it, in the ASCII form the parsers read.

    Refused by name: a control character, an underscore (``1_000``: Python reads it,
    a finance officer never means it), a digit of another script (``٣``, ``²``).
    ``units`` are the unit words the caller reads after a value (a plan's ``万``), which
    Unicode would otherwise count as numerals.
    """
    folded = fold_width(refuse_controls(text, field)).strip()
    if "_" in folded:
        raise InvalidInputError(f"“{visible(text)}”中不能有下划线，请直接写出数字，如 1000 或 1,000", field)
    for ch in "" if folded.isascii() else folded:
        if not ch.isascii() and ch not in units and (ch.isdigit() or ch.isnumeric()):
            raise InvalidInputError(f"“{visible(text)}”含有非阿拉伯数字“{ch}”，请使用 0–9 输入", field)
    return folded


def visible(text: str, *, lines: bool = False) -> str:
    """``text`` with every control character shown as an escape (``\\x1b``, ``\\u202e``).

    For anything printed to a terminal or echoed in a message: a payee stored with an
    ANSI escape by an old release must not colour, move or clear the officer's screen.
    ``lines`` keeps line breaks and tabs (a multi-line note shown as lines).
    """
    return (_CONTROLS_BUT_LINES if lines else _CONTROLS).sub(_escaped, text)


def _escaped(found: re.Match[str]) -> str:
    ch = found.group()
    code = ord(ch)
    if ch in _NAMED:
        return _NAMED[ch]
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"


def json_visible(dumped: str) -> str:
    """JSON text (as ``json.dumps(..., ensure_ascii=False)`` writes it) with every
    control character left raw in its strings (DEL, C1, bidi) written as ``\\uXXXX``:
    the same JSON to a parser, harmless to a terminal."""
    return _CONTROLS_BUT_LINES.sub(lambda m: f"\\u{ord(m.group()):04x}", dumped)

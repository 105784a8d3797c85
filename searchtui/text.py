"""Text made safe to show in a terminal: the corpus never drives the terminal.

An article's title, byline, body, entity names or file name may hold control
characters and escape sequences (clearing the screen, setting the window
title, writing to the clipboard, hyperlinks). :func:`printable` removes every
escape sequence whole (an OSC, DCS, APC, PM or SOS string up to its BEL or ST,
payload included; a CSI with its parameters) and every other C0 or C1 control
character, DEL included, and the bidirectional controls. Line breaks and
tabs are kept only when the caller says so; otherwise they become spaces.
The CLI's human output and every text the app shows go through it; JSON
output is escaped by :func:`json_text`.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from typing import Any

_ESC = "\x1b"
# Control strings (OSC, DCS, SOS, PM, APC), as ESC + a letter or as one C1
# character, end at BEL or ST (ESC \ or U+009C), or at the end of the text.
_STRING = r"(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x9c\x1b]*(?:\x07|\x9c|\x1b\\)?"
# CSI, as ESC [ or U+009B: parameter bytes, intermediate bytes, one final byte.
_CSI = r"(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?"
# Any other escape: ESC, intermediate bytes, one final byte (ESC c, ESC ( B, ESC 7...).
_OTHER_ESC = r"\x1b[\x20-\x2f]*[\x30-\x7e]?"
# C0, DEL, C1; the bidirectional embeddings, overrides and isolates (they can
# make a terminal show text in another order than it is written); line and
# paragraph separators (some terminals break the line on them).
_CONTROL = r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]"
_UNPRINTABLE = re.compile(f"{_STRING}|{_CSI}|{_OTHER_ESC}|\r\n|{_CONTROL}")

#: White space controls that stand for a space when they may not be kept.
_SPACES = frozenset("\t\n\v\f\r\x85\u2028\u2029") | {"\r\n"}
_C1_JSON = re.compile("[\x7f-\x9f]")


def printable(text: str, keep: str = "") -> str:
    """``text`` without escape sequences or control characters.

    The characters of ``keep`` (``"\\n"``, ``"\\t"`` or both) stay; other line
    breaks and tabs become a space; everything else is removed.
    """
    if not _UNPRINTABLE.search(text):
        return text
    return printable_spans(text, [], keep)[0]


def printable_spans(
    text: str, spans: list[tuple[int, int]], keep: str = ""
) -> tuple[str, list[tuple[int, int]]]:
    """:func:`printable` ``text``, with the (start, end) ``spans`` moved to match."""
    out: list[str] = []
    runs: list[tuple[int, int, int, int]] = []  # old start, old end, new start, new end
    last = size = 0
    for m in _UNPRINTABLE.finditer(text):
        found = m.group()
        out.append(text[last : m.start()])
        size += m.start() - last
        if found in keep:
            new = found
        elif found == "\r\n" and "\n" in keep:
            new = "\n"
        else:
            new = " " if found in _SPACES else ""
        out.append(new)
        runs.append((m.start(), m.end(), size, size + len(new)))
        size += len(new)
        last = m.end()
    out.append(text[last:])
    if not spans:
        return "".join(out), []
    starts = [run[0] for run in runs]

    def move(offset: int) -> int:
        i = bisect_right(starts, offset) - 1
        if i < 0:
            return offset
        start, end, new_start, new_end = runs[i]
        # inside a replaced run: where its replacement starts; after it: shifted alike
        return new_start if offset < end else new_end + offset - end

    moved = [(move(s), move(e)) for s, e in spans if 0 <= s < e <= len(text)]
    return "".join(out), [(s, e) for s, e in moved if e > s]


def json_text(value: Any, indent: int | None = None) -> str:
    """``value`` as JSON that is safe to print: readable letters, every control escaped.

    ``json.dumps`` escapes C0 controls; DEL and the C1 range (U+0080-U+009F,
    where U+009B opens a CSI) would pass through raw, so they are escaped too.
    """
    text = json.dumps(value, ensure_ascii=False, indent=indent)
    return _C1_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text)

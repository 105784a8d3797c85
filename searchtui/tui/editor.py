"""Handing an article's file to the user's editor or pager, at the line that matters."""

from __future__ import annotations

import shlex
from pathlib import Path

from searchtui.untrusted import read_regular

#: programs that open a file at a line given as ``+LINE`` before its name
LINE_EDITORS = frozenset(
    {
        "vi", "vim", "nvim", "view", "gvim", "mvim", "nano", "pico", "emacs", "emacsclient",
        "micro", "kak", "hx", "helix", "joe", "jed", "mg", "ne", "vis", "mcedit", "gedit",
        "less", "more",
    }
)


def editor_argv(command: str, path: str, line: int | None = None) -> list[str]:
    """The command to run for ``path``: with ``+LINE`` when the program takes it."""
    argv = shlex.split(command)
    name = Path(argv[0]).name if argv else ""
    if line and name in LINE_EDITORS:
        return [*argv, f"+{line}", path]
    return [*argv, path]


MAX_SCAN_BYTES = 64 * 2**20


def line_in_file(path: str, body: str, start: int) -> int | None:
    """The line of ``path`` (from 1) holding the body text at offset ``start``, or None.

    The file holds the body as it was read, maybe escaped (a JSON or CSV row) or with a
    title and byline before it: the text from ``start`` to the end of its line is looked
    for in the file, then the body's first line as an anchor.
    """
    try:
        # regular files only, bounded: the corpus may have changed since it was indexed
        text = read_regular(path, MAX_SCAN_BYTES).decode("utf-8", errors="replace")
    except OSError:  # NotRegularFile and TooLarge are OSErrors too
        return None
    end = body.find("\n", start)
    here = body[start : end if end >= 0 else len(body)][:60].strip()
    if len(here) >= 12 and text.count(here) == 1:
        return text.count("\n", 0, text.index(here)) + 1
    first = body.split("\n", 1)[0][:60].strip()
    if len(first) >= 12 and text.count(first) == 1:
        return text.count("\n", 0, text.index(first)) + 1 + body.count("\n", 0, start)
    return None

"""Telling a damaged index from a bug: the errors decoding Whoosh's files raises.

Bytes cut short or changed in a posting, terms or stored-fields file surface
as whatever the decoder meets first: a ``struct.error``, an
``UnpicklingError``, a ``zlib.error``, an ``EOFError``, a ``ValueError``, an
``IndexError`` or a ``TypeError`` (a block that unpickles to the wrong kind
of value), or the bare ``Exception`` Whoosh raises for a bad block header.
Such an error counts as damage when it was raised inside Whoosh or this
package (its traceback passes through them), so the same error from
searchtui's own code still shows as the bug it is.
``Damaged`` is raised here when something decodes but cannot be right (a
posting list out of order, a weight that is not a number).
"""

from __future__ import annotations

import pickle
import struct
import zlib

#: What decoding a damaged file raises.
DECODE_ERRORS: tuple[type[BaseException], ...] = (
    struct.error,
    pickle.UnpicklingError,
    zlib.error,
    EOFError,
    ValueError,
    IndexError,
    OverflowError,
    TypeError,
)

_READERS = ("whoosh.", "searchtui.whooshext.")


class Damaged(Exception):
    """Something read from the index cannot be right; the message says what."""


def is_damage(exc: BaseException) -> bool:
    """Whether ``exc`` comes from reading damaged index files."""
    if isinstance(exc, Damaged):
        return True
    if not isinstance(exc, DECODE_ERRORS) and type(exc) is not Exception:
        return False
    tb = exc.__traceback__
    while tb is not None:
        name = tb.tb_frame.f_globals.get("__name__", "")
        if name.startswith(_READERS):
            return True
        tb = tb.tb_next
    return False


def what_is_damaged(exc: BaseException) -> str:
    """A few words on the damage, for a one-line message."""
    if isinstance(exc, Damaged):
        return str(exc)
    return f"a block cannot be decoded: {type(exc).__name__}: {exc}"

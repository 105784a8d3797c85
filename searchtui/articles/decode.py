"""Bytes to text: byte-order marks, CRLF, invalid UTF-8, legacy encodings and
binary files; and the content hash of a file."""

from __future__ import annotations

import hashlib
import os
import re

from searchtui.untrusted import open_regular

_SNIFF = 8192  # bytes looked at to tell text from binary


def file_hash(data: bytes) -> str:
    """The content hash of a file's bytes (hex SHA-1)."""
    return hashlib.sha1(data).hexdigest()


def file_hash_at(path: str | os.PathLike) -> str:
    """``file_hash`` of a regular file on disk, read in chunks (for files of any size).

    Raises :class:`~searchtui.untrusted.NotRegularFile` for anything else.
    """
    h = hashlib.sha1()
    with os.fdopen(open_regular(path), "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f\ufffd]")
_CONTROL_BYTES = bytes(range(0, 9)) + bytes(range(14, 32)) + b"\x7f"
_NON_ASCII_OK = re.compile(r"[^\x00-\x7f\ufffd]")


def _mostly_not_text(bad: int, size: int) -> bool:
    return bad > max(1, size // 20)


def _decode(data: bytes) -> tuple[str | None, list[str], str | None]:
    """(text, warnings, skip reason). Newlines come out as ``\\n``."""
    warnings: list[str] = []
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            text = data.decode("utf-16", "replace")
            warnings.append(f"not valid UTF-16 (first bad byte at {exc.start}); bad bytes replaced")
        sample = text[:_SNIFF]
        if sample and _mostly_not_text(len(_CONTROL.findall(sample)), len(sample)):
            return None, warnings, "binary file (mostly not text)"
    else:
        head = data[:_SNIFF]
        if b"\x00" in head:
            return None, warnings, "binary file (contains NUL bytes)"
        bad = len(head) - len(head.translate(None, _CONTROL_BYTES))
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        nuls = data.count(b"\x00")
        if nuls:
            data = data.replace(b"\x00", b"")
            warnings.append(f"{nuls} NUL byte(s) removed")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            replaced = data.decode("utf-8", "replace")
            if _NON_ASCII_OK.search(replaced):
                # Real UTF-8 with a few damaged bytes: keep it, mark the damage.
                n = replaced.count("\ufffd")
                bad += replaced[:_SNIFF].count("\ufffd")
                text = replaced
                warnings.append(
                    f"not valid UTF-8: {n} bad byte sequence(s) replaced"
                    f" (first at byte {exc.start})"
                )
            else:
                # No UTF-8 at all beyond ASCII: an 8-bit legacy encoding.
                try:
                    text = data.decode("cp1252")
                    enc = "Windows-1252"
                except UnicodeDecodeError:
                    text = data.decode("latin-1")
                    enc = "Latin-1"
                warnings.append(f"not valid UTF-8 (first bad byte at {exc.start}); read as {enc}")
        if head and _mostly_not_text(bad, len(head)):
            return None, warnings, "binary file (mostly not text)"
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, warnings, None

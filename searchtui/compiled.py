"""Compiled extensions built from a source beside them, used only while they are current.

``setup.py`` compiles some modules to C extensions when it can, and records the
SHA-256 of each source it compiled in ``<module>.sha256``. An extension is used
only when it was built from the source beside it: when the source has changed
since (an edited checkout), or when ``SEARCHTUI_PURE_PYTHON`` is set, the plain
Python code runs instead.
"""

from __future__ import annotations

import hashlib
import os
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path


def built(folder: Path, module: str) -> bool:
    """Whether an extension ``module`` was built in ``folder``."""
    return any((folder / f"{module}{suffix}").exists() for suffix in EXTENSION_SUFFIXES)


def current(folder: Path, module: str, source: str) -> bool:
    """Whether the extension ``module`` of ``folder`` may be used: not asked to run
    plain Python, and built from the ``source`` file beside it as it is now."""
    if os.environ.get("SEARCHTUI_PURE_PYTHON"):
        return False
    try:
        digest = hashlib.sha256((folder / source).read_bytes()).hexdigest()
    except OSError:
        return True  # no source beside it: the extension is all there is
    try:
        built_from = (folder / f"{module}.sha256").read_text(encoding="ascii").strip()
    except OSError:
        return False
    return built_from == digest


def is_extension(path: object) -> bool:
    """Whether a module's ``__file__`` is a compiled extension."""
    return str(path or "").endswith(tuple(EXTENSION_SUFFIXES))

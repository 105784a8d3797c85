"""The engine's compiled counting loops (``_kernels.pyx``), when they are built and current.

``loops`` is the compiled module, or None: then callers count with numpy, which
gives the same numbers more slowly. See :mod:`searchtui.compiled` for when a
build is used.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

from . import compiled

_HERE = Path(__file__).resolve().parent


def _load() -> ModuleType | None:
    if not compiled.built(_HERE, "_kernels"):
        return None
    if not compiled.current(_HERE, "_kernels", "_kernels.pyx"):
        return None
    try:
        from . import _kernels
    except ImportError:  # a partial or foreign build
        return None
    return _kernels


loops: ModuleType | None = _load()


def build() -> str:
    """How facets are counted here: "compiled" or "numpy"."""
    return "compiled" if loops is not None else "numpy"

"""Named-entity extraction backends: a fast rule engine and an optional spaCy one.

``searchtui.entities`` is the public face; these modules hold the parts.

The rule engine (``rules.py``) is plain Python that the build also compiles
with mypyc when it can (see ``setup.py``), recording the SHA-256 of the source
it compiled in ``rules.sha256``. The compiled module is used only when it was
built from the source beside it: when ``rules.py`` has changed since (an edited
checkout), or when ``SEARCHTUI_PURE_PYTHON`` is set, the source is loaded
instead.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from .. import compiled

_HERE = Path(__file__).resolve().parent


def load_source(module: str, name: str | None = None) -> ModuleType:
    """Load ``<module>.py`` of this package from its source, as ``name`` (default: its own)."""
    full = name or f"{__name__}.{module}"
    spec = importlib.util.spec_from_file_location(full, _HERE / f"{module}.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[full] = mod
    try:
        spec.loader.exec_module(mod)
    except BaseException:
        del sys.modules[full]
        raise
    if name is None:
        setattr(sys.modules[__name__], module, mod)  # as an import binds a submodule
    return mod


def _built(module: str) -> bool:
    return compiled.built(_HERE, module)


def _prefer_source(module: str) -> bool:
    """Whether to load a built module's source: asked to, or the source has changed."""
    return not compiled.current(_HERE, module, f"{module}.py")


def _load(module: str) -> None:
    """Import a compiled module when it is current and loads; its source otherwise."""
    if f"{__name__}.{module}" in sys.modules or not _built(module):
        return
    if _prefer_source(module):
        load_source(module)
        return
    try:
        importlib.import_module(f"{__name__}.{module}")
    except ImportError:  # a partial or foreign build
        sys.modules.pop(f"{__name__}.{module}", None)
        load_source(module)


_load("rules")


def is_compiled(module: ModuleType) -> bool:
    """Whether a module was loaded from a compiled extension."""
    return compiled.is_extension(getattr(module, "__file__", ""))


def engine_build() -> str:
    """How the rule engine runs here: "compiled" or "plain Python"."""
    from . import rules

    return "compiled" if is_compiled(rules) else "plain Python"

"""Build: two parts of searchtui are compiled to C extensions when they can be.

- ``searchtui/ner/rules.py``, the entity rule engine, is plain, type-annotated
  Python that mypyc compiles; compiled, it reads entities about twice as fast.
- ``searchtui/_kernels.pyx`` holds the loops that count facet values (and
  stories), compiled with Cython; without it the engine counts with numpy, which
  gives the same numbers more slowly.

Both build requirements come from pyproject.toml. When a compilation fails (no C
compiler, no Python headers), or when ``SEARCHTUI_PURE_PYTHON=1`` is set, the
package installs without that extension and says so; nothing else changes.
Beside each compiled source the build records its SHA-256 (``<module>.sha256``):
an extension is used only while its source is unchanged (``searchtui/compiled.py``).
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_ext import build_ext

MYPYC = ["searchtui/ner/rules.py"]
CYTHON = ["searchtui/_kernels.pyx"]
SLOWER = {
    "rules": "the entity engine runs as plain Python (slower)",
    "_kernels": "facets are counted with numpy (slower)",
}


def _record_source(path: Path) -> None:
    """Write <module>.sha256 beside a compiled source: the source it was built from."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    path.with_suffix(".sha256").write_text(digest + "\n", encoding="ascii")


def _warn(message: str, module: str) -> None:
    print(f"searchtui: {message}; {SLOWER[module]}", file=sys.stderr)


def _mypyc_modules() -> list:
    try:
        from mypyc.build import mypycify
    except ImportError:
        _warn("mypyc is not available", "rules")
        return []
    try:
        # the modules it imports are read for types only, and need no stubs
        modules = mypycify(
            ["--ignore-missing-imports", "--follow-imports=silent", *MYPYC], opt_level="3"
        )
    except (Exception, SystemExit) as exc:  # mypyc exits on a type error
        _warn(f"mypyc could not translate {', '.join(MYPYC)} ({exc})", "rules")
        return []
    for path in MYPYC:
        _record_source(Path(path))
    return modules


def _cython_modules() -> list:
    try:
        from Cython.Build import cythonize
    except ImportError:
        _warn("Cython is not available", "_kernels")
        return []
    try:
        modules = cythonize(CYTHON, quiet=True)
    except (Exception, SystemExit) as exc:
        _warn(f"Cython could not translate {', '.join(CYTHON)} ({exc})", "_kernels")
        return []
    for path in CYTHON:
        _record_source(Path(path))
    return modules


def _ext_modules() -> list:
    if os.environ.get("SEARCHTUI_PURE_PYTHON"):
        return []
    return _mypyc_modules() + _cython_modules()


def _short(name: str) -> str:
    return name.rsplit(".", 1)[-1].replace("__mypyc", "")


class OptionalBuildExt(build_ext):
    """Compiles the extensions, and installs without those that fail to compile."""

    def run(self) -> None:
        try:
            super().run()
        except Exception as exc:
            for module in SLOWER:
                _warn(f"the C extensions were not built ({exc})", module)

    def build_extension(self, ext) -> None:
        try:
            super().build_extension(ext)
        except Exception as exc:
            module = _short(ext.name)
            if module not in SLOWER:
                module = "rules"  # mypyc's shared library
            _warn(f"the C extension {ext.name} was not built ({exc})", module)


setup(ext_modules=_ext_modules(), cmdclass={"build_ext": OptionalBuildExt})

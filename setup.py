"""Build: the entity rule engine is compiled with mypyc when it can be.

``searchtui/ner/rules.py`` is plain, type-annotated Python and runs as it is.
When mypyc (from the build requirements) and a C compiler with the Python
headers are at hand, it is also compiled to a C extension, which reads
entities about twice as fast. When the compilation fails, or when
``SEARCHTUI_PURE_PYTHON=1`` is set, the package installs as pure Python and
says so; nothing else changes.
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_ext import build_ext

COMPILED = ["searchtui/ner/rules.py"]


def _record_sources() -> None:
    """Write <module>.sha256 beside each compiled module: the source it was built from."""
    for path in map(Path, COMPILED):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        path.with_suffix(".sha256").write_text(digest + "\n", encoding="ascii")


def _warn(message: str) -> None:
    print(f"searchtui: {message}; the entity engine runs as plain Python (slower)", file=sys.stderr)


def _ext_modules() -> list:
    if os.environ.get("SEARCHTUI_PURE_PYTHON"):
        return []
    try:
        from mypyc.build import mypycify
    except ImportError:
        _warn("mypyc is not available")
        return []
    try:
        # the modules it imports are read for types only, and need no stubs
        modules = mypycify(
            ["--ignore-missing-imports", "--follow-imports=silent", *COMPILED], opt_level="3"
        )
        _record_sources()
        return modules
    except (Exception, SystemExit) as exc:  # mypyc exits on a type error
        _warn(f"mypyc could not translate {', '.join(COMPILED)} ({exc})")
        return []


class OptionalBuildExt(build_ext):
    """Compiles the extensions, and installs without them when compiling fails."""

    def run(self) -> None:
        try:
            super().run()
        except Exception as exc:
            _warn(f"the C extension was not built ({exc})")

    def build_extension(self, ext) -> None:
        try:
            super().build_extension(ext)
        except Exception as exc:
            _warn(f"the C extension {ext.name} was not built ({exc})")


setup(ext_modules=_ext_modules(), cmdclass={"build_ext": OptionalBuildExt})

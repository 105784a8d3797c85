"""The core never imports the UI toolkit: only searchtui.tui (and the command opening it) may.

Every module of the package outside ``searchtui.tui`` is found on disk, so a
new core module is covered the day it is added; each is imported in a fresh
interpreter and ``sys.modules`` is read for Textual or Rich.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "searchtui"
UI = ("textual", "rich")
#: built only when spaCy is installed (an optional extra)
OPTIONAL = {"searchtui.ner.spacy_backend"}


def core_modules() -> list[str]:
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[1:2] == ("tui",):
            continue
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names.append(".".join(parts))
    return names


CORE = core_modules()


def test_the_core_list_is_complete():
    assert {"searchtui", "searchtui.cli", "searchtui.search", "searchtui.errors"} <= set(CORE)
    assert not any(name.startswith("searchtui.tui") for name in CORE)


@pytest.mark.parametrize("module", CORE)
def test_core_module_does_not_import_the_ui(module):
    code = (
        "import importlib, json, sys\n"
        f"importlib.import_module({module!r})\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {UI!r})))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    if out.returncode != 0 and module in OPTIONAL and "No module named 'spacy'" in out.stderr:
        pytest.skip("spaCy is not installed")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def test_the_import_contract_names_every_top_level_core_module():
    """pyproject.toml's import-linter contract lists the core by hand: it must not fall behind."""
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+

    config = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text(encoding="utf-8"))
    contract = config["tool"]["importlinter"]["contracts"][0]
    top = {".".join(name.split(".")[:2]) for name in CORE if name != "searchtui"}
    top.discard("searchtui.__main__")
    assert top == set(contract["source_modules"])


#: Whoosh modules that are not its public API; only searchtui.whooshext may use them
WHOOSH_PRIVATE = (
    "whoosh.codec",
    "whoosh.writing",
    "whoosh.columns",
    "whoosh.system",
    "whoosh.util",
    "whoosh.matching",
    "whoosh.query.qcore",
)


def test_only_whooshext_reaches_into_whoosh_internals():
    import ast

    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "whooshext" in path.relative_to(PACKAGE).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            for name in names:
                if name.startswith(WHOOSH_PRIVATE):
                    offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno}: {name}")
    assert offenders == []

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

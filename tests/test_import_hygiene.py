"""The core never imports the UI toolkit: only searchtui.tui (and the command opening it) may."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

CORE = [
    "searchtui.models",
    "searchtui.config",
    "searchtui.articles",
    "searchtui.entities",
    "searchtui.schema",
    "searchtui.indexer",
    "searchtui.dates",
    "searchtui.query",
    "searchtui.evaluate",
    "searchtui.snippets",
    "searchtui.suggest",
    "searchtui.search",
    "searchtui.facets",
    "searchtui.cli",
]
UI = ("textual", "rich")


@pytest.mark.parametrize("module", CORE)
def test_core_module_does_not_import_the_ui(module):
    code = (
        "import importlib, json, sys\n"
        f"importlib.import_module({module!r})\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {UI!r})))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []

"""The rule engine's two builds: compiled with mypyc, and its plain Python source.

Both must give exactly the same mentions. The compiled module is used only
when it was built from the source beside it; an edited source or
``SEARCHTUI_PURE_PYTHON`` makes the package load the source instead.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import searchtui
from searchtui.articles import read_file
from searchtui.ner import engine_build, is_compiled, load_source
from searchtui.ner import rules as loaded
from searchtui.ner.aliases import load_aliases

PACKAGE = Path(searchtui.__file__).resolve().parent

needs_compiled = pytest.mark.skipif(
    not is_compiled(loaded), reason="the rule engine is not compiled in this install"
)

SAMPLES = [
    "President Donald Trump met Chancellor Angela Merkel in Berlin on Tuesday. Trump said "
    "the talks went well; Mr. Trump later flew to Paris.",
    "WASHINGTON (AP) — The Environmental Protection Agency (EPA) said the U.S. Senate "
    "Judiciary Committee would meet. Sen. Chuck Schumer of New York objected.",
    "Manchester United beat Chelsea 2-1 on Sunday. Liverpool 3 Everton 0.",
    "THE WHITE HOUSE SAYS NO\n\nFighters of Islamic State attacked the Kurdish town. "
    "Bashar al-Assad, 53, said nothing. Theresa May met Rep. Katie Hill of California.",
    "Most people agree. most people don't. July 4 came. May 2019 was hot. June Carter sang.",
]


def _texts(wikinews: Path | None) -> list[str]:
    texts = list(SAMPLES)
    if wikinews is not None:
        for path in sorted(wikinews.glob("*.txt")):
            for article in read_file(path).articles:
                texts.append(f"{article.title}\n\n{article.body}")
    return texts


def _mentions(module, texts: list[str]) -> list[list[tuple]]:
    engine = module.RuleEngine(load_aliases())
    return [
        [(m.text, m.type, m.start, m.end, m.canonical) for m in engine.extract(t)] for t in texts
    ]


def test_the_compiled_module_type_checks(tmp_path):
    """mypyc compiles only what mypy accepts: a type error would quietly cost the speed."""
    pytest.importorskip("mypy")
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--ignore-missing-imports", "--follow-imports=silent",
         "--cache-dir", str(tmp_path / "mypy-cache"), str(PACKAGE / "ner" / "rules.py")],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_build_is_reported():
    assert engine_build() == ("compiled" if is_compiled(loaded) else "plain Python")


@needs_compiled
def test_compiled_and_source_give_the_same_mentions(request):
    try:
        wikinews = request.getfixturevalue("wikinews_dir")
    except pytest.skip.Exception:
        wikinews = None
    source = load_source("rules", "searchtui.ner._rules_from_source")
    try:
        assert not is_compiled(source)
        texts = _texts(wikinews)
        compiled, plain = _mentions(loaded, texts), _mentions(source, texts)
        assert all(plain[: len(SAMPLES)])  # every sample has mentions to compare
        assert compiled == plain
    finally:
        sys.modules.pop("searchtui.ner._rules_from_source", None)


def _build_in_copy(tmp_path: Path, edit: bool, env_extra: dict[str, str]) -> str:
    """engine_build() in a copy of the installed package, the source edited or not."""
    copy = tmp_path / "searchtui"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    if edit:
        with open(copy / "ner" / "rules.py", "a", encoding="utf-8") as f:
            f.write("\n# edited after the build\n")
    env = {k: v for k, v in os.environ.items() if k != "SEARCHTUI_PURE_PYTHON"}
    env.update(env_extra, PYTHONPATH=str(tmp_path))
    proc = subprocess.run(
        [sys.executable, "-c",
         "import searchtui.ner as n; print(n.__file__); print(n.engine_build())"],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    where, build = proc.stdout.splitlines()
    assert Path(where).parent == copy / "ner"
    return build


@needs_compiled
def test_compiled_module_is_used_only_when_built_from_this_source(tmp_path):
    assert _build_in_copy(tmp_path / "a", edit=False, env_extra={}) == "compiled"
    assert _build_in_copy(tmp_path / "b", edit=True, env_extra={}) == "plain Python"
    assert _build_in_copy(tmp_path / "c", edit=False,
                          env_extra={"SEARCHTUI_PURE_PYTHON": "1"}) == "plain Python"


@needs_compiled
def test_a_broken_build_falls_back_to_the_source(tmp_path):
    copy = tmp_path / "pkg"
    copy.mkdir()
    shutil.copytree(PACKAGE, copy / "searchtui", ignore=shutil.ignore_patterns("__pycache__"))
    for lib in (copy / "searchtui" / "ner").glob("rules__mypyc*"):
        lib.unlink()  # the shim stays, the code it loads is gone
    env = {k: v for k, v in os.environ.items() if k != "SEARCHTUI_PURE_PYTHON"}
    env["PYTHONPATH"] = str(copy)
    proc = subprocess.run(
        [sys.executable, "-c", "from searchtui.ner import engine_build; print(engine_build())"],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60,
    )
    assert (proc.returncode, proc.stdout) == (0, "plain Python\n"), proc.stderr

"""Export, the command palette, index reloads, the no-index screen and in-app builds."""

from __future__ import annotations

import csv
import json
import sys

import pytest

from searchtui.cli import main
from searchtui.tui.screens.noindex import NoIndexScreen
from searchtui.tui.screens.search import SearchScreen
from searchtui.tui.widgets.results import ResultList

from .conftest import N_ARTICLES, screen_text, settle, write_corpus


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "md"])
async def test_export_all_hits(make_app, index_dir, tmp_path, fmt):
    app, rec = make_app(index_dir)
    out = tmp_path / f"hits.{fmt}"
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert len(app.screen.query_one(ResultList).hits) < N_ARTICLES  # only a page is loaded
        app.action_export()
        await pilot.pause()
        box = app.screen.query_one("#export-path")
        box.value = str(out)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SearchScreen)
    if fmt == "jsonl":
        rows = [json.loads(line) for line in out.read_text().splitlines()]
        assert len(rows) == N_ARTICLES and {"title", "path", "date"} <= set(rows[0])
    elif fmt == "csv":
        rows = list(csv.DictReader(out.open()))
        assert len(rows) == N_ARTICLES and rows[0]["title"]
    else:
        text = out.read_text()
        assert text.startswith("# Search results")
        assert text.count("\n1. ") + text.count(f"\n{N_ARTICLES}. ") == 2
    # The CLI exports the same search the same way.
    from_cli = tmp_path / f"cli.{fmt}"
    assert main(["search", "--index", str(index_dir), "--output", str(from_cli)]) == 0
    assert from_cli.read_bytes() == out.read_bytes()


async def test_palette_toggles_theme_and_copies_path(make_app, index_dir):
    app, rec = make_app(index_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        dark = app.current_theme.dark
        await pilot.press("ctrl+p")
        await pilot.pause()
        for ch in "theme":
            await pilot.press(ch)
        await pilot.pause(0.3)
        await pilot.press("enter")  # the theme picker
        await pilot.pause(0.3)
        for ch in "textual-light" if dark else "textual-dark":
            await pilot.press(ch)
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert app.current_theme.dark is not dark
        hit = app.screen.query_one(ResultList).hits[0]
        await pilot.press("ctrl+p")
        await pilot.pause()
        for ch in "copy":
            await pilot.press("space" if ch == " " else ch)
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert app.clipboard == hit.path


async def test_index_changed_on_disk_offers_reload(make_app, index_dir):
    app, rec = make_app(index_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        rec["engine"].stale = True
        app.poll_index()
        await settle(pilot)
        assert app.index_stale
        assert "Ctrl+R reloads" in screen_text(app)
        before = len(rec["engine"].requests)
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert rec["engine"].reloads == 1
        assert not app.index_stale
        assert len(rec["engine"].requests) > before  # searched again


async def test_no_index_screen_builds_in_app(make_app, tmp_path):
    corpus = write_corpus(tmp_path / "mycorpus", n=8)
    index = tmp_path / "new-index"
    app, rec = make_app(index, corpus_paths=[str(tmp_path / "nothing-here")])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, NoIndexScreen)
        assert "No index yet" in screen_text(app)
        app.screen.query_one("#corpus-path").value = str(corpus)
        await pilot.click("#build")
        for _ in range(200):
            await pilot.pause(0.05)
            if isinstance(app.screen, SearchScreen) and app.engine is not None:
                break
        await settle(pilot)
        assert isinstance(app.screen, SearchScreen)
        assert app.screen.query_one(ResultList).total == 8
        assert "8 hits" in screen_text(app)


#: An indexer that reports one step, then waits to be cancelled, as the real one does.
SLOW_INDEXER = """
import json, signal, sys, time
def stop(signum, frame):
    raise KeyboardInterrupt
signal.signal(signal.SIGINT, stop)
sys.stdin.read()
progress = dict(phase="indexing", done=1, total=10, articles=5, elapsed=0.1, rate=50.0, eta=1.0,
                current="a.txt")
print(json.dumps({"progress": progress}), flush=True)
try:
    time.sleep(60)
except KeyboardInterrupt:
    print(json.dumps({"cancelled": "cancelled"}), flush=True)
    sys.exit(130)
"""


async def test_build_can_be_cancelled_and_app_stays_usable(make_app, tmp_path):
    app, rec = make_app(
        tmp_path / "no-index",
        corpus_paths=[str(tmp_path)],
        index_command=[sys.executable, "-c", SLOW_INDEXER],
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.click("#build")
        for _ in range(100):
            await pilot.pause(0.05)
            if "1/10" in screen_text(app):
                break
        assert app.building
        assert "indexing · 1/10" in screen_text(app)
        await pilot.press("escape")
        for _ in range(100):
            await pilot.pause(0.05)
            if not app.building:
                break
        assert not app.building
        assert isinstance(app.screen, NoIndexScreen)
        assert "cancelled" in screen_text(app)
        await pilot.press("f1")
        await pilot.pause()
        assert type(app.screen).__name__ == "HelpScreen"


async def test_rebuild_from_the_palette_runs_in_the_background(make_app, tmp_path):
    from searchtui.indexer import build_index

    from .conftest import test_config

    corpus = write_corpus(tmp_path / "c", n=6)
    index = tmp_path / "idx"
    build_index([str(corpus)], index, config=test_config())
    write_corpus(tmp_path / "c", n=9)  # three more articles arrive
    app, rec = make_app(index, corpus_paths=[str(corpus)])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.screen.query_one(ResultList).total == 6
        await pilot.press("ctrl+p")
        await pilot.pause()
        for ch in "rebuild":
            await pilot.press(ch)
        await pilot.pause(0.3)
        await pilot.press("enter")
        for _ in range(300):
            await pilot.pause(0.05)
            if not app.building and rec["engine"].reloads:
                break
        await settle(pilot)
        assert rec["engine"].reloads == 1
        assert app.screen.query_one(ResultList).total == 9
        assert "Index ready" in app.build_status

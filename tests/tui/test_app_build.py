"""Building and rebuilding the index from the app, at a size that takes the parallel path.

The app runs the indexer as a child process; these tests drive the real one
(with worker processes) through Pilot, and stand-ins for a crash.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from searchtui import store
from searchtui.config import Config
from searchtui.indexer import PARALLEL_THRESHOLD, build_index
from searchtui.tui.screens.confirm import ConfirmDialog
from searchtui.tui.screens.noindex import NoIndexScreen
from searchtui.tui.screens.search import SearchScreen
from searchtui.tui.widgets.results import ResultList

from .conftest import screen_text, settle, wait_until, write_corpus

#: more files than the indexer reads in one process: the run uses worker processes
BIG = 1200
#: two workers; no entity extraction, which these tests do not look at, to keep them quick
PARALLEL = Config(workers=2, extractor="none")
SLOW = 180.0  # seconds a real build may take on a loaded machine


@pytest.fixture(scope="module")
def big_corpus(tmp_path_factory) -> Path:
    assert BIG > PARALLEL_THRESHOLD
    return write_corpus(tmp_path_factory.mktemp("big") / "news", n=BIG)


@pytest.fixture(autouse=True)
def _elsewhere(tmp_path, monkeypatch):
    """The app runs from a folder with no corpus/ of its own."""
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")


async def palette(pilot, command: str) -> None:
    await pilot.press("ctrl+p")
    await pilot.pause()
    for ch in command:
        await pilot.press(ch)
    await pilot.pause(0.3)
    await pilot.press("enter")


def total(app) -> int:
    return app.screen.query_one(ResultList).total


async def test_building_a_large_corpus_from_the_no_index_screen(make_app, tmp_path, big_corpus):
    index = tmp_path / "index"
    app, rec = make_app(index, config=PARALLEL)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, NoIndexScreen)
        box = app.screen.query_one("#corpus-path")
        assert box.value == "corpus"  # nothing remembered, nothing configured
        box.value = str(big_corpus)
        await pilot.press("enter")
        await wait_until(
            pilot, lambda: isinstance(app.screen, SearchScreen) and app.engine is not None, SLOW
        )
        assert total(app) == BIG
        assert "Index ready. Rebuilt" in app.build_status
    assert not (index / store.LOCK).exists()
    assert store.recorded_corpus(index) == [str(big_corpus.resolve())]


async def test_rebuild_from_the_palette_reads_the_remembered_folders(make_app, tmp_path,
                                                                     big_corpus):
    corpus = Path(shutil.copytree(big_corpus, tmp_path / "news"))
    index = tmp_path / "index"
    build_index([corpus], index, config=PARALLEL)
    write_corpus(corpus, n=BIG + 10)  # ten more arrive
    app, rec = make_app(index, config=PARALLEL)  # no corpus given, none in the working folder
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert total(app) == BIG
        await palette(pilot, "rebuild")
        await wait_until(pilot, lambda: not app.building and rec["engine"].reloads == 1, SLOW)
        assert total(app) == BIG + 10
        assert app.build_status.startswith(f"Index ready. Rebuilt {index}: {BIG + 10} added")
    assert not (index / store.LOCK).exists()


@pytest.fixture
def small(tmp_path) -> tuple[Path, Path]:
    corpus = write_corpus(tmp_path / "news", n=6)
    index = tmp_path / "index"
    build_index([corpus], index, config=Config(workers=1))
    return corpus, index


async def test_a_rebuild_that_drops_most_articles_asks_first(make_app, small):
    corpus, index = small
    for path in sorted(corpus.iterdir())[1:]:
        path.unlink()
    app, rec = make_app(index)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await palette(pilot, "rebuild")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        text = screen_text(app)
        assert "Drop 5 of 6 articles?" in text
        assert "This rebuild would drop 5 of the 6 articles in the index" in text
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, SearchScreen))
        assert app.build_status == "Index rebuild not run; the index is as it was."
        assert total(app) == 6 and rec["engine"].reloads == 0

        await palette(pilot, "rebuild")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await wait_until(pilot, lambda: not app.building and rec["engine"].reloads == 1, SLOW)
        assert isinstance(app.screen, SearchScreen)
        assert total(app) == 1
    assert not (index / store.LOCK).exists()


async def test_an_update_from_a_folder_that_moved_says_so_and_keeps_the_index(
    make_app, small, tmp_path
):
    corpus, index = small
    corpus.rename(tmp_path / "moved")
    app, rec = make_app(index)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await palette(pilot, "update")
        await wait_until(pilot, lambda: not app.building and "failed" in app.build_status, SLOW)
        assert app.build_status.startswith(
            f"Index run failed: corpus path not found: {corpus.resolve()} (the index was built "
            "from it"
        )
        assert "\n" not in app.build_status
        assert isinstance(app.screen, SearchScreen) and total(app) == 6
    assert not (index / store.LOCK).exists()


async def test_a_crashed_indexer_is_one_line_of_error_and_the_app_lives_on(make_app, small):
    _corpus, index = small
    crash = (
        "import sys; sys.stdin.read(); "
        "print('Traceback (most recent call last):\\nValueError: boom', file=sys.stderr); "
        "sys.exit(3)"
    )
    app, rec = make_app(index, index_command=[sys.executable, "-c", crash])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await palette(pilot, "rebuild")
        await wait_until(pilot, lambda: not app.building and "failed" in app.build_status)
        assert app.build_status == (
            "Index run failed: the indexer stopped unexpectedly (exit status 3): ValueError: boom"
        )
        assert isinstance(app.screen, SearchScreen) and total(app) == 6
        await pilot.press("slash", "c", "l", "i", "m", "a", "t", "e")
        await settle(pilot)
        assert 0 < total(app) < 6  # still searching

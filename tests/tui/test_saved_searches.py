"""Saved searches in the app (save, list, open with the new hits marked), and the index
reloaded by itself when the setting asks for it."""

from __future__ import annotations

import dataclasses

from searchtui.indexer import build_index
from searchtui.saved import SavedSearches, summarise
from searchtui.search import SearchEngine
from searchtui.tui.screens.saved import SavedSearchesScreen
from searchtui.tui.screens.search import SearchScreen
from searchtui.tui.widgets.query import QueryInput
from searchtui.tui.widgets.results import ResultList

from . import conftest
from .conftest import screen_text, settle, wait_until, write_corpus


def add_articles(folder, n: int) -> None:
    for i in range(n):
        (folder / f"new{i}.txt").write_text(
            f"Impeachment vote set {i}\n\nAnna Moore — Reuters Mar 03, 2021\n\n\n"
            f"The impeachment vote number {i} was set for Tuesday.\n",
            encoding="utf-8",
        )


async def test_save_then_open_with_the_new_hits_marked(make_app, tmp_path):
    corpus = write_corpus(tmp_path / "corpus", 12)
    root = tmp_path / "index"
    build_index([corpus], root, config=conftest.test_config())
    app, rec = make_app(root)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        box = app.screen.query_one("#query", QueryInput)
        box.focus()
        box.value = "impeachment"
        await settle(pilot)
        total_before = app.screen.result.total
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "impeachment" in screen_text(app)
        app.screen.query_one("#saved-name").value = "imp"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SearchScreen)
        assert [s.name for s in SavedSearches(root).load()] == ["imp"]

        add_articles(corpus, 3)
        build_index([corpus], root, config=conftest.test_config())
        await pilot.press("ctrl+r")
        await settle(pilot)
        box.value = "budget"
        await settle(pilot)

        app.action_saved_searches()  # as from the palette
        await wait_until(pilot, lambda: "3 new" in screen_text(app))
        assert isinstance(app.screen, SavedSearchesScreen)
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SearchScreen)
        assert screen.search_text == "impeachment" and box.value == "impeachment"
        result = screen.result
        assert (result.total, result.new) == (total_before + 3, 3)
        assert [h.new for h in result.hits[:4]] == [True, True, True, False]
        assert "3 new" in screen_text(app)
        assert screen.query_one(ResultList).has_focus
    # opened: viewed, nothing new any more
    search = SavedSearches(root).get("imp")
    assert search.last_viewed is not None
    with SearchEngine.open(root) as engine:
        assert summarise(engine, search).new == 0


async def test_a_changed_index_is_reloaded_by_itself_when_idle(make_app, index_dir):
    config = dataclasses.replace(conftest.test_config(), auto_reload=True)
    app, rec = make_app(index_dir, config=config)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        screen.query_one(ResultList).focus()  # a hit selected: only offered
        rec["engine"].stale = True
        app.poll_index()
        await settle(pilot)
        assert app.index_stale and rec["engine"].reloads == 0
        assert "Ctrl+R reloads" in screen_text(app)
        screen.query_one("#query", QueryInput).focus()  # back to the query, nothing typed
        screen._last_typed = 0.0
        app.poll_index()
        await wait_until(pilot, lambda: rec["engine"].reloads == 1)
        assert not app.index_stale

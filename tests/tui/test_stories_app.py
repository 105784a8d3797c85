"""Stories in the app: collapsed by default, toggled by a key and a command, the copies
line under a grouped hit, and the reader's copies with their word diff.

The test corpus is made of near-identical articles per topic (only a line with
the article's number differs), so each topic is one story here."""

from __future__ import annotations

from searchtui.config import Config
from searchtui.tui.screens.copies import CopiesScreen
from searchtui.tui.screens.reader import ReaderScreen
from searchtui.tui.widgets.results import ResultList

from .conftest import screen_text, settle, wait_until
from .test_search_screen import type_query


def grouped_config() -> Config:
    return Config(workers=1)  # collapse: the default


async def test_collapsed_by_default_and_toggled(make_app, index_dir):
    app, rec = make_app(index_dir, config=grouped_config())
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await type_query(pilot, "impeachment")
        await pilot.press("enter")
        await settle(pilot)
        request = rec["engine"].requests[-1]
        assert request.collapse is True
        results = app.screen.query_one(ResultList)
        assert results.hits and all(h.copies is not None for h in results.hits)
        grouped = [h for h in results.hits if h.copies]
        assert grouped
        n = len(grouped[0].copies)
        assert f"+{n} copies: " in screen_text(app)
        assert app.focused is results
        await pilot.press("c")
        await settle(pilot)
        assert rec["engine"].requests[-1].collapse is False
        assert all(h.copies is None for h in results.hits)
        assert "copies: " not in screen_text(app)
        # the command palette's command runs the same action
        await app.run_action("toggle_collapse")
        await settle(pilot)
        assert rec["engine"].requests[-1].collapse is True


async def test_every_copy_a_hit_when_configured(make_app, index_dir):
    app, rec = make_app(index_dir)  # the test configuration: collapse off
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert rec["engine"].requests[-1].collapse is False


async def test_reader_lists_copies_and_shows_the_diff(make_app, index_dir):
    app, rec = make_app(index_dir, config=grouped_config())
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await type_query(pilot, "brexit")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        reader = app.screen
        assert isinstance(reader, ReaderScreen)
        await wait_until(pilot, lambda: reader.article is not None and bool(reader.copies))
        text = screen_text(app)
        assert f"+{len(reader.copies)} copies: " in text and "c: compare" in text
        await pilot.press("c")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CopiesScreen)
        await wait_until(pilot, lambda: "words added" in screen_text(app))
        text = screen_text(app)
        for copy in reader.copies:
            assert copy.title in text
        diff = str(screen.query_one("#copies-diff").content)
        first = reader.copies[0]
        number = first.title.rsplit(" ", 1)[-1]
        # the copies differ in the line with their number: one word out, one in
        assert "Report number " in diff and f"{number} on brexit" in diff.lower()
        assert "1 words added, 1 removed" in diff
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is reader


async def test_reader_without_copies_says_so(make_app, tmp_path):
    from searchtui.indexer import build_index

    corpus = tmp_path / "one"
    corpus.mkdir()
    (corpus / "a.txt").write_text(
        "Lone story\n\nAnn Lee — Reuters Jan 02, 2020\n\n\n"
        "A story with no copies at all, told once and only once in this small corpus.\n"
    )
    index = tmp_path / "ix"
    build_index([str(corpus)], index, config=Config(workers=1, extractor="none"))
    app, rec = make_app(index, config=grouped_config())
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("tab")
        await pilot.press("enter")
        await settle(pilot)
        reader = app.screen
        assert isinstance(reader, ReaderScreen)
        await wait_until(pilot, lambda: reader.article is not None)
        await settle(pilot)
        await pilot.press("c")
        await pilot.pause()
        assert app.screen is reader

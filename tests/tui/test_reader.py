"""The reader: matches, n/N, more like this, entity links, opening the file."""

from __future__ import annotations

import subprocess
from contextlib import nullcontext
from pathlib import Path

from searchtui.tui.screens.reader import EntityList, ReaderScreen
from searchtui.tui.screens.search import SearchScreen
from searchtui.tui.widgets.chips import Chip
from searchtui.tui.widgets.results import ResultList

from .conftest import screen_text, settle, wait_until
from .test_search_screen import type_query


async def open_second_hit(pilot, query: str) -> ReaderScreen:
    await type_query(pilot, query)
    await pilot.press("enter")
    await settle(pilot)
    await pilot.press("down", "enter")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ReaderScreen)
    await wait_until(pilot, lambda: screen.article is not None and screen.query("#para-0"))
    return screen


async def test_reader_shows_article_and_walks_matches(make_app, index_dir):
    app, rec = make_app(index_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        reader = await open_second_hit(pilot, "impeachment")
        hit = reader.hit
        text = screen_text(app)
        assert hit.title in text
        assert hit.publication in text
        total = len(reader.spans)
        assert total >= 2
        assert all(reader.article.body[s:e].lower().startswith("impeach") for s, e in reader.spans)
        assert f"{total} matches" in text
        await pilot.press("n")
        assert f"match 1 of {total}" in screen_text(app)
        await pilot.press("n")
        assert f"match 2 of {total}" in screen_text(app)
        await pilot.press("N", "N")
        assert f"match {total} of {total}" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, SearchScreen)
        results = app.screen.query_one(ResultList)
        assert results.highlighted_hit_index == 1  # the selection is kept
        assert app.focused is results


async def test_more_like_this(make_app, index_dir):
    app, rec = make_app(index_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        reader = await open_second_hit(pilot, "brexit")
        key = reader.hit.key
        await pilot.press("m")
        await settle(pilot)
        assert isinstance(app.screen, SearchScreen)
        assert ("similar_key", key) in rec["engine"].calls
        chips = [c.spec for c in app.screen.query(Chip)]
        assert chips and chips[0].kind == "similar"
        assert "most similar first" in screen_text(app)
        # removing the chip goes back to the query's hits
        app.screen.query_one(Chip).focus()
        await pilot.press("enter")
        await settle(pilot)
        searches = [name for name, _ in rec["engine"].calls if name in ("search", "more_like_this")]
        assert searches[-1] == "search"


async def test_entity_link_filters(make_app, index_dir):
    app, rec = make_app(index_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        reader = await open_second_hit(pilot, "putin")
        entities = reader.query_one(EntityList)
        picks = [(i, v) for i, v in enumerate(reader.entity_values) if v]
        assert picks, "the article should name people or places"
        index, (facet, value) = picks[0]
        entities.focus()
        entities.highlighted = index
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SearchScreen)
        assert value in rec["engine"].requests[-1].filters[facet].include


async def test_open_in_editor(make_app, index_dir, monkeypatch):
    app, rec = make_app(index_dir)
    calls = []
    monkeypatch.setenv("EDITOR", "myeditor --wait")
    monkeypatch.setattr(subprocess, "call", lambda argv: calls.append(argv) or 0)
    async with app.run_test(size=(120, 40)) as pilot:
        monkeypatch.setattr(app, "suspend", nullcontext)
        await settle(pilot)
        reader = await open_second_hit(pilot, "census")
        await pilot.press("o")
        await pilot.pause()
        assert calls == [["myeditor", "--wait", reader.article.path]]


async def test_a_file_changed_since_indexing_says_so(make_app, tmp_path):
    """The index keeps no copy of a file's text: a file changed since it was indexed is
    not shown as if it were the text searched, in the hit or in the reader."""
    from searchtui.indexer import build_index
    from searchtui.models import SearchRequest
    from searchtui.search import SearchEngine

    from .conftest import test_config, write_corpus

    corpus = write_corpus(tmp_path / "corpus", n=6)
    root = tmp_path / "index"
    build_index([str(corpus)], root, config=test_config())
    with SearchEngine(root) as engine:
        first = engine.search(SearchRequest(query="report number 3")).hits[0]
    changed = Path(first.path)
    changed.write_text(changed.read_text(encoding="utf-8") + "\nA late correction.\n",
                       encoding="utf-8")
    app, rec = make_app(root)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await type_query(pilot, "report number 3")
        await pilot.press("enter")
        await settle(pilot)
        assert "changed since it was indexed" in screen_text(app)  # the hit's snippet
        await pilot.press("enter")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, ReaderScreen)
        await wait_until(pilot, lambda: screen.article is not None and screen.query("#para-0"))
        assert screen.hit.path == first.path
        text = screen_text(app)
        assert "changed since it was indexed" in text and "searchtui index" in text
        assert "the text as indexed cannot be shown" in text
        assert "late correction" not in text and screen.spans == []

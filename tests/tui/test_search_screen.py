"""The search screen, driven through Pilot over a small real index."""

from __future__ import annotations

import datetime as dt
import json

from searchtui.errors import QueryError
from searchtui.query import extract_dates
from searchtui.tui.screens import search as search_screen
from searchtui.tui.screens.search import PAGE_SIZE, SearchScreen
from searchtui.tui.widgets.chips import Chip
from searchtui.tui.widgets.facets import FacetList, FacetPanel
from searchtui.tui.widgets.histogram import DateHistogram
from searchtui.tui.widgets.results import ResultList

from .conftest import N_ARTICLES, screen_text, settle


async def type_query(pilot, text: str, keys: bool = False) -> None:
    """Put ``text`` in the query box, key by key or (quicker) all at once."""
    await pilot.click("#query")
    if keys:
        for ch in text:
            await pilot.press("space" if ch == " " else ch)
    else:
        pilot.app.screen.query_one("#query").insert_text_at_cursor(text)
    await settle(pilot)


async def test_opens_on_newest_articles(make_app, index_dir):
    app, rec = make_app(index_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SearchScreen)
        first = rec["engine"].requests[0]
        assert first.query == "" and first.page == 1
        results = screen.query_one(ResultList)
        assert results.total == N_ARTICLES
        dates = [h.date for h in results.hits]
        assert dates == sorted(dates, reverse=True)
        text = screen_text(app)
        assert f"{N_ARTICLES} hits" in text and "newest first" in text
        assert "Publications" in text and "Washington Times" in text


async def test_typing_searches_with_debounce(make_app, index_dir, monkeypatch):
    # a quiet spell longer than any gap between keys on a loaded machine, so the burst
    # is coalesced however slowly the keys arrive
    monkeypatch.setattr(search_screen, "DEBOUNCE", 1.0)
    app, rec = make_app(index_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        before = len(rec["engine"].requests)
        await type_query(pilot, "putin", keys=True)
        await pilot.pause(1.2)
        await settle(pilot)
        made = rec["engine"].requests[before:]
        assert made[-1].query == "putin"
        assert len(made) < len("putin")  # a burst of keys is coalesced
        results = app.screen.query_one(ResultList)
        assert results.total > 0
        assert all("Putin" in h.title for h in results.hits)
        hit = results.hits[0]
        assert any(hit.snippet[s:e].lower() == "putin" for s, e in hit.highlights)
        assert "hits" in screen_text(app)


async def test_enter_searches_and_goes_to_results(make_app, index_dir):
    app, rec = make_app(index_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await type_query(pilot, "census")
        await pilot.press("enter")
        await settle(pilot)
        assert app.focused is app.screen.query_one(ResultList)
        assert rec["engine"].requests[-1].query == "census"


async def test_history_is_kept_across_runs(make_app, index_dir, tmp_path):
    state = tmp_path / "history-state"
    app, _ = make_app(index_dir, state_dir=state)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        for q in ("brexit", "climate"):
            await type_query(pilot, q)
            await pilot.press("enter")
            await settle(pilot)
            await pilot.press("slash")
            await pilot.press("ctrl+a", "ctrl+k")  # select all, delete to end
    assert json.loads((state / "history.json").read_text()) == ["brexit", "climate"]

    app2, rec2 = make_app(index_dir, state_dir=state)
    async with app2.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        box = app2.screen.query_one("#query")
        box.focus()
        await pilot.press("up")
        assert box.value == "climate"
        await pilot.press("up")
        assert box.value == "brexit"
        await pilot.press("down")
        assert box.value == "climate"
        await settle(pilot)
        assert rec2["engine"].requests[-1].query == "climate"
        await pilot.press("down")
        assert box.value == ""


async def focus_facet(pilot, facet: str) -> FacetList:
    lst = pilot.app.screen.query_one(f"#facet-{facet}", FacetPanel).query_one(FacetList)
    lst.focus()
    lst.highlighted = 0
    await pilot.pause()
    return lst


async def test_include_and_exclude_a_facet_value(make_app, index_dir):
    app, rec = make_app(index_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        panel = app.screen.query_one("#facet-publication", FacetPanel)
        await focus_facet(pilot, "publication")
        value = panel.values[0]
        await pilot.press("space")
        await settle(pilot)
        req = rec["engine"].requests[-1]
        assert req.filters["publication"].include == {value}
        assert not req.filters["publication"].exclude
        hits = app.screen.query_one(ResultList).hits
        assert hits and all(h.publication == value for h in hits)
        chips = [c.spec.label for c in app.screen.query(Chip)]
        assert chips == [f"publications: {value}"]
        assert "✓ " + value in screen_text(app)

        # exclude the same value instead
        await pilot.press("e")
        await settle(pilot)
        req = rec["engine"].requests[-1]
        assert req.filters["publication"].exclude == {value}
        assert not req.filters["publication"].include
        hits = app.screen.query_one(ResultList).hits
        assert hits and all(h.publication != value for h in hits)
        chip = app.screen.query_one(Chip)
        assert chip.spec.excluded and chip.has_class("-excluded")
        shown = screen_text(app)
        assert "✗ " + value in shown

        # remove the filter through its chip
        chip.focus()
        await pilot.press("enter")
        await settle(pilot)
        assert not rec["engine"].requests[-1].filters
        assert not list(app.screen.query(Chip))


async def test_facet_value_filter(make_app, index_dir):
    app, rec = make_app(index_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await focus_facet(pilot, "authors")
        await pilot.press("f")
        for ch in "kir":
            await pilot.press(ch)
        await settle(pilot)
        calls = [arg for name, arg in rec["engine"].calls if name == "facet_values"]
        assert calls[-1] == ("authors", "kir")
        panel = app.screen.query_one("#facet-authors", FacetPanel)
        assert panel.values == ["Will Kirby"]
        await pilot.press("enter")  # back to the list
        await pilot.press("space")
        await settle(pilot)
        assert rec["engine"].requests[-1].filters["authors"].include == {"Will Kirby"}


async def test_histogram_bar_sets_dates(make_app, index_dir):
    app, rec = make_app(index_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        hist = app.screen.query_one(DateHistogram)
        hist.focus()
        await pilot.press("home")
        bucket = hist.buckets[0]
        await pilot.press("enter")
        await settle(pilot)
        req = rec["engine"].requests[-1]
        assert (req.date_from, req.date_to) == (bucket.start, bucket.end)
        results = app.screen.query_one(ResultList)
        assert results.hits and all(bucket.start <= h.date <= bucket.end for h in results.hits)
        chip = next(c for c in app.screen.query(Chip) if c.spec.kind == "date")
        # within the chosen range the bars are finer: choosing one narrows it
        if hist.histogram.unit != "day" or len(hist.buckets) > 1:
            await pilot.press("end", "enter")
            await settle(pilot)
            req = rec["engine"].requests[-1]
            assert bucket.start <= req.date_from <= req.date_to <= bucket.end
        chip = next(c for c in app.screen.query(Chip) if c.spec.kind == "date")
        chip.focus()
        await pilot.press("enter")  # the chip clears the range
        await settle(pilot)
        req = rec["engine"].requests[-1]
        assert (req.date_from, req.date_to) == (None, None)


async def test_typed_date_range(make_app, index_dir):
    app, rec = make_app(index_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        box = app.screen.query_one("#date-range")
        box.focus()
        box.value = "2019-03..2019-04"
        await pilot.press("enter")
        await settle(pilot)
        req = rec["engine"].requests[-1]
        assert (req.date_from, req.date_to) == (dt.date(2019, 3, 1), dt.date(2019, 4, 30))
        hits = app.screen.query_one(ResultList).hits
        assert hits and all(dt.date(2019, 3, 1) <= h.date <= dt.date(2019, 4, 30) for h in hits)
        # a bad range is explained and nothing is searched
        count = len(rec["engine"].requests)
        box.value = "2019-13"
        await pilot.press("enter")
        await settle(pilot)
        assert len(rec["engine"].requests) == count
        assert "no such date" in screen_text(app)


async def test_the_date_box_reads_dates_as_a_query_does(make_app, index_dir):
    app, rec = make_app(index_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        box = app.screen.query_one("#date-range")
        for text in ("2019/03", "2019.03.05..2019/04", "2019-03–2019-04"):
            box.focus()
            box.value = text
            await pilot.press("enter")
            await settle(pilot)
            req = rec["engine"].requests[-1]
            assert (req.date_from, req.date_to) == extract_dates(f"date:{text}")[1:]


async def test_sort_and_clear_filters(make_app, index_dir):
    app, rec = make_app(index_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.screen.query_one(ResultList).focus()
        # an empty query lists the newest first: the next order is the oldest first
        await pilot.press("s")
        await settle(pilot)
        assert rec["engine"].requests[-1].sort == "oldest"
        hits = app.screen.query_one(ResultList).hits
        assert [h.date for h in hits] == sorted(h.date for h in hits)
        await focus_facet(pilot, "publication")
        await pilot.press("space")
        await settle(pilot)
        assert rec["engine"].requests[-1].filters
        await pilot.press("x")
        await settle(pilot)
        req = rec["engine"].requests[-1]
        assert not req.filters and req.date_from is None


async def test_results_load_further_pages(make_app, index_dir):
    app, rec = make_app(index_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        results = app.screen.query_one(ResultList)
        assert len(results.hits) == PAGE_SIZE < N_ARTICLES
        results.focus()
        await pilot.press("end")
        await settle(pilot)
        pages = [r.page for r in rec["engine"].requests]
        assert 2 in pages
        assert len(results.hits) == N_ARTICLES
        assert len({h.key for h in results.hits}) == N_ARTICLES
        assert "end of results" in screen_text(app)


async def test_a_word_being_typed_finds_words_starting_so_until_enter(make_app, index_dir):
    app, rec = make_app(index_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await type_query(pilot, "citizensh", keys=True)
        await pilot.pause(0.1)
        await settle(pilot)
        assert rec["engine"].requests[-1].typing
        results = app.screen.query_one(ResultList)
        assert results.total > 0
        assert all("census" in h.title for h in results.hits)
        text = screen_text(app)
        assert "starting with 'citizensh'" in text
        assert "Did you mean" not in text
        # the article's words that start so are the ones marked
        hit = results.hits[0]
        assert any(hit.snippet[s:e].lower() == "citizenship" for s, e in hit.highlights)
        # Enter: the query as typed, which no article has
        await pilot.press("enter")
        await settle(pilot)
        assert not rec["engine"].requests[-1].typing
        assert rec["engine"].requests[-1].query == "citizensh"
        assert app.screen.query_one(ResultList).total == 0


async def test_did_you_mean_shows_while_typing(make_app, index_dir):
    app, _ = make_app(index_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await type_query(pilot, "suporters", keys=True)
        await pilot.pause(0.1)
        suggestion = app.screen.query_one("#suggestion")
        assert suggestion.query_text == "supporters"
        assert suggestion.region.width >= len("Did you mean supporters?")


async def test_did_you_mean_runs_on_enter(make_app, index_dir):
    app, rec = make_app(index_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await type_query(pilot, "suporters")
        suggestion = app.screen.query_one("#suggestion")
        assert suggestion.display and suggestion.query_text
        assert "Did you mean" in screen_text(app)
        # laid out with room for its text, not only marked visible
        await pilot.pause()
        assert suggestion.region.width >= len("Did you mean supporters?")
        suggested = suggestion.query_text
        assert suggested == "supporters"
        suggestion.focus()
        await pilot.press("enter")
        await settle(pilot)
        assert rec["engine"].requests[-1].query == suggested
        assert app.screen.query_one("#query").value == suggested
        assert not suggestion.display


async def test_operators_alone_list_every_article_and_say_so(make_app, index_dir):
    app, _ = make_app(index_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await type_query(pilot, "NOT")
        assert app.screen.query_one(ResultList).total == N_ARTICLES
        text = screen_text(app)
        assert "no words to search for: showing every article" in text
        assert "sorted by newest first" in text


async def test_query_error_and_worker_failure_are_visible(make_app, index_dir):
    app, rec = make_app(index_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        rec["engine"].fail_on["search"] = QueryError("unbalanced quote", 'a "b', 2)
        await type_query(pilot, "x")
        assert "Query error: unbalanced quote (at column 3)" in screen_text(app)
        rec["engine"].fail_on["search"] = RuntimeError("disk on fire")
        await type_query(pilot, "y")
        messages = [n.message for n in app._notifications]
        assert any("disk on fire" in m for m in messages)
        assert app.is_running


async def test_preview_pane_on_wide_terminals(make_app, index_dir):
    app, rec = make_app(index_dir)
    async with app.run_test(size=(130, 40)) as pilot:
        await settle(pilot)
        await type_query(pilot, "census")
        results = app.screen.query_one(ResultList)
        results.focus()
        await pilot.press("down", "up")
        await settle(pilot)
        preview = app.screen.query_one("#preview")
        assert preview.display and preview.region.width > 0
        assert "citizenship question" in screen_text(app)
    app2, _ = make_app(index_dir)
    async with app2.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app2.screen.query_one("#preview").region.width == 0


async def test_help_screen(make_app, index_dir):
    app, _ = make_app(index_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f1")
        await pilot.pause()
        assert type(app.screen).__name__ == "HelpScreen"
        await pilot.press("escape")
        app.screen.query_one(ResultList).focus()
        await pilot.press("question_mark")
        await pilot.pause()
        assert type(app.screen).__name__ == "HelpScreen"
        await pilot.press("escape")
        assert isinstance(app.screen, SearchScreen)


async def test_mouse_clicks_a_facet_value_and_a_bar(make_app, index_dir):
    app, rec = make_app(index_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        panel = app.screen.query_one("#facet-places", FacetPanel)
        value = panel.values[0]
        await pilot.click("#facet-places FacetList", offset=(3, 0))
        await settle(pilot)
        assert rec["engine"].requests[-1].filters["places"].include == {value}
        hist = app.screen.query_one(DateHistogram)
        first, shown, per = hist._window(hist.size.width)
        bucket = hist.buckets[first]
        await pilot.click(DateHistogram, offset=(0, 1))
        await settle(pilot)
        req = rec["engine"].requests[-1]
        assert (req.date_from, req.date_to) == (bucket.start, bucket.end)
        assert req.filters["places"].include == {value}  # the facet filter stays


async def test_an_index_that_cannot_be_opened_is_explained(tmp_path):
    from searchtui.tui.app import create_app

    def opener(path):
        raise PermissionError(13, "Permission denied")

    app = create_app(tmp_path / "idx", state_dir=tmp_path / "state", open_engine=opener)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "Cannot open the index" in screen_text(app)
        assert "Permission denied" in screen_text(app)


async def test_after_opening_the_words_for_spelling_are_read_ahead(make_app, index_dir):
    """A moment after the first results, the app reads the words spelling needs in the
    background, so the first word with no hits does not wait for them."""
    from searchtui import lexicon as lexicon_mod

    app, rec = make_app(index_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        for _ in range(60):  # read ahead about a second after the index opened
            if rec["engine"].warmed:
                break
            await pilot.pause(0.05)
        await app.workers.wait_for_complete()
        assert rec["engine"].warmed
        reader = rec["engine"].engine._data.reader
        with lexicon_mod._lock:
            held = dict(lexicon_mod._cache.get(reader, {}))
        assert {"body", "title"} <= set(held) and len(held["body"]) > 10
        # and what was read lives out of the collector's walks, as the index does
        import gc

        tracked = {id(o) for o in gc.get_objects()}
        groups = [group for group, _codes in held["body"]._buckets.values()]
        assert groups and all(id(group) not in tracked for group in groups)


async def test_reading_ahead_starts_once_the_first_results_are_shown(
    make_app, index_dir, monkeypatch
):
    """The first words typed need what reading ahead reads: it starts as soon as the
    first results are painted, not a fixed while after opening, and only once."""
    from searchtui.tui import app as app_mod

    monkeypatch.setattr(app_mod, "WARM_AFTER", 60.0)
    app, rec = make_app(index_dir)
    started = []
    original = app_mod.SearchtuiApp.warm_engine

    def counted(self, engine):
        started.append(engine)
        return original(self, engine)

    monkeypatch.setattr(app_mod.SearchtuiApp, "warm_engine", counted)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await app.workers.wait_for_complete()
        assert rec["engine"].warmed
        await pilot.press("/", *"tariff")
        await settle(pilot)
        await app.workers.wait_for_complete()
        assert len(started) == 1


def _painted_line(app, y: int) -> str:
    """The text of the cells the screen paints on its line ``y``."""
    strip = app.screen._compositor.render_strips()[y]
    return "".join(segment.text for segment in strip)


async def test_the_suggestion_and_the_index_notice_stay_on_a_narrow_status_line(
    make_app, index_dir
):
    """However long the count and the query's reading, the suggestion and the notice
    about the index are shown whole; the rest is cut short with an ellipsis."""
    app, _ = make_app(index_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await type_query(pilot, "suporters kwyjibo")
        await pilot.pause()
        suggestion = app.screen.query_one("#suggestion")
        assert suggestion.display and suggestion.query_text
        status = app.screen.query_one("#status")
        shown = f"Did you mean {suggestion.query_text}?"
        assert suggestion.region.width >= len(shown)
        assert suggestion.region.right <= status.region.right
        line = _painted_line(app, status.region.y)
        assert shown in line and line.rstrip().endswith("…")
        # the index changed on disk: its notice is at the line's end, whole
        app.index_stale = True
        app.screen._refresh_notice()
        await pilot.pause()
        line = _painted_line(app, status.region.y)
        assert "index changed on disk: Ctrl+R reloads" in line
        assert shown in line

"""Every key of the app does what it says: driven through Pilot over a small real index."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from contextlib import nullcontext

from textual.widgets import Input

from searchtui.models import SearchRequest
from searchtui.tui.editor import editor_argv, line_in_file
from searchtui.tui.history import QueryHistory
from searchtui.tui.screens.reader import EntityList
from searchtui.tui.widgets.facets import FacetList, FacetPanel
from searchtui.tui.widgets.query import QueryInput
from searchtui.tui.widgets.results import ResultList

from .conftest import N_ARTICLES, settle
from .test_reader import open_second_hit


async def test_slash_in_an_empty_query_box_is_not_typed(make_app, index_dir, tmp_path):
    state = tmp_path / "keys-state"
    app, rec = make_app(index_dir, state_dir=state)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        box = app.screen.query_one("#query", QueryInput)
        assert app.focused is box  # the app opens in the query box
        await pilot.press("slash")
        assert box.value == ""
        for key in ("9", "slash", "1", "1"):
            await pilot.press(key)
        await settle(pilot)
        assert box.value == "9/11"  # a slash inside a query stays
        assert rec["engine"].requests[-1].query == "9/11"
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("slash")  # from the results: back to the box, nothing typed
        assert app.focused is box and box.value == "9/11"
    assert json.loads((state / "history.json").read_text()) == ["9/11"]


async def test_history_keeps_only_real_queries(tmp_path):
    (tmp_path / "history.json").write_text(json.dumps(["/", "brexit", "  ", "-", "/climate"]))
    history = QueryHistory.in_dir(tmp_path)
    assert history.entries == ["brexit", "/climate"]
    assert not history.add("/")
    assert not history.add('""')
    assert history.add("9/11")
    assert history.entries == ["brexit", "/climate", "9/11"]


async def test_moving_on_to_the_results_saves_the_query(make_app, index_dir, tmp_path):
    state = tmp_path / "move-state"
    app, _ = make_app(index_dir, state_dir=state)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        for ch in "census":
            await pilot.press(ch)
        await settle(pilot)
        await pilot.press("down")  # not Enter: down to the results
        await settle(pilot)
        assert isinstance(app.focused, ResultList)
        await pilot.press("slash", "ctrl+u")
        for ch in "brexit":
            await pilot.press(ch)
        await settle(pilot)
        await pilot.press("tab")  # Tab from the box goes to the results, too
        await settle(pilot)
        assert isinstance(app.focused, ResultList)
    assert json.loads((state / "history.json").read_text()) == ["census", "brexit"]


async def test_tab_into_the_query_box_keeps_the_query(make_app, index_dir):
    app, rec = make_app(index_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        for ch in "census":
            await pilot.press(ch)
        await settle(pilot)
        await pilot.press("tab")
        await settle(pilot)
        assert app.focused is not app.screen.query_one("#query")
        await pilot.press("shift+tab")
        box = app.screen.query_one("#query", QueryInput)
        assert app.focused is box
        assert box.selected_text == ""
        await pilot.press("s")  # edits the query, does not replace it
        await settle(pilot)
        assert box.value == "censuss"


async def test_the_query_box_says_which_key_gives_help(make_app, index_dir):
    app, _ = make_app(index_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        box = app.screen.query_one("#query", QueryInput)
        assert "F1" in str(box.placeholder) and "?" not in str(box.placeholder)
        await pilot.press("f1")
        await pilot.pause()
        assert type(app.screen).__name__ == "HelpScreen"


def status_text(app) -> str:
    return app.screen.query_one("#status-text").content.plain


def notices(app) -> list[str]:
    return [n.message for n in app._notifications]


async def test_sort_offers_only_the_orders_that_apply(make_app, index_dir):
    app, rec = make_app(index_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        results = app.screen.query_one(ResultList)
        results.focus()
        assert "sorted by newest first" in status_text(app)
        # an empty query: newest and oldest only, each announced as the status line says
        for expected in ("oldest first", "newest first", "oldest first"):
            await pilot.press("s")
            await settle(pilot)
            assert notices(app)[-1] == f"Sorted by {expected}"
            assert f"sorted by {expected}" in status_text(app)
        dates = [h.date for h in results.hits]
        assert dates == sorted(dates)
        # words to rank by: relevance comes back into the cycle
        await pilot.press("slash")
        for ch in "census":
            await pilot.press(ch)
        await settle(pilot)
        results.focus()
        seen = []
        for _ in range(3):
            await pilot.press("s")
            await settle(pilot)
            seen.append(rec["engine"].requests[-1].sort)
            assert notices(app)[-1].lower() in status_text(app)
        assert sorted(seen) == ["newest", "oldest", "relevance"]


async def test_more_like_this_offers_no_sort(make_app, index_dir):
    app, rec = make_app(index_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        results = app.screen.query_one(ResultList)
        results.focus()
        await pilot.press("m")
        await settle(pilot)
        assert "most similar first" in status_text(app)
        before = len(rec["engine"].requests)
        shown = list(notices(app))
        await pilot.press("s")
        await settle(pilot)
        assert len(rec["engine"].requests) == before  # nothing to re-sort
        assert notices(app) == shown  # and no order announced that is not shown
        assert "most similar first" in status_text(app)
        assert app.screen.check_action("cycle_sort", ()) is None  # greyed out in the footer


async def test_the_dates_box_sets_a_range_however_often_it_is_entered(make_app, index_dir):
    app, rec = make_app(index_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        box = app.screen.query_one("#date-range", Input)
        box.focus()
        for ch in "2019-03":
            await pilot.press(ch)
        for _ in range(3):
            await pilot.press("enter")
            await settle(pilot)
            req = rec["engine"].requests[-1]
            assert (req.date_from, req.date_to) == (dt.date(2019, 3, 1), dt.date(2019, 3, 31))
            assert app.screen.date_range == (req.date_from, req.date_to)
        # the box shows the range it read, with the cursor after it: typed again, same range
        assert box.cursor_position == len(box.value)
        await pilot.press("ctrl+u")
        for ch in "2019-03":
            await pilot.press(ch)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.date_range == (dt.date(2019, 3, 1), dt.date(2019, 3, 31))


async def test_the_dates_box_example_comes_from_the_index(make_app, index_dir):
    app, rec = make_app(index_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        box = app.screen.query_one("#date-range", Input)
        example = str(box.placeholder).removeprefix("e.g. ")
        last = max(h.date for h in app.screen.query_one(ResultList).hits)
        assert example.endswith(f"{last:%Y-%m}") or example.endswith(str(last.year))
        box.focus()
        for ch in example:
            await pilot.press(ch)
        await pilot.press("enter")
        await settle(pilot)
        assert rec["engine"].requests[-1].date_to is not None
        assert app.screen.query_one(ResultList).total > 0  # the example finds articles


async def test_more_like_this_says_what_the_list_is(make_app, index_dir, tmp_path):
    app, rec = make_app(index_dir)
    out = tmp_path / "similar.md"
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        for ch in "census":
            await pilot.press(ch)
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        hit = app.screen.query_one(ResultList).current_hit
        await pilot.press("m")
        await settle(pilot)
        assert ("similar_key", hit.key) in rec["engine"].calls
        box = app.screen.query_one("#query", QueryInput)
        assert box.value == ""  # the query is not what this list answers
        assert f"similar to: {hit.title}" in str(box.placeholder)
        assert f"similar to: {hit.title}" in status_text(app)
        chips = [c.spec.label for c in app.screen.query("Chip")]
        assert chips and chips[0].startswith("similar to: ")
        app.action_export()
        await pilot.pause()
        app.screen.query_one("#export-path", Input).value = str(out)
        await pilot.press("enter")
        await settle(pilot)
        assert out.read_text().startswith(f"# Articles similar to: {hit.title}")
        # typing searches again, and the box says what it is for
        await pilot.press("slash", "p")
        await settle(pilot)
        assert not app.screen.similar
        assert "similar" not in str(box.placeholder)


async def test_end_reaches_the_last_hit_and_the_border_shows_where(make_app, index_dir):
    app, rec = make_app(index_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        results = app.screen.query_one(ResultList)
        results.focus()
        await pilot.pause()
        assert results.border_subtitle == f"1 / {N_ARTICLES}"
        await pilot.press("down", "down")
        assert results.border_subtitle == f"3 / {N_ARTICLES}"
        await pilot.press("end")
        await settle(pilot)
        assert len(results.hits) == N_ARTICLES
        assert results.highlighted_hit_index == N_ARTICLES - 1
        assert results.border_subtitle == f"{N_ARTICLES} / {N_ARTICLES}"
        await pilot.press("home")
        assert results.border_subtitle == f"1 / {N_ARTICLES}"


async def test_end_asks_for_bigger_pages_in_order(make_app, index_dir, monkeypatch):
    from searchtui.tui.screens import search

    monkeypatch.setattr(search, "PAGE_SIZE", 3)
    monkeypatch.setattr(search, "END_CHUNK", 12)
    app, rec = make_app(index_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        results = app.screen.query_one(ResultList)
        results.focus()
        await pilot.press("end")
        await settle(pilot)
        pages = [(r.page, r.page_size) for r in rec["engine"].requests[1:]]
        # each page starts where the last ended; they grow, up to END_CHUNK
        starts = [(page - 1) * size for page, size in pages]
        sizes = [size for _, size in pages]
        assert starts == [3, 6, 12, 24, 36] and sizes == [3, 6, 12, 12, 12]
        # (the first page came as the cursor neared the end of the first, before End)
        assert not any(r.snippets for r in rec["engine"].requests[2:])
        everything = rec["engine"].engine.search(SearchRequest(page_size=N_ARTICLES))
        assert [h.key for h in results.hits] == [h.key for h in everything.hits]
        assert results.highlighted_hit_index == N_ARTICLES - 1


async def test_facet_value_filter_keeps_counts_after_an_exclusion(make_app, index_dir):
    app, rec = make_app(index_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        panel = app.screen.query_one("#facet-publication", FacetPanel)
        lst = panel.query_one(FacetList)
        lst.focus()
        lst.highlighted = 0
        await pilot.pause()
        excluded = panel.values[0]
        await pilot.press("e")
        await settle(pilot)
        removes = next(b.count for b in panel.data.buckets if b.value == excluded)
        assert removes > 0
        # another value's filter: counts, and no sign of the excluded value
        other = next(v for v in panel.values if v and v != excluded)
        lst.focus()
        await pilot.press("f", *other.split()[-1].lower()[:4])
        await settle(pilot)
        prompts = [lst.get_option_at_index(i).prompt.plain for i in range(lst.option_count)]
        assert other in panel.values and excluded not in panel.values
        assert all(p.rstrip()[-1].isdigit() and not p.rstrip().endswith(" 0") for p in prompts)
        assert lst.highlighted in (None, 0)  # new values: the cursor is back at the top
        # the excluded value, filtered for: shown with the hits it removes
        box = panel.query_one(".facet-filter", Input)
        box.value = excluded.split()[0]
        await settle(pilot)
        bucket = next(b for b in panel.data.buckets if b.value == excluded)
        assert bucket.excluded and bucket.count == removes
        # another facet, filtered: its counts stay
        authors = app.screen.query_one("#facet-authors", FacetPanel)
        authors.query_one(FacetList).focus()
        await pilot.press("f", "a")
        await settle(pilot)
        assert authors.data is not None and all(b.count > 0 for b in authors.data.buckets)


# ---------------------------------------------------------------- the reader


def test_editor_argv_puts_the_line_where_the_program_takes_it():
    assert editor_argv("vim", "/a b.txt", 12) == ["vim", "+12", "/a b.txt"]
    assert editor_argv("/usr/bin/nvim -p", "x", 3) == ["/usr/bin/nvim", "-p", "+3", "x"]
    assert editor_argv("code --wait", "x", 3) == ["code", "--wait", "x"]
    assert editor_argv("nano", "x", None) == ["nano", "x"]


def test_line_in_file_finds_the_match_under_a_heading(tmp_path):
    body = "First paragraph of the story.\n\nA second one, where the census comes up."
    path = tmp_path / "a.txt"
    path.write_text(f"Title\n\nBy Someone\n\n\n{body}\n")
    start = body.index("census")
    assert line_in_file(str(path), body, start) == 8
    assert line_in_file(str(path), body, 0) == 6
    assert line_in_file(str(tmp_path / "gone.txt"), body, start) is None


async def test_o_opens_the_editor_at_the_current_match(make_app, index_dir, monkeypatch):
    app, rec = make_app(index_dir)
    calls = []
    monkeypatch.setenv("EDITOR", "vim")
    monkeypatch.setattr(subprocess, "call", lambda argv: calls.append(argv) or 0)
    async with app.run_test(size=(120, 40)) as pilot:
        monkeypatch.setattr(app, "suspend", nullcontext)
        await settle(pilot)
        reader = await open_second_hit(pilot, "census")
        await pilot.press("n", "n")
        await pilot.press("o")
        await pilot.pause()
        path = reader.article.path
        start = reader.spans[reader.current][0]
        lines = open(path, encoding="utf-8").read().split("\n")
        line = int(calls[-1][1].removeprefix("+"))
        assert calls[-1] == ["vim", f"+{line}", path]
        word = reader.article.body[start : reader.spans[reader.current][1]]
        assert word.lower() in lines[line - 1].lower()


async def test_the_reader_footer_leads_to_people_and_places(make_app, index_dir):
    app, rec = make_app(index_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        reader = await open_second_hit(pilot, "census")
        shown = reader.active_bindings.values()
        keys = {b.binding.key: b.binding.description for b in shown if b.binding.show}
        assert keys.get("p") == "People & places"
        await pilot.press("p")
        entities = reader.query_one(EntityList)
        assert app.focused is entities and entities.highlighted is not None
        await pilot.press("p")
        assert app.focused is not entities


async def test_entity_names_wrap_under_themselves(make_app, index_dir):
    app, rec = make_app(index_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        reader = await open_second_hit(pilot, "census")
        entities = reader.query_one(EntityList)
        long = "International Organisation of Very Long Names Indeed"
        reader.article.entities["organisations"] = [long]
        reader.refresh_entities()
        await pilot.pause()
        index = reader.entity_values.index(("organisations", long))
        lines = entities.get_option_at_index(index).prompt.plain.split("\n")
        assert len(lines) > 1
        assert all(line.startswith("  ") and not line.startswith("   ") for line in lines)
        assert " ".join(line.strip() for line in lines) == long
        assert max(len(line) for line in lines) <= entities.scrollable_content_region.width

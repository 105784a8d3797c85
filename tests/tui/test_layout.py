"""A layout that uses the terminal: the columns grow with it, Tab follows the screen."""

from __future__ import annotations

import pytest

from searchtui.tui.widgets.histogram import DateHistogram
from searchtui.tui.widgets.results import ResultList

from .conftest import settle


async def test_tab_goes_from_the_query_to_the_results(make_app, index_dir):
    app, _ = make_app(index_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        visited = []
        for _ in range(5):
            await pilot.press("tab")
            await pilot.pause()
            widget = app.focused
            visited.append(next(n.id for n in widget.ancestors_with_self if n.id))
        assert visited[:3] == ["results", "date-range", "histogram"]
        assert visited[3:] == ["facet-publication", "facet-authors"]
        await pilot.press("shift+tab", "shift+tab", "shift+tab", "shift+tab")
        assert isinstance(app.focused, ResultList)


@pytest.mark.parametrize(
    ("size", "low", "high"), [((80, 24), 26, 26), ((120, 40), 28, 32), ((200, 50), 40, 44)]
)
async def test_the_facet_column_grows_with_the_terminal(make_app, index_dir, size, low, high):
    app, _ = make_app(index_dir)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        left = app.screen.query_one("#left")
        assert low <= left.region.width <= high
        results = app.screen.query_one(ResultList)
        # the results take what the other columns leave
        assert results.region.width >= size[0] - left.region.width - size[0] * 0.45


async def test_the_dates_label_stays_beside_its_bars(make_app, index_dir):
    app, _ = make_app(index_dir)
    async with app.run_test(size=(120, 24)) as pilot:
        await settle(pilot)
        sidebar = app.screen.query_one("#sidebar")
        label = app.screen.query_one("#dates .facet-title")
        bars = app.screen.query_one(DateHistogram)
        before = label.region.y
        assert sidebar.max_scroll_y > 0
        sidebar.scroll_end(animate=False)
        await pilot.pause()
        assert sidebar.scroll_y > 0
        assert label.region.y == before == bars.region.y


async def test_the_date_bars_have_an_axis(make_app, index_dir):
    app, _ = make_app(index_dir)
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot)
        bars = app.screen.query_one(DateHistogram)
        lines = bars.render().plain.split("\n")
        assert len(lines) == bars.size.height
        axis = lines[-2]
        buckets = bars.buckets
        first, shown, per = bars._window(bars.size.width)
        assert axis.startswith(buckets[first].label)
        assert axis.rstrip().endswith(buckets[first + shown - 1].label)
        # the bars grow with the room they have, not a fixed few columns
        assert shown * per > bars.size.width * 0.6 or per == 12

"""The app shows hostile articles without letting their escape sequences reach the terminal."""

from __future__ import annotations

from pathlib import Path

import pytest

from searchtui.config import Config
from searchtui.indexer import build_index
from searchtui.tui.screens.reader import ReaderScreen
from searchtui.tui.widgets.facets import FacetPanel

from .conftest import screen_text, settle, wait_until
from .test_search_screen import type_query

SEQUENCES = {
    "csi": "\x1b[2J",
    "osc52": "\x1b]52;c;cm0gLXJmIH4=\x07",
    "osc0": "\x1b]0;pwned\x1b\\",
    "osc8": "\x1b]8;;http://evil.example/\x1b\\click here\x1b]8;;\x1b\\",
    "c1": "\x9b31m\x9d0;title\x9c",
}
FORBIDDEN = ("\x1b", "\x9b", "\x9c", "\x9d", "\x07", "\x7f")
PROSE = (
    "Officials said the roads would reopen next week, while the harbour stayed closed. "
    "Residents described the wind as the strongest in a decade. "
) * 4


@pytest.fixture(scope="module")
def hostile_index(tmp_path_factory) -> Path:
    corpus = tmp_path_factory.mktemp("hostile-app") / "corpus"
    corpus.mkdir()
    s = SEQUENCES
    title = f"Storm{s['csi']} warning{s['osc0']} for{s['osc52']} Paris{s['c1']}"
    line = f"Anna{s['csi']} Moore — Daily{s['c1']} Express Jan 07, 2019"
    body = (
        f"The storm{s['csi']} reached Paris.\x07 Read more: {s['osc8']}.\n\n"
        f"Angela Merkel{s['c1']} spoke{s['osc0']} in Berlin{s['osc52']} about the storm.\x7f\n\n"
        + PROSE
    )
    (corpus / f"storm{s['osc0']}.txt").write_text(f"{title}\n\n{line}\n\n{body}\n")
    root = tmp_path_factory.mktemp("hostile-app-index") / "index"
    build_index([str(corpus)], root, config=Config(workers=1))
    return root


def rendered(app) -> str:
    """The text of every cell the screen would paint."""
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(segment.text for segment in strip) for strip in strips)


def assert_clean(app) -> None:
    painted = rendered(app)
    assert not [ch for ch in FORBIDDEN if ch in painted], repr(painted)
    text = screen_text(app)
    assert not [ch for ch in FORBIDDEN if ch in text], repr(text)


async def test_hostile_article_is_shown_without_its_sequences(make_app, hostile_index):
    app, _ = make_app(hostile_index)
    async with app.run_test(size=(140, 45)) as pilot:
        await settle(pilot)
        await type_query(pilot, "storm")
        await settle(pilot)
        text = screen_text(app)
        assert "Storm warning for Paris" in text
        assert "Anna Moore" in text
        assert "pwned" not in text
        panels = {panel.facet: panel for panel in app.screen.query(FacetPanel)}
        # shown cleaned, kept as indexed: a chosen value filters on what the index holds
        assert panels["publication"].values == [f"Daily{SEQUENCES['c1']} Express"]
        assert_clean(app)

        await pilot.press("enter")  # to the results
        await settle(pilot)
        await pilot.press("enter")  # the first hit, read in full
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ReaderScreen)
        await wait_until(pilot, lambda: screen.article is not None and screen.query("#para-0"))
        text = screen_text(app)
        assert "The storm reached Paris. Read more: click here." in text
        assert "spoke in Berlin about the storm." in text
        # the matches still fall on the word
        assert all(screen.article.body[s:e].lower() == "storm" for s, e in screen.spans)
        assert_clean(app)
        app.notify(f"Copied /corpus/storm{SEQUENCES['osc0']}.txt [b]not markup[/b]")
        await pilot.pause()
        assert_clean(app)

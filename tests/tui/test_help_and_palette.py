"""Help fits a screen or two; the palette has one theme command."""

from __future__ import annotations

from searchtui.tui.commands import COMMANDS
from searchtui.tui.screens.help import SECTIONS

from .conftest import settle


async def test_help_fits_a_screen_or_two(make_app, index_dir):
    app, _ = make_app(index_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f1")
        await pilot.pause()
        await pilot.pause()
        box = app.screen.query_one("#help-box")
        assert box.virtual_size.height <= 2 * 40
        rows = sum(len(rows) for _, rows in SECTIONS)
        # hardly a row wraps: a key's text sits on one line beside what it does
        assert box.virtual_size.height <= rows + 3 * len(SECTIONS) + 4
        for key in app.screen.query(".help-key"):
            assert key.region.height == 1


async def test_the_palette_has_one_theme_command(make_app, index_dir):
    app, _ = make_app(index_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        names = [name for name, _, _ in COMMANDS]
        system = [c.title for c in app.get_system_commands(app.screen)]
        assert [n for n in names + system if "theme" in n.lower()] == ["Theme"]

"""Whole-screen snapshots of the search screen, the reader and the help screen.

Textual is pinned (pyproject) so the SVGs stay stable; update them with
``pytest tests/tui/test_snapshots.py --snapshot-update`` after a deliberate change.
"""

from __future__ import annotations

import pytest

from .conftest import settle

SIZES = [pytest.param((120, 40), id="120x40"), pytest.param((80, 24), id="80x24")]


async def _search(pilot) -> None:
    await settle(pilot)
    await pilot.click("#query")
    for ch in "impeachment":
        await pilot.press(ch)
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)


async def _reader(pilot) -> None:
    await _search(pilot)
    await pilot.press("down", "enter")
    await settle(pilot)
    await pilot.press("n", "n")
    await settle(pilot)


async def _help(pilot) -> None:
    await settle(pilot)
    await pilot.press("f1")
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES)
def test_search_screen(snap_compare, make_app, index_dir, size):
    app, _ = make_app(index_dir, stable=True)
    assert snap_compare(app, terminal_size=size, run_before=_search)


@pytest.mark.parametrize("size", SIZES)
def test_reader_screen(snap_compare, make_app, index_dir, size):
    app, _ = make_app(index_dir, stable=True)
    assert snap_compare(app, terminal_size=size, run_before=_reader)


@pytest.mark.parametrize("size", SIZES)
def test_help_screen(snap_compare, make_app, index_dir, size):
    app, _ = make_app(index_dir, stable=True)
    assert snap_compare(app, terminal_size=size, run_before=_help)

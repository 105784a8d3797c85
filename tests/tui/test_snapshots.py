"""Whole-screen snapshots: the search screen, the reader, help, no index yet, the export dialog.

Textual is pinned (pyproject) so the SVGs stay stable; update them with
``pytest tests/tui/test_snapshots.py --snapshot-update`` after a deliberate change.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input

from .conftest import settle

SIZES = [
    pytest.param((200, 50), id="200x50"),
    pytest.param((120, 40), id="120x40"),
    pytest.param((80, 24), id="80x24"),
]


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


async def _steady_cursor(pilot) -> None:
    """A focused text box blinks its cursor: hold it on, or the picture depends on timing."""
    for box in pilot.app.screen.query(Input):
        box.cursor_blink = False
    await pilot.pause()


async def _no_index(pilot) -> None:
    await settle(pilot)
    await _steady_cursor(pilot)


async def _export(pilot) -> None:
    await _search(pilot)
    pilot.app.action_export()
    await settle(pilot)
    await _steady_cursor(pilot)


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


@pytest.mark.parametrize("size", SIZES)
def test_no_index_screen(snap_compare, make_app, tmp_path, monkeypatch, size):
    # relative paths, so that the screen shows the same text wherever the test runs
    monkeypatch.chdir(tmp_path)
    Path("articles").mkdir()
    app, _ = make_app(Path("index"), corpus_paths=["articles"])
    assert snap_compare(app, terminal_size=size, run_before=_no_index)


@pytest.mark.parametrize("size", SIZES)
def test_export_dialog(snap_compare, make_app, index_dir, monkeypatch, size):
    monkeypatch.chdir("/")  # the dialog offers a file in the working folder: one that never moves
    app, _ = make_app(index_dir, stable=True)
    assert snap_compare(app, terminal_size=size, run_before=_export)

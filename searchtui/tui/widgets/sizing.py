"""Widgets whose size is settled by the screen's layout alone.

Textual stores each widget's scrollable size after a layout through a
reactive that asks for another layout of the whole screen whenever the value
changed. For these widgets that second pass never moves anything: their
content changes ask for a layout themselves when needed, and scroll containers
update their scrollbars from the new size in the same step. Without it, every
search result that changes a panel's height costs two layouts and two frames.
"""

from __future__ import annotations

from textual.containers import Vertical, VerticalScroll
from textual.geometry import Size
from textual.reactive import Reactive
from textual.widgets import Static


class StaticText(Static):
    virtual_size = Reactive(Size(0, 0), layout=False, repaint=False)


class SizedVertical(Vertical):
    virtual_size = Reactive(Size(0, 0), layout=False, repaint=False)


class SizedVerticalScroll(VerticalScroll):
    virtual_size = Reactive(Size(0, 0), layout=False, repaint=False)

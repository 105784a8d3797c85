"""The result list: one option per hit, growing into further pages as it scrolls."""

from __future__ import annotations

from typing import Any

from textual import events, on
from textual.binding import Binding
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option, OptionDoesNotExist

from searchtui.models import Hit, SearchResult

from .render import hit_prompt

MORE_MARGIN = 5  # ask for the next page this many hits before the end


class ResultList(OptionList):
    """Hits of the current search. Enter opens one; nearing the end asks for more;
    End goes to the last hit, asking for as many as it takes. The border shows
    where the cursor is ("37 / 4,000")."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("m", "similar", "More like this", show=True),
    ]

    class Opened(Message):
        def __init__(self, hit: Hit, index: int) -> None:
            super().__init__()
            self.hit = hit
            self.index = index

    class Moved(Message):
        """The highlighted hit changed."""

        def __init__(self, hit: Hit | None, index: int | None) -> None:
            super().__init__()
            self.hit = hit
            self.index = index

    class SimilarWanted(Message):
        """Show articles like this hit."""

        def __init__(self, hit: Hit) -> None:
            super().__init__()
            self.hit = hit

    class NeedMore(Message):
        """The user reached the end of what is loaded and more hits exist."""

        def __init__(self, to_end: bool = False) -> None:
            super().__init__()
            self.to_end = to_end  # on the way to the last hit: bigger pages help

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.hits: list[Hit] = []
        self.total = 0
        self.loading_more = False
        self.to_end = False  # End was pressed: load until the last hit, then go there
        # hits loaded on the way to the end, added in one go: each addition to an
        # OptionList draws every option again
        self._bound: list[Hit] = []
        self._empty_text = "Type to search."

    @property
    def has_more(self) -> bool:
        return len(self.hits) < self.total

    @property
    def current_hit(self) -> Hit | None:
        index = self.highlighted_hit_index
        return self.hits[index] if index is not None else None

    @property
    def highlighted_hit_index(self) -> int | None:
        if self.highlighted is None or not self.hits:
            return None
        option = self.get_option_at_index(self.highlighted)
        if option.id and option.id.startswith("hit-"):
            return int(option.id[4:])
        return None

    def show_message(self, text: str) -> None:
        self.hits = []
        self.total = 0
        self.loading_more = False
        self.to_end = False
        self._bound = []
        self.border_subtitle = ""
        self._empty_text = text
        self.set_options([Option(Content.styled(text, "$text-muted"), disabled=True)])

    def show_result(self, result: SearchResult) -> None:
        """Replace the list with the first page of a result."""
        self.hits = []
        self.total = result.total
        self.loading_more = False
        self.to_end = False
        self._bound = []
        if not result.hits:
            self.show_message("No matching articles." if result.total == 0 else "")
            self.total = result.total
            return
        # one set_options, not clear then add: the list never passes through
        # empty, so its scrollbar does not flicker off and on (two layouts)
        self.set_options(self._hit_options(result.hits))
        self.highlighted = 0
        self.scroll_home(animate=False)
        self._show_position()

    def append_result(self, result: SearchResult) -> None:
        """Add a further page."""
        self.loading_more = False
        self.total = result.total
        known = {h.key for h in self.hits} | {h.key for h in self._bound}
        new = [h for h in result.hits if h.key not in known]
        if not self.to_end:
            self._add_hits(new)
        elif result.hits and len(self.hits) + len(self._bound) + len(new) < self.total:
            self._bound.extend(new)
            self._maybe_more()
        else:
            self._stop_at_end(new)
        self._show_position()

    def _stop_at_end(self, new: list[Hit]) -> None:
        self.to_end = False
        self._add_hits(self._bound + new)
        self._bound = []
        self.select_hit(len(self.hits) - 1)

    def _show_position(self) -> None:
        if self.to_end:
            loaded = len(self.hits) + len(self._bound)
            text = f"to the end: {loaded:,} / {self.total:,} loaded…"
        else:
            index = self.highlighted_hit_index
            text = f"{index + 1:,} / {self.total:,}" if index is not None and self.total else ""
        if self.border_subtitle != text:
            self.border_subtitle = text

    def action_last(self) -> None:
        if self.has_more and self.hits:
            self.to_end = True
            self._maybe_more()
            self._show_position()
        else:
            super().action_last()

    def on_key(self, event: events.Key) -> None:
        if self.to_end and event.key != "end":
            self._stop_at_end([])  # the user moved on: stop at what is loaded
            self._show_position()

    def select_hit(self, index: int) -> None:
        if 0 <= index < len(self.hits):
            self.highlighted = self.get_option_index(f"hit-{index}")

    def _add_hits(self, hits: list[Hit]) -> None:
        for opt_id in ("more", "end"):
            try:
                self.remove_option(opt_id)
            except OptionDoesNotExist:
                pass
        self.add_options(self._hit_options(hits))

    def _hit_options(self, hits: list[Hit]) -> list[Option | None]:
        """Options for further hits (appended to ``self.hits``), and the closing line."""
        width = max(20, self.scrollable_content_region.width or self.size.width or 60)
        options: list[Option | None] = []
        for hit in hits:
            if self.hits:
                options.append(None)
            options.append(Option(hit_prompt(hit, width), id=f"hit-{len(self.hits)}"))
            self.hits.append(hit)
        if self.has_more:
            more = Content.styled("  … more below", "$text-muted")
            options.append(Option(more, id="more", disabled=True))
        elif self.hits:
            end = Content.styled(f"  — end of results ({len(self.hits):,}) —", "$text-muted")
            options.append(Option(end, id="end", disabled=True))
        return options

    def action_similar(self) -> None:
        hit = self.current_hit
        if hit is not None:
            self.post_message(self.SimilarWanted(hit))

    def on_focus(self) -> None:
        if self.highlighted is None and self.hits:
            self.select_hit(0)

    def on_resize(self, event: events.Resize) -> None:
        width = event.size.width
        if width == getattr(self, "_built_width", None):
            # only the height changed (chips shown or hidden): the rendered
            # lines still fit, so skip OptionList's handler, which drops them
            event.prevent_default()
            return
        if self.hits and width != getattr(self, "_built_width", width):
            # snippets are cut to fit the width: lay the list out again
            index = self.highlighted_hit_index
            hits = self.hits
            self.hits = []
            self.set_options(self._hit_options(hits))
            if index is not None:
                self.select_hit(index)
        self._built_width = width

    def _maybe_more(self) -> None:
        if self.has_more and not self.loading_more and self.hits:
            self.loading_more = True
            self.post_message(self.NeedMore(self.to_end))

    @on(OptionList.OptionHighlighted)
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        index = self.highlighted_hit_index
        self.post_message(self.Moved(self.current_hit, index))
        self._show_position()
        if index is not None and index >= len(self.hits) - MORE_MARGIN:
            self._maybe_more()

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        index = self.highlighted_hit_index
        if index is not None:
            self.post_message(self.Opened(self.hits[index], index))

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if self.max_scroll_y and new_value >= self.max_scroll_y - 4:
            self._maybe_more()

"""Facet panels: the values of one facet with their counts, to include or exclude."""

from __future__ import annotations

from typing import Any

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.events import Resize
from textual.message import Message
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from searchtui.models import FACET_LABELS, Facet, FacetBucket, FacetFilter
from searchtui.text import printable

from .sizing import SizedVertical

LIST_MAX_HEIGHT = 10  # lines; max-height of .facet-list in the stylesheet


class FacetList(OptionList):
    BINDINGS = [
        Binding("space", "include", "Include", show=True),
        Binding("e,minus", "exclude", "Exclude", show=True),
        Binding("f", "filter", "Filter values", show=True),
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
    ]

    def action_include(self) -> None:
        self.parent_panel.toggle_highlighted(exclude=False)

    def action_exclude(self) -> None:
        self.parent_panel.toggle_highlighted(exclude=True)

    def action_filter(self) -> None:
        self.parent_panel.open_filter()

    def on_focus(self) -> None:
        if self.highlighted is None and self.option_count:
            self.highlighted = 0

    def on_resize(self, event: Resize) -> None:
        if event.size.width != getattr(self, "_last_width", None):
            self._last_width = event.size.width
            self.parent_panel.rerender()
        else:
            # only the height changed: the rendered lines still fit, so skip
            # OptionList's handler, which throws them all away
            event.prevent_default()

    @property
    def parent_panel(self) -> FacetPanel:
        return self.query_ancestor(FacetPanel)


class FacetPanel(SizedVertical):
    """One facet. Posts ``Toggled`` when a value is included or excluded, and
    ``FilterChanged`` when the user narrows the list of values."""

    class Toggled(Message):
        def __init__(self, facet: str, value: str, exclude: bool) -> None:
            super().__init__()
            self.facet = facet
            self.value = value
            self.exclude = exclude

    class FilterChanged(Message):
        def __init__(self, facet: str, text: str) -> None:
            super().__init__()
            self.facet = facet
            self.text = text

    def __init__(self, facet: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.facet = facet
        self.data: Facet | None = None
        self.filter_state = FacetFilter()
        self.values: list[str] = []  # option index -> value ("" for a note)
        self._listed_text = ""  # the filter text of the values listed

    def compose(self) -> ComposeResult:
        yield Label(FACET_LABELS.get(self.facet, self.facet.title()), classes="facet-title")
        yield Input(placeholder="filter values…", classes="facet-filter", compact=True)
        yield FacetList(classes="facet-list")

    @property
    def filter_text(self) -> str:
        return self.query_one(".facet-filter", Input).value.strip()

    def open_filter(self) -> None:
        box = self.query_one(".facet-filter", Input)
        box.display = True
        box.focus()

    def update_facet(self, facet: Facet | None, filt: FacetFilter | None) -> None:
        filt = filt or FacetFilter()
        if facet == self.data and filt == self.filter_state and self.values:
            return  # nothing to show that is not on screen already
        self.data = facet
        self.filter_state = FacetFilter(set(filt.include), set(filt.exclude))
        self._render_options()

    def _render_options(self) -> None:
        facet = self.data
        filt = self.filter_state
        title = FACET_LABELS.get(self.facet, self.facet.title())
        label = self.query_one(".facet-title", Label)
        if facet is not None and facet.distinct:
            text = Content.assemble(title, (f"  {facet.distinct:,}", "$text-muted"))
        else:
            text = Content(title)
        if not isinstance(label.content, Content) or label.content.plain != text.plain:
            label.update(text, layout=False)  # one line of a fixed width, whatever it says
        lst = self.query_one(FacetList)
        at = lst.highlighted
        keep = self.values[at] if at is not None and at < len(self.values) else None
        if self.filter_text != self._listed_text:
            keep = None  # other values: the cursor starts at the top
            self._listed_text = self.filter_text
        buckets: list[FacetBucket] = list(facet.buckets) if facet else []
        shown = {b.value for b in buckets}
        # chosen values stay visible even when they no longer count anything (a
        # filtered list has those that match the filter already)
        for value in sorted(filt.include | filt.exclude):
            if value not in shown and not self.filter_text:
                bucket = FacetBucket(value, 0, value in filt.include, value in filt.exclude)
                buckets.insert(0, bucket)
        width = max(12, (lst.scrollable_content_region.width or lst.size.width or 26))
        options = []
        self.values = []
        for bucket in buckets:
            options.append(Option(self._prompt(bucket, filt, width)))
            self.values.append(bucket.value)
        if not buckets:
            options.append(Option(Content.styled("none", "$text-muted"), disabled=True))
            self.values.append("")
        elif facet is not None and facet.truncated:
            more = max(0, facet.distinct - len(facet.buckets))
            note = f"+{more:,} more, f filters" if more else "more…, f filters"
            options.append(Option(Content.styled(note, "$text-muted italic"), disabled=True))
            self.values.append("")
        shape = [option.disabled for option in options]
        if shape == [option.disabled for option in lst.options]:
            # as many lines as before: new prompts repaint the list, no layout
            for index, option in enumerate(options):
                lst.replace_option_prompt_at_index(index, option.prompt)
            if lst.scroll_y:
                lst.scroll_y = 0
            lst.highlighted = self.values.index(keep) if keep in self.values else None
            if keep is None and lst.has_focus and self.values and self.values[0]:
                lst.highlighted = 0
        else:
            # no scrollbar unless the list is longer than it may grow: otherwise
            # the old, shorter height would show one until the next layout
            lst.styles.overflow_y = "auto" if len(options) > LIST_MAX_HEIGHT else "hidden"
            lst.set_options(options)
            if keep in self.values:
                lst.highlighted = self.values.index(keep)
            elif lst.has_focus and self.values and self.values[0]:
                lst.highlighted = 0
        self.set_class(bool(filt), "-active")

    def _prompt(self, bucket: FacetBucket, filt: FacetFilter, width: int) -> Content:
        included = bucket.value in filt.include or bucket.selected
        excluded = bucket.value in filt.exclude or bucket.excluded
        mark = "✓ " if included else ("✗ " if excluded else "  ")
        count = f"{bucket.count:,}"
        room = max(4, width - len(mark) - len(count) - 1)
        value = printable(bucket.value)
        value = value if len(value) <= room else value[: room - 1] + "…"
        pad = " " * max(1, width - len(mark) - len(value) - len(count))
        style = "bold $text-success" if included else ("strike $text-error" if excluded else "")
        return Content.assemble(
            (mark, style), (value, style), pad, (count, "$text-muted")
        )

    def toggle_highlighted(self, exclude: bool) -> None:
        lst = self.query_one(FacetList)
        if lst.highlighted is None or lst.highlighted >= len(self.values):
            return
        value = self.values[lst.highlighted]
        if value:
            self.post_message(self.Toggled(self.facet, value, exclude))

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.toggle_highlighted(exclude=False)

    @on(OptionList.OptionHighlighted)
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()

    @on(Input.Changed, ".facet-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.post_message(self.FilterChanged(self.facet, event.value.strip()))

    def focus_list(self) -> None:
        lst = self.query_one(FacetList)
        if lst.highlighted is None and lst.option_count:
            lst.highlighted = 0
        lst.focus()

    @on(Input.Submitted, ".facet-filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.focus_list()

    def on_key(self, event: events.Key) -> None:
        box = self.query_one(".facet-filter", Input)
        if event.key == "escape" and box.has_focus:
            event.stop()
            if box.value:
                box.value = ""
            box.display = False
            self.focus_list()
        elif event.key == "down" and box.has_focus:
            event.stop()
            self.focus_list()

    def rerender(self) -> None:
        if self.data is not None or self.filter_state:
            self.call_after_refresh(self._render_options)

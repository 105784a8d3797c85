"""Every key and the query syntax, with examples: two narrow columns, a screen or two."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

#: (heading, [(key or query, what it does)])
SECTIONS: list[tuple[str, list[tuple[str, str]]]] = [
    (
        "Anywhere",
        [
            ("F1  ?", "this help (? outside a text box); Escape closes it"),
            ("Ctrl+P", "commands: export, rebuild or update the index, reload, theme, copy path"),
            ("Tab  Shift+Tab", "next / previous part: query, results, dates, bars, facets"),
            ("q", "quit (outside a text box)"),
            ("Ctrl+R", "reload the index after another process updated it"),
        ],
    ),
    (
        "Searching",
        [
            ("/  Escape", "back to the query box"),
            ("typing", "searches as you type; Enter, ↓ or Tab go to the results"),
            ("↑ ↓ in the query box", "earlier / later queries (kept across runs)"),
            ("↑ ↓ j k PgUp PgDn", "move in a list; the results load further pages as you go"),
            ("Home  End", "first / last hit (End loads every page up to it)"),
            ("Enter on a hit", "read the article"),
            ("m on a hit", "more like this article"),
            ("s", "sort: relevance, newest, oldest (those that apply)"),
            ("Space  Enter", "on a facet value: include it (again: remove)"),
            ("e  -", "on a facet value: exclude it (shown struck through)"),
            ("f", "in a facet: filter its values by typing; Escape closes the filter"),
            ("← → Enter", "in the date bars: pick a year, month or day; again to clear"),
            ("dates box", "2019, 2019-05, 2019-01..2019-06 or 2019-05-01 to 2019-05-31, Enter"),
            ("Enter  x", "on a filter chip: remove that filter"),
            ("x", "clear every filter"),
            ("c", "copies: one hit per story (\"+3 copies: …\"), or every copy a hit"),
            ("Ctrl+S  Ctrl+O", "save this search / the saved ones, with their new hits"),
        ],
    ),
    (
        "Reading",
        [
            ("n  N", "next / previous match (\"match 3 of 12\")"),
            ("m", "more like this article"),
            ("o", "open the file in $EDITOR (or $PAGER), at the match's line"),
            ("p", "to the people, organisations and places; Enter filters by one"),
            ("c", "the story's copies, and what each changed (words added, removed)"),
            ("Escape", "back to the results, selection kept"),
        ],
    ),
    (
        "Query syntax",
        [
            ("climate policy", "both words, in any form (policies too)"),
            ('"supreme court"', 'the exact phrase; "border wall"~3: up to 3 words apart'),
            ("trump OR biden", "either word"),
            ("brexit -boris", "the first without the second (also: brexit NOT boris)"),
            ("(iran OR iraq) sanctions", "grouping"),
            ("immigra*", "words starting with immigra"),
            ("title:election", "a word in the title only"),
            ("author:dinan", "by an author"),
            ('publication:"the hill"', "in one outlet"),
            ('person:"nancy pelosi"', "naming a person; also org:congress, place:syria"),
            ("entity:pelosi", "naming any entity with that word"),
            ("date:2019-05", "published that month (or date:2019, date:2019-05-21)"),
            ("after:2019-05 before:2019-07", "published in a range"),
            ("(empty)", "every article, newest first"),
        ],
    ),
]


class HelpScreen(ModalScreen):
    BINDINGS = [
        Binding("escape,q,question_mark,f1", "close", "Close"),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            title = Content.styled("searchtui: keys and query syntax", "bold")
            yield Static(title, id="help-title")
            for heading, rows in SECTIONS:
                yield Static(Content.styled(heading, "bold $text-accent"), classes="help-heading")
                with Grid(classes="help-table"):
                    for key, does in rows:
                        yield Static(Content.styled(key, "bold"), classes="help-key")
                        yield Static(does, classes="help-does")

    def on_mount(self) -> None:
        self.query_one("#help-box").focus()

    def action_close(self) -> None:
        self.dismiss(None)

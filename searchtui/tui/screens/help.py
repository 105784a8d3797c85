"""Every key and the query syntax, with examples."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

HELP = """\
# searchtui: keys and query syntax

## Anywhere

| Key | Does |
|---|---|
| `?` or `F1` | this help (Escape closes it) |
| `Ctrl+P` | commands: export results, rebuild or update the index, reload, toggle theme, copy path |
| `Tab` / `Shift+Tab` | next / previous panel |
| `q` | quit (outside a text box) |
| `Ctrl+R` | reload the index after another process updated it |

## Searching

| Key | Does |
|---|---|
| `/` | go to the query box |
| typing | search as you type; `Enter` searches at once and goes to the results |
| `Up` / `Down` in the query box | earlier / later queries (kept across runs); `Down` goes to the results |
| `↑` `↓` `j` `k` `Home` `End` `PgUp` `PgDn` | move in a list; the results load further pages as you go |
| `Enter` on a hit | read the article |
| `m` on a hit | more like this article |
| `Space` or `Enter` on a facet value | include it (again: remove) |
| `e` or `-` on a facet value | exclude it (shown struck through) |
| `f` in a facet | filter its values by typing; `Escape` closes the filter |
| `←` `→` `Enter` in the date bars | pick a day, month or year; again to clear |
| dates box | type `2019`, `2019-05`, `2019-01..2019-06` or `2019-05-01 to 2019-05-31`, then `Enter` |
| `Enter` or `x` on a filter chip | remove that filter |
| `s` | sort: relevance, newest, oldest |
| `x` | clear every filter |
| `Escape` | back to the query box |

## Reading

| Key | Does |
|---|---|
| `n` / `N` | next / previous match ("match 3 of 12") |
| `m` | more like this article |
| `o` | open the file in `$EDITOR` (or `$PAGER`) |
| `Enter` on a person, organisation or place | filter the results by it |
| `Escape` | back to the results, selection kept |

## Query syntax

| Query | Finds |
|---|---|
| `climate policy` | articles with both words (any form: *policies* too) |
| `"supreme court"` | the exact phrase; `"border wall"~3` lets the words be 3 apart |
| `trump OR biden` | either word |
| `brexit -boris` or `brexit NOT boris` | the first without the second |
| `(iran OR iraq) sanctions` | grouping |
| `immigra*` | words starting with *immigra* |
| `title:election` | a word in the title only |
| `author:dinan` | by an author |
| `publication:"washington times"` | in one outlet |
| `person:"nancy pelosi"` `org:congress` `place:syria` | naming a person, organisation or place |
| `entity:pelosi` | naming any entity with that word |
| `date:2019-05` | published that month (or `date:2019`, `date:2019-05-21`) |
| `after:2019-05 before:2019-07` | published in a range |
| *(empty)* | every article, newest first |
"""  # noqa: E501 (a row of a Markdown table is one line, however long)


class HelpScreen(ModalScreen):
    BINDINGS = [
        Binding("escape,q,question_mark,f1", "close", "Close"),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Markdown(HELP, id="help-text")

    def on_mount(self) -> None:
        self.query_one("#help-box").focus()

    def action_close(self) -> None:
        self.dismiss(None)

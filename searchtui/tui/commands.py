"""The app's own commands in the command palette (Ctrl+P).

Textual adds its own: Theme (a picker of every theme, light and dark), Keys,
Screenshot and Quit.
"""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

#: (name, what it does, the app action it runs)
COMMANDS = (
    (
        "Export results",
        "Write every hit of the current search to JSON Lines, CSV or Markdown",
        "export",
    ),
    ("Rebuild index", "Index the corpus again from scratch, in the background", "rebuild_index"),
    ("Update index", "Index new and changed articles, in the background", "update_index"),
    ("Reload index", "Open the index again, e.g. after another process updated it", "reload_index"),
    (
        "Cancel indexing",
        "Stop an index run in progress; the old index stays as it was",
        "cancel_build",
    ),
    ("Save search", "Save the current search under a name (Ctrl+S)", "save_search"),
    (
        "Saved searches",
        "List the saved searches with their new hits, and open one (Ctrl+O)",
        "saved_searches",
    ),
    ("Copy path", "Copy the file path of the selected article to the clipboard", "copy_path"),
    ("Clear filters", "Remove every facet and date filter", "clear_filters"),
    (
        "Group copies",
        "Toggle: one hit per story (copies listed under it), or every copy a hit",
        "toggle_collapse",
    ),
    ("Help", "Keys and query syntax", "help"),
)


class SearchtuiCommands(Provider):
    async def _run(self, action: str) -> None:
        await self.app.run_action(action)

    async def discover(self) -> Hits:
        for name, help_text, action in COMMANDS:
            yield DiscoveryHit(name, partial(self._run, action), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, action in COMMANDS:
            score = matcher.match(name)
            if score > 0:
                run = partial(self._run, action)
                yield Hit(score, matcher.highlight(name), run, help=help_text)

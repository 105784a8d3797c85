"""The preview pane beside the results on wide terminals."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from searchtui.models import Article, Hit

from .render import byline, highlighted

PREVIEW_CHARS = 3000


class PreviewPane(VerticalScroll, can_focus=False):
    def compose(self) -> ComposeResult:
        yield Static("", id="preview-head")
        yield Static("", id="preview-body")

    def clear(self) -> None:
        self.query_one("#preview-head", Static).update("")
        self.query_one("#preview-body", Static).update("")
        self.key = None

    key: str | None = None

    def show_hit(self, hit: Hit) -> None:
        self.key = hit.key
        head = Content("\n").join(
            [
                Content.styled(hit.title or hit.key, "bold"),
                Content.styled(byline(hit.authors, hit.publication, hit.date), "$text-muted"),
            ]
        )
        self.query_one("#preview-head", Static).update(head)
        self.query_one("#preview-body", Static).update(highlighted(hit.snippet, hit.highlights))
        self.scroll_home(animate=False)

    def show_article(self, article: Article, spans: list[tuple[int, int]]) -> None:
        if article.key != self.key:
            return
        body = article.body[:PREVIEW_CHARS]
        spans = [(s, min(e, len(body))) for s, e in spans if s < len(body)]
        text = highlighted(body, spans)
        if len(article.body) > PREVIEW_CHARS:
            text = text + Content.styled(" … (Enter reads on)", "$text-muted")
        self.query_one("#preview-body", Static).update(text)

"""The preview pane beside the results on wide terminals."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.content import Content

from searchtui.models import Article, Hit, byline

from .render import highlighted, shown
from .sizing import SizedVerticalScroll, StaticText

PREVIEW_CHARS = 3000


class PreviewPane(SizedVerticalScroll, can_focus=False):
    def compose(self) -> ComposeResult:
        yield StaticText("", id="preview-head")
        yield StaticText("", id="preview-body")

    def clear(self) -> None:
        self.query_one("#preview-head", StaticText).update("")
        self.query_one("#preview-body", StaticText).update("")
        self.key = None

    key: str | None = None

    def show_hit(self, hit: Hit) -> None:
        self.key = hit.key
        head = Content("\n").join(
            [
                shown(hit.title or hit.key, "bold"),
                shown(byline(hit.authors, hit.publication, hit.date), "$text-muted"),
            ]
        )
        self.query_one("#preview-head", StaticText).update(head)
        self.query_one("#preview-body", StaticText).update(highlighted(hit.snippet, hit.highlights))
        self.scroll_home(animate=False)

    def show_article(self, article: Article, spans: list[tuple[int, int]]) -> None:
        if article.key != self.key:
            return
        if article.text_problem:  # its file changed since it was indexed, say
            self.query_one("#preview-body", StaticText).update(
                Content.styled(f"({article.text_problem})", "$text-muted")
            )
            return
        body = article.body[:PREVIEW_CHARS]
        spans = [(s, min(e, len(body))) for s, e in spans if s < len(body)]
        text = highlighted(body, spans, keep="\n")
        if len(article.body) > PREVIEW_CHARS:
            text = text + Content.styled(" … (Enter reads on)", "$text-muted")
        self.query_one("#preview-body", StaticText).update(text)

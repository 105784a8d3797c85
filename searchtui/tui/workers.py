"""What the app and its screens say about background work: failures and index progress."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.dom import DOMNode
from textual.worker import Worker, WorkerState

from searchtui.errors import SearchtuiError

if TYPE_CHECKING:
    from searchtui.indexer import Progress


def report_worker_error(node: DOMNode, event: Worker.StateChanged) -> None:
    """Show a failed worker's error: never a silent failure, never a traceback."""
    if event.state != WorkerState.ERROR:
        return
    worker = event.worker
    error = worker.error
    what = (worker.name or worker.group or "background work").replace("_", " ")
    text = str(error) if isinstance(error, SearchtuiError) else f"{type(error).__name__}: {error}"
    node.app.notify(text, title=f"{what} failed", severity="error", timeout=15)


def describe_progress(p: Progress) -> str:
    """One line about an index run: phase, files done, articles, rate and time left."""
    parts = [f"{p.phase}"]
    if p.total:
        parts.append(f"{p.done:,}/{p.total:,}")
    if p.articles:
        parts.append(f"{p.articles:,} articles")
    if p.rate:
        parts.append(f"{p.rate:,.0f}/s")
    if p.eta is not None:
        parts.append(f"about {p.eta:,.0f} s left")
    return " · ".join(parts)

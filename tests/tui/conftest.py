"""Fixtures for the terminal app: a small real index, a recording engine, a settle helper."""

from __future__ import annotations

import asyncio
import datetime as dt
import inspect
import threading
from pathlib import Path
from typing import Any

import pytest

from searchtui.config import Config

PUBLICATIONS = ["Washington Times", "Daily Express", "The Guardian", "Reuters"]
AUTHORS = ["Stephen Dinan", "Will Kirby", "Anna Moore", "Tom Price"]
TOPICS = [
    (
        "Pelosi backs impeachment inquiry",
        "Speaker Nancy Pelosi said the House would weigh an impeachment inquiry into President "
        "Donald Trump.",
    ),
    (
        "Senate passes budget deal",
        "The Senate passed a budget deal after Mitch McConnell agreed to a vote on spending in "
        "Washington.",
    ),
    (
        "Climate talks stall in Paris",
        "Climate negotiators in Paris failed to agree on emissions targets as the United Nations "
        "urged action.",
    ),
    (
        "Brexit vote delayed again",
        "Theresa May delayed the Brexit vote in London, and the European Union warned of a hard "
        "border.",
    ),
    (
        "Trump and Putin to join forces",
        "Donald Trump and Vladimir Putin agreed in a phone call to join forces against Islamic "
        "State in Syria.",
    ),
    (
        "Supreme Court hears census case",
        "The Supreme Court heard arguments on the census citizenship question brought by New York.",
    ),
]
FILLER = (
    "Officials said the talks would continue next week. Critics called the plan a mistake, "
    "while supporters praised the impeachment debate for its clarity."
)
N_ARTICLES = 40


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem):
    """Run ``async def`` tests in a fresh event loop (Pilot needs nothing more)."""
    if inspect.iscoroutinefunction(pyfuncitem.obj):
        names = pyfuncitem._fixtureinfo.argnames
        asyncio.run(pyfuncitem.obj(**{name: pyfuncitem.funcargs[name] for name in names}))
        return True
    return None


def write_corpus(folder: Path, n: int = N_ARTICLES) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    start = dt.date(2019, 1, 7)
    for i in range(n):
        title, lead = TOPICS[i % len(TOPICS)]
        date = start + dt.timedelta(days=9 * i)
        author = AUTHORS[i % len(AUTHORS)]
        pub = PUBLICATIONS[(i // 2) % len(PUBLICATIONS)]
        body = "\n\n".join(
            [lead, f"Report number {i} on {title.lower()}.", FILLER, lead.replace("said", "added")]
        )
        text = f"{title} {i}\n\n{author} — {pub} {date.strftime('%b %d, %Y')}\n\n\n{body}\n"
        (folder / f"{i:03d}.txt").write_text(text, encoding="utf-8")
    return folder


def test_config() -> Config:
    # every copy a hit: the articles of one topic here are near-identical bodies
    return Config(workers=1, collapse=False)


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory) -> Path:
    return write_corpus(tmp_path_factory.mktemp("corpus") / "articles")


@pytest.fixture(scope="session")
def index_dir(tmp_path_factory, corpus_dir) -> Path:
    from searchtui.indexer import build_index

    root = tmp_path_factory.mktemp("index") / "index"
    build_index([str(corpus_dir)], root, config=test_config())
    return root


class RecordingEngine:
    """A real engine that remembers every call made to it (and can be told to fail)."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.calls: list[tuple[str, Any]] = []
        self.fail_on: dict[str, BaseException] = {}
        self.stale = False
        self.reloads = 0
        self.fixed_elapsed: float | None = None
        self.warmed = False
        self.lock = threading.Lock()

    @property
    def requests(self) -> list[Any]:
        return [arg for name, arg in self.calls if name in ("search", "more_like_this")]

    def _record(self, name: str, arg: Any) -> None:
        with self.lock:
            self.calls.append((name, arg))
        if name in self.fail_on:
            raise self.fail_on[name]

    def _stable(self, result: Any) -> Any:
        if self.fixed_elapsed is not None:
            result.elapsed_ms = self.fixed_elapsed
        return result

    def search(self, request):
        self._record("search", request)
        return self._stable(self.engine.search(request))

    def warm(self) -> None:
        self.warmed = True
        self.engine.warm()

    def more_like_this(self, key, request=None):
        self._record("more_like_this", request)
        self.calls.append(("similar_key", key))
        return self._stable(self.engine.more_like_this(key, request))

    def suggest(self, query):
        self._record("suggest", query)
        return self.engine.suggest(query)

    def facet_values(self, facet, request, text, limit=50):
        self._record("facet_values", (facet, text))
        return self.engine.facet_values(facet, request, text, limit=limit)

    def document(self, key):
        self._record("document", key)
        return self.engine.document(key)

    def match_spans(self, text, query):
        return self.engine.match_spans(text, query)

    def changed_on_disk(self):
        return self.stale or self.engine.changed_on_disk()

    def newest_indexed(self):
        return self.engine.newest_indexed()

    def reload(self):
        self.reloads += 1
        self.stale = False
        self.engine.reload()

    def close(self):
        self.engine.close()

    def stats(self):
        return self.engine.stats()

    def copies(self, key):
        self._record("copies", key)
        return self.engine.copies(key)


@pytest.fixture
def make_app(tmp_path):
    """make_app(index_dir) -> (app, recorder); the recorder wraps the engine the app opens."""
    from searchtui.search import SearchEngine
    from searchtui.tui.app import create_app

    made: list[Any] = []

    def factory(
        index: Path,
        *,
        corpus_paths=None,
        state_dir=None,
        stable=False,
        index_command=None,
        config=None,
    ):
        holder: dict[str, RecordingEngine] = {}

        def opener(path: Path) -> RecordingEngine:
            rec = RecordingEngine(SearchEngine.open(path))
            if stable:
                rec.fixed_elapsed = 1.0
            holder["engine"] = rec
            return rec

        app = create_app(
            index,
            config=config or test_config(),
            corpus_paths=corpus_paths,
            state_dir=state_dir or tmp_path / "state",
            open_engine=opener,
            index_command=index_command,
        )
        made.append(app)
        return app, holder

    yield factory
    for app in made:
        if app.engine is not None:
            app.engine.close()


async def settle(pilot, rounds: int = 50) -> None:
    """Wait until no search is pending and every worker has finished."""
    app = pilot.app
    for _ in range(rounds):
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.search_screen
        busy = screen is not None and (screen._pending or screen._debounce is not None)
        running = [w for w in app.workers if w.is_running]
        if not busy and not running:
            return
        await pilot.pause(0.05)
    raise AssertionError("the app did not settle")


def screen_text(app) -> str:
    """Everything the current screen shows, as plain text."""
    from textual.widgets import Label, OptionList, Static

    parts = []
    for widget in app.screen.query("*"):
        if isinstance(widget, OptionList):
            for i in range(widget.option_count):
                prompt = widget.get_option_at_index(i).prompt
                parts.append(getattr(prompt, "plain", str(prompt)))
        elif isinstance(widget, (Static, Label)):
            content = widget.content
            parts.append(getattr(content, "plain", str(content)))
    return "\n".join(parts)


async def wait_until(pilot, predicate, timeout: float = 10.0) -> None:
    """Pause until ``predicate()`` holds (messages handled, workers done)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError("timed out waiting for the app")
        await pilot.pause(0.02)
    await settle(pilot)

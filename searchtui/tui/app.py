"""The app factory and the App: opens the index, owns the engine and index runs."""

from __future__ import annotations

import functools
import gc
import os
import subprocess
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import work
from textual.app import App, SuspendNotSupported
from textual.binding import Binding
from textual.notifications import SeverityLevel
from textual.reactive import reactive, var
from textual.worker import Worker, WorkerState

from searchtui.config import Config, xdg_state_home
from searchtui.errors import IndexIncompatible, IndexMissing
from searchtui.text import printable

from .commands import SearchtuiCommands
from .editor import editor_argv
from .history import QueryHistory
from .messages import BuildFinished, EngineOpened, IndexChanged, IndexUnavailable
from .screens.confirm import ConfirmDialog
from .screens.noindex import NoIndexScreen
from .screens.search import SearchScreen
from .workers import describe_progress, report_worker_error

if TYPE_CHECKING:
    # imported where they are used: the search engine and the indexer are slow to load
    from searchtui.index_process import IndexProcess
    from searchtui.indexer import Progress
    from searchtui.search import SearchEngine

POLL_SECONDS = 4.0
WARM_AFTER = 1.0  # seconds after an index is opened before reading ahead, at the latest
PROGRESS_SECONDS = 0.5


def _open_engine(index_dir: Path, config: Config) -> SearchEngine:
    from searchtui.entities import alias_table
    from searchtui.search import SearchEngine

    return SearchEngine.open(index_dir, alias_table(config))


class SearchtuiApp(App):
    CSS_PATH = "searchtui.tcss"
    TITLE = "searchtui"
    COMMANDS = App.COMMANDS | {SearchtuiCommands}
    COMMAND_PALETTE_BINDING = "ctrl+p"
    BINDINGS = [
        Binding("q", "quit", "Quit"),
        Binding("question_mark,f1", "help", "Help"),
        Binding("ctrl+r", "reload_index", "Reload index", show=False),
    ]

    #: bumped whenever a (re)opened engine is ready: screens search again
    engine_version = reactive(0, init=False)
    #: a newer index is on disk than the one open
    index_stale = reactive(False, init=False)
    #: the latest progress of an index run (merged: only the newest is shown)
    build_progress: var[Progress | None] = var(None, init=False)
    #: one line about the index run in progress or just finished (vars: the screens watch
    #: them and repaint what shows them; a reactive would repaint the whole app on every tick)
    build_status = var("", init=False)
    building = var(False, init=False)

    def __init__(
        self,
        index_dir: Path,
        *,
        config: Config | None = None,
        corpus_paths: list[str] | None = None,
        state_dir: Path | None = None,
        open_engine: Callable[[Path], SearchEngine] | None = None,
        index_command: Sequence[str] | None = None,
    ) -> None:
        super().__init__()
        self.index_dir = Path(index_dir)
        self.config = config or Config()
        #: the corpus named when the app was opened; else each run picks (see default_corpus)
        self.corpus_paths = list(corpus_paths) if corpus_paths else None
        #: the program that runs an index build (default: searchtui.index_process)
        self.index_command = list(index_command) if index_command else None
        self.state_dir = Path(state_dir) if state_dir else xdg_state_home() / "searchtui"
        self.history = QueryHistory.in_dir(self.state_dir)
        self.engine: SearchEngine | None = None
        self._to_warm: SearchEngine | None = None  # opened, not yet read ahead
        self.index_problem: str | None = None
        self._open_engine = open_engine or functools.partial(_open_engine, config=self.config)
        self._cancel: threading.Event | None = None
        self._process: IndexProcess | None = None
        self._process_lock = threading.Lock()
        self._latest_progress: Progress | None = None
        self._stale_noticed = False

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """A notification, as plain printable text: it may quote file names, article
        text or errors holding them, which must neither drive the terminal nor be
        read as markup."""
        super().notify(
            printable(message, keep="\n"),
            title=printable(title),
            severity=severity,
            timeout=timeout,
            markup=markup,
        )

    # ------------------------------------------------------------------ start

    def on_mount(self) -> None:
        self.push_screen(SearchScreen())
        if self.history.error:
            self.notify(self.history.error, severity="warning")
        self.open_index()
        self.set_interval(POLL_SECONDS, self.poll_index)
        self.set_interval(PROGRESS_SECONDS, self._show_progress)

    @work(thread=True, exclusive=True, group="open", exit_on_error=False)
    def open_index(self) -> None:
        try:
            engine = self._open_engine(self.index_dir)
        except IndexMissing as exc:
            self.post_message(IndexUnavailable(str(exc)))
        except IndexIncompatible as exc:  # also a damaged or untrusted index (its subclasses)
            self.post_message(IndexUnavailable(str(exc), incompatible=True))
        else:
            self.post_message(EngineOpened(engine))

    def on_engine_opened(self, message: EngineOpened) -> None:
        if self.engine is not None and self.engine is not message.engine:
            self.engine.close()
        if message.reloaded and self.index_stale:
            self.clear_notifications()  # the "index changed" offer is answered
        self.engine = message.engine
        _freeze_heap(reloaded=message.reloaded)
        self.index_problem = None
        self.index_stale = False
        self._stale_noticed = False
        while isinstance(self.screen, NoIndexScreen):
            self.pop_screen()
        self.engine_version += 1
        # Read ahead what the first typed words need once the first results are on
        # screen (the search screen says so), or after WARM_AFTER at the latest.
        self._to_warm = message.engine
        self.set_timer(WARM_AFTER, lambda engine=message.engine: self.results_shown(engine))

    def results_shown(self, engine: SearchEngine | None = None) -> None:
        """Results from the open index are on screen: start reading ahead, once."""
        engine = engine or self.engine
        if engine is not None and engine is self._to_warm:
            self._to_warm = None
            self.warm_engine(engine)

    @work(thread=True, exclusive=True, group="warm", exit_on_error=False)
    def warm_engine(self, engine: SearchEngine) -> None:
        if engine is self.engine:
            engine.warm()
            # What it read lives as long as the index: the words of the text fields
            # alone are millions of strings at a million articles, and a collection
            # that walked them took a tenth of a second. Frozen, as the index is.
            gc.freeze()

    def on_index_unavailable(self, message: IndexUnavailable) -> None:
        self.index_problem = message.reason
        if not isinstance(self.screen, NoIndexScreen):
            self.push_screen(NoIndexScreen(message.reason, incompatible=message.incompatible))

    # ------------------------------------------------------------------ index on disk

    def poll_index(self) -> None:
        if self.engine is None or self.building:
            return
        if not self.index_stale:
            self.check_index(self.engine)
        else:
            self._reload_if_idle()

    def _reload_if_idle(self) -> bool:
        """With ``auto_reload`` set, reload a changed index when nothing is selected or
        being typed; whether it did."""
        screen = self.search_screen
        if not (self.config.auto_reload and self.engine is not None and screen is not None):
            return False
        if not screen.idle:
            return False
        self.reload_engine(self.engine)
        return True

    @work(thread=True, exclusive=True, group="poll", exit_on_error=False)
    def check_index(self, engine: SearchEngine) -> None:
        if engine.changed_on_disk():
            self.post_message(IndexChanged())

    def on_index_changed(self, message: IndexChanged) -> None:
        if self.building:
            return
        self.index_stale = True
        if self._reload_if_idle():
            return
        if not self._stale_noticed:
            self._stale_noticed = True
            self.notify(
                "The index changed on disk. Press Ctrl+R to reload it.",
                title="Index updated",
                timeout=12,
            )

    def action_reload_index(self) -> None:
        if self.engine is None:
            self.open_index()
        else:
            self.reload_engine(self.engine)

    @work(thread=True, exclusive=True, group="open", exit_on_error=False)
    def reload_engine(self, engine: SearchEngine) -> None:
        try:
            engine.reload()
        except IndexIncompatible as exc:  # damaged, untrusted or rebuilt by another version
            self.post_message(IndexUnavailable(str(exc), incompatible=True))
            return
        self.post_message(EngineOpened(engine, reloaded=True))

    # ------------------------------------------------------------------ index runs

    def default_corpus(self) -> list[str]:
        """The folders an index run reads unless told otherwise (see ``choose_corpus``)."""
        if self.corpus_paths:
            return list(self.corpus_paths)
        from searchtui.indexer import choose_corpus

        return choose_corpus(self.index_dir, self.config)[0]

    def start_build(
        self, paths: list[str] | None = None, rebuild: bool = False, *, allow_drop: bool = False
    ) -> None:
        """Index ``paths`` (default: the corpus the run picks) in a child process.

        A run that would drop most of the index's articles stops before changing
        anything, and asks first unless ``allow_drop``.
        """
        from searchtui.index_process import request
        from searchtui.indexer import DROP_LIMIT

        asked = request(
            self.index_dir,
            self.config,
            paths or self.corpus_paths,
            rebuild=rebuild,
            drop_limit=None if allow_drop else DROP_LIMIT,
        )
        self._start(asked)

    def _start(self, asked: dict[str, Any]) -> None:
        if self.building:
            self.notify("An index run is already going.", severity="warning")
            return
        self._cancel = threading.Event()
        self._latest_progress = None
        self.build_progress = None
        self.building = True
        self.build_status = "Starting the index run…"
        self.run_build(asked, self._cancel)

    @work(thread=True, exclusive=True, group="index", exit_on_error=False)
    def run_build(self, asked: dict[str, Any], cancel: threading.Event) -> None:
        from searchtui.index_process import IndexProcess

        def progress(p: Progress) -> None:
            self._latest_progress = p  # picked up by a timer: progress is merged, not queued

        try:
            process = IndexProcess(asked, self.index_command)
        except OSError as exc:
            self.post_message(BuildFinished(error=f"cannot start the indexer: {exc}"))
            return
        with self._process_lock:
            self._process = process
            if cancel.is_set():
                process.cancel()
        try:
            outcome = process.wait(progress)
        finally:
            with self._process_lock:
                self._process = None
        self.post_message(
            BuildFinished(
                outcome.report,
                error=outcome.error,
                cancelled=outcome.cancelled,
                refused=outcome.refused,
                retry=asked if outcome.refused else None,
            )
        )

    def _show_progress(self) -> None:
        latest = self._latest_progress
        if self.building and latest is not None and latest is not self.build_progress:
            self.build_progress = latest
            self.build_status = describe_progress(latest)

    def on_build_finished(self, message: BuildFinished) -> None:
        self.building = False
        self._cancel = None
        if message.cancelled:
            self.build_status = "Index run cancelled; the index is as it was."
            self.notify(self.build_status, severity="warning")
        elif message.refused is not None and message.retry is not None:
            self._ask_to_drop(message.refused, message.retry)
        elif message.error:
            self.build_status = f"Index run failed: {message.error}"
            self.notify(message.error, title="Index run failed", severity="error", timeout=15)
        else:
            report = message.report
            lines = report.summary_lines() if report is not None else []
            self.build_status = "Index ready. " + (lines[0] if lines else "")
            note = ""
            if report is not None:
                if report.problems:
                    note += f"\n{len(report.problems)} file(s) skipped or read with warnings."
                for extra in report.notes:
                    note += f"\n{extra}"
            self.notify((lines[0] if lines else "Index ready.") + note, title="Index run finished")
            if self.engine is None:
                self.open_index()
            else:
                self.reload_engine(self.engine)

    def _ask_to_drop(self, refused: tuple[str, int, int], asked: dict[str, Any]) -> None:
        why, dropped, articles = refused
        what = "rebuild" if asked.get("rebuild") else "update"
        self.build_status = f"Index {what} not started: it would drop {dropped:,} articles."

        def answered(go_ahead: bool | None) -> None:
            if go_ahead:
                self._start({**asked, "drop_limit": None})
            else:
                self.build_status = f"Index {what} not run; the index is as it was."
                self.notify(self.build_status)

        self.push_screen(
            ConfirmDialog(
                f"Drop {dropped:,} of {articles:,} articles?",
                f"{why[:1].upper()}{why[1:]}.\n\nA folder that moved or a drive that is not "
                "mounted looks like this. Go ahead anyway?",
                yes=f"Drop {dropped:,}",
                no="Keep the index",
            ),
            answered,
        )

    def action_cancel_build(self) -> None:
        if self._cancel is not None:
            with self._process_lock:
                self._cancel.set()
                if self._process is not None:
                    self._process.cancel()
            self.build_status = "Cancelling…"
        else:
            self.notify("No index run is going.")

    def action_rebuild_index(self) -> None:
        self.start_build(rebuild=True)

    def action_update_index(self) -> None:
        self.start_build(rebuild=False)

    # ------------------------------------------------------------------ other actions

    @property
    def search_screen(self) -> SearchScreen | None:
        for screen in reversed(self.screen_stack):
            if isinstance(screen, SearchScreen):
                return screen
        return None

    def action_help(self) -> None:
        from .screens.help import HelpScreen  # loaded when asked for: Markdown is slow to import

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_export(self) -> None:
        screen = self.search_screen
        if screen is None or self.engine is None:
            self.notify("Nothing to export yet.", severity="warning")
            return
        screen.action_export()

    def action_save_search(self) -> None:
        screen = self.search_screen
        if screen is not None:
            screen.action_save_search()

    def action_saved_searches(self) -> None:
        screen = self.search_screen
        if screen is not None:
            screen.action_saved_searches()

    def action_clear_filters(self) -> None:
        screen = self.search_screen
        if screen is not None:
            screen.action_clear_filters()

    def action_toggle_collapse(self) -> None:
        screen = self.search_screen
        if screen is not None:
            screen.action_toggle_collapse()

    def current_path(self) -> str | None:
        getter: Callable[[], str | None] | None = getattr(self.screen, "current_path", None)
        if getter is not None:
            return getter()
        screen = self.search_screen
        return screen.current_path() if screen else None

    def action_copy_path(self) -> None:
        path = self.current_path()
        if not path:
            self.notify("No article selected.", severity="warning")
            return
        self.copy_to_clipboard(path)
        self.notify(f"Copied {path}")

    def open_external(self, path: str, line: int | None = None) -> None:
        """Open a file in $EDITOR (or $PAGER), at ``line`` for the programs that take
        ``+LINE``, suspending the app meanwhile."""
        command = os.environ.get("EDITOR") or os.environ.get("PAGER") or "less"
        argv = editor_argv(command, path, line)
        try:
            with self.suspend():
                code = subprocess.call(argv)
        except SuspendNotSupported:
            self.notify("This terminal cannot hand over to another program.", severity="error")
            return
        except OSError as exc:
            self.notify(f"Cannot run {argv[0]}: {exc.strerror or exc}", severity="error")
            return
        if code:
            self.notify(f"{argv[0]} exited with status {code}", severity="warning")

    # ------------------------------------------------------------------ errors

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        report_worker_error(self, event)
        if event.state == WorkerState.ERROR and event.worker.group == "open":
            screen = self.search_screen
            if screen is not None:
                problem = f"Cannot open the index at {self.index_dir}: {event.worker.error}"
                screen.show_problem(problem)

    async def action_quit(self) -> None:
        if self._cancel is not None:
            self.action_cancel_build()
        self.exit()

    def on_unmount(self) -> None:
        # An index run still going is stopped, and left to restore the index, before the app ends.
        with self._process_lock:
            process = self._process
            if self._cancel is not None:
                self._cancel.set()
        if process is not None:
            process.stop()


def _freeze_heap(reloaded: bool) -> None:
    """Keep the open index and the app's start-up objects out of garbage collection.

    They live as long as the app, yet every full collection walks all of them:
    with an index open that is tens of milliseconds, paid by whichever key
    happens to trigger it. Frozen, a collection only sees what was made since.
    After a reload the old index's objects are released first.
    """
    if reloaded:
        gc.unfreeze()
        gc.collect()
    gc.freeze()


def create_app(
    index_dir: Path,
    *,
    config: Config | None = None,
    corpus_paths: list[str] | None = None,
    state_dir: Path | None = None,
    open_engine: Callable[[Path], SearchEngine] | None = None,
    index_command: Sequence[str] | None = None,
) -> SearchtuiApp:
    """The one place the app is built, for the CLI, the tests and the benchmark."""
    return SearchtuiApp(
        Path(index_dir),
        config=config,
        corpus_paths=corpus_paths,
        state_dir=state_dir,
        open_engine=open_engine,
        index_command=index_command,
    )


def run(
    index_dir: Path, config: Config | None = None, corpus_paths: list[str] | None = None
) -> int:
    app = create_app(Path(index_dir), config=config, corpus_paths=corpus_paths)
    app.run()
    if app.engine is not None:
        app.engine.close()
    return app.return_code or 0

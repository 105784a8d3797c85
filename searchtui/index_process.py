"""An index run in a child process: how the app builds and updates the index.

The app does not index in its own process. The indexer's worker processes
cannot be started from inside a terminal app (its standard streams are not real
files), and a crash in the indexer must not take the app with it. So the app
runs ``python -m searchtui.index_process``, the same run as ``searchtui index``:

- the request, one JSON object, goes to its standard input: ``index_dir``,
  ``paths`` (null: the folders :func:`~searchtui.indexer.choose_corpus` picks),
  ``config``, ``rebuild`` and ``drop_limit``;
- it writes one JSON object a line to its standard output: ``{"progress": …}``
  as the run goes, then one of ``{"report": …}`` (exit 0),
  ``{"refused": {"message", "dropped", "articles"}}`` or ``{"error": message}``
  (exit 1), ``{"cancelled": message}`` (exit 130);
- SIGINT or SIGTERM cancels the run and leaves the index as it was.

:class:`IndexProcess` is the parent's side: it starts the child, hands its
progress to a callback, cancels it, and turns whatever happened, a crash too,
into an :class:`Outcome`.
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import site
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from searchtui.config import Config

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_CANCELLED = 130

CANCELLED = "Index run cancelled; the index is as it was."


def request(
    index_dir: str | os.PathLike,
    config: Config,
    paths: Sequence[str] | None = None,
    *,
    rebuild: bool = False,
    drop_limit: float | None = None,
) -> dict[str, Any]:
    """What the child is asked to do, as JSON-ready data."""
    return {
        "index_dir": str(index_dir),
        "paths": list(paths) if paths else None,
        "config": dataclasses.asdict(config),
        "rebuild": rebuild,
        "drop_limit": drop_limit,
    }


# ---------------------------------------------------------------------------
# The child


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def main() -> int:
    # Events go to the real standard output; anything else printed goes to stderr.
    events = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)

    def send(kind: str, value: Any) -> None:
        events.write(json.dumps({kind: value}) + "\n")
        events.flush()

    try:
        return _child_run(send)
    except BrokenPipeError:  # the app is gone: nobody to tell
        return EXIT_ERROR


def _child_run(send: Callable[[str, Any], None]) -> int:
    from searchtui.errors import Cancelled, SearchtuiError, WouldDropArticles

    try:
        from searchtui.indexer import index_corpus

        asked = json.load(sys.stdin)
        settings = dict(asked["config"])
        settings["given"] = tuple(settings.get("given") or ())
        report = index_corpus(
            asked["index_dir"],
            Config(**settings),
            asked.get("paths"),
            rebuild=bool(asked.get("rebuild")),
            drop_limit=asked.get("drop_limit"),
            progress=lambda p: send("progress", p.to_dict()),
        )
    except (KeyboardInterrupt, Cancelled):
        send("cancelled", CANCELLED)
        return EXIT_CANCELLED
    except WouldDropArticles as exc:
        send("refused", {"message": str(exc), "dropped": exc.dropped, "articles": exc.articles})
        return EXIT_ERROR
    except SearchtuiError as exc:
        print(f"searchtui: {exc}", file=sys.stderr)
        send("error", str(exc))
        return EXIT_ERROR
    except BrokenPipeError:
        raise
    except Exception as exc:  # a bug: the whole story to stderr, one line to the app
        traceback.print_exc()
        send("error", f"{type(exc).__name__}: {exc}")
        return EXIT_ERROR
    send("report", report.to_dict())
    return EXIT_OK


# ---------------------------------------------------------------------------
# The parent


@dataclass
class Outcome:
    """How a child index run ended: one of a report, a refusal, an error, or cancelled."""

    report: Any = None  # an IndexReport
    error: str | None = None  # one line
    cancelled: bool = False
    #: a run that would drop most of the index, refused: (message, dropped, articles)
    refused: tuple[str, int, int] | None = None


def _child_env() -> dict[str, str]:
    """The environment of the child: it must import this very searchtui."""
    env = dict(os.environ)
    home = str(Path(__file__).resolve().parent.parent)
    installed = set(site.getsitepackages()) | {site.getusersitepackages()}
    if home not in installed:
        env["PYTHONPATH"] = os.pathsep.join(p for p in (home, env.get("PYTHONPATH")) if p)
    return env


class IndexProcess:
    """One index run in a child process, seen from the process that started it."""

    def __init__(self, asked: dict[str, Any], command: Sequence[str] | None = None) -> None:
        self.command = list(command or [sys.executable, "-m", "searchtui.index_process"])
        self._stderr: IO[bytes] = tempfile.TemporaryFile()
        self._signals = 0
        self.proc = subprocess.Popen(
            self.command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            start_new_session=True,  # the terminal's signals are the app's, not the child's
            env=_child_env(),
        )
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(json.dumps(asked).encode("utf-8"))
            self.proc.stdin.close()
        except BrokenPipeError:
            pass  # the child died at once: wait() says how

    @property
    def running(self) -> bool:
        return self.proc.poll() is None

    def cancel(self) -> None:
        """Ask the run to stop (SIGINT); asked again, insist (SIGTERM)."""
        if not self.running:
            return
        self._signals += 1
        try:
            self.proc.send_signal(signal.SIGINT if self._signals == 1 else signal.SIGTERM)
        except ProcessLookupError:
            pass

    def stop(self, timeout: float = 10.0) -> None:
        """Cancel the run and wait for the child to leave the index as it was."""
        self.cancel()
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def wait(self, on_progress: Callable[[Any], None] | None = None) -> Outcome:
        """Follow the run to its end, handing each progress to ``on_progress``."""
        from searchtui.indexer import IndexReport, Progress

        outcome: Outcome | None = None
        assert self.proc.stdout is not None
        with self.proc.stdout:
            for raw in self.proc.stdout:
                try:
                    event = json.loads(raw)
                    ((kind, value),) = event.items()
                except (ValueError, AttributeError):
                    continue  # not one of ours
                if kind == "progress":
                    if on_progress is not None:
                        on_progress(Progress.from_dict(value))
                elif kind == "report":
                    outcome = Outcome(report=IndexReport.from_dict(value))
                elif kind == "refused":
                    outcome = Outcome(
                        refused=(value["message"], value["dropped"], value["articles"])
                    )
                elif kind == "cancelled":
                    outcome = Outcome(cancelled=True)
                elif kind == "error":
                    outcome = Outcome(error=_one_line(str(value)))
        code = self.proc.wait()
        if outcome is None and self._signals:
            outcome = Outcome(cancelled=True)  # stopped before it could say so
        elif outcome is None:
            outcome = Outcome(error=self._crash(code))
        elif code != EXIT_OK and outcome.report is not None:
            outcome = Outcome(error=self._crash(code))
        self._stderr.close()
        return outcome

    def _crash(self, code: int) -> str:
        if code < 0:
            try:
                how = f"killed by {signal.Signals(-code).name}"
            except ValueError:
                how = f"killed by signal {-code}"
        else:
            how = f"exit status {code}"
        last = ""
        try:
            self._stderr.seek(0)
            lines = self._stderr.read().decode("utf-8", "replace").strip().splitlines()
            last = lines[-1].strip() if lines else ""
        except OSError:
            pass
        return f"the indexer stopped unexpectedly ({how})" + (f": {last}" if last else "")


def _one_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[0] if lines else "unknown error"


if __name__ == "__main__":
    raise SystemExit(main())

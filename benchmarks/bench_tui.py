"""Terminal app speed: start-up to first results painted, keystroke to updated results.

Drives the real app through ``App.run_test()`` over an existing index:

    python benchmarks/bench_tui.py --index /tmp/scaled-index

Start-up is measured in fresh interpreters (imports included), from the
start of the process to the first page of results and facets painted, with
searchtui's bytecode written first, as an installed app has it.
Keystroke latency is measured from a key press to the refreshed results and
facets painted, for keys typed after a pause (the first key after a pause
searches at once) and for the last key of a fast burst (which waits for the
~150 ms debounce).

With ``SEARCHTUI_SRC=DIR`` in the environment, the searchtui measured is the one
in checkout DIR (built as this one is): two versions compared on one index.
"""

from __future__ import annotations

import time

_T0 = time.perf_counter()

import argparse  # noqa: E402
import asyncio  # noqa: E402
import compileall  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

# The searchtui source measured: this checkout, or the one SEARCHTUI_SRC names.
_SRC = os.environ.get("SEARCHTUI_SRC") or str(Path(__file__).resolve().parents[1])
sys.path.insert(0, _SRC)

QUERIES = ["trump impeachment", "climate change", "border wall", "health care", "supreme court ruling"]


def _peak_mib() -> float:
    """This process's peak resident memory so far (ru_maxrss: KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


async def _wait_painted(screen, generation: int, timeout: float = 30.0) -> float:
    deadline = time.perf_counter() + timeout
    while screen.painted_generation < generation:
        if time.perf_counter() > deadline:
            raise TimeoutError("results were not painted in time")
        await asyncio.sleep(0.001)
    return time.perf_counter()


async def _first_results(app):
    """The search screen, once its first results are painted."""
    screen = None
    while screen is None:
        screen = app.search_screen
        await asyncio.sleep(0.001)
    await _wait_painted(screen, 1)
    return screen


async def startup_once(index: Path, size: tuple[int, int]) -> float:
    from searchtui.tui.app import create_app

    with tempfile.TemporaryDirectory() as state:
        app = create_app(index, state_dir=Path(state))
        async with app.run_test(size=size) as pilot:
            await _first_results(app)
            done = time.perf_counter()
            ms = (done - _T0) * 1000
            await pilot.pause()
        return ms


class _Counted:
    """Counts the screen's layouts and painted frames (Textual internals: the
    figures explain a latency, they are not part of the app)."""

    def __init__(self) -> None:
        from textual.screen import Screen

        self.frames = self.layouts = 0
        layout, paint = Screen._refresh_layout, Screen._compositor_refresh

        def counted_layout(screen, *args, **kwargs):
            self.layouts += 1
            return layout(screen, *args, **kwargs)

        def counted_paint(screen, *args, **kwargs):
            self.frames += 1
            return paint(screen, *args, **kwargs)

        Screen._refresh_layout, Screen._compositor_refresh = counted_layout, counted_paint


async def keystrokes(index: Path, size: tuple[int, int], queries: list[str], gap: float) -> dict:
    from textual import events

    from searchtui.tui.app import create_app
    from searchtui.tui.screens.search import DEBOUNCE

    counts = _Counted()
    frames: list[int] = []  # frames painted per key (a layout paints one too)
    layouts: list[int] = []

    single: list[float] = []
    ui_cpu: list[float] = []  # CPU time of the UI thread per key (immune to other processes)
    engine: list[float] = []  # the search core's own time per key
    burst: list[float] = []
    with tempfile.TemporaryDirectory() as state:
        app = create_app(index, state_dir=Path(state))
        async with app.run_test(size=size) as pilot:
            screen = await _first_results(app)
            await pilot.click("#query")
            for query in queries:
                # one key at a time, with a pause between keys
                for ch in query:
                    await asyncio.sleep(max(gap, DEBOUNCE * 1.2))
                    gen = screen.generation
                    start = time.perf_counter()
                    cpu = time.thread_time()
                    f0, l0 = counts.frames, counts.layouts
                    # The key goes in as a terminal delivers it: Pilot.press() would also
                    # wait for the whole process to go idle, spelling check included.
                    app.post_message(events.Key("space" if ch == " " else ch, ch))
                    while screen.generation == gen and screen._debounce is None and not screen._pending:
                        if time.perf_counter() - start > 2:
                            break
                        await asyncio.sleep(0.0005)
                    if screen.generation == gen and screen._debounce is None and not screen._pending:
                        continue  # the key did not change the query
                    done = await _wait_painted(screen, gen + 1)
                    single.append((done - start) * 1000)
                    ui_cpu.append((time.thread_time() - cpu) * 1000)
                    frames.append(counts.frames - f0)
                    layouts.append(counts.layouts - l0)
                    if screen.result is not None:
                        engine.append(screen.result.elapsed_ms)
                # clear, then type the query again in a burst
                await pilot.press("ctrl+a", "ctrl+k")
                await asyncio.sleep(0.5)
                await app.workers.wait_for_complete()
                keys = ["space" if ch == " " else ch for ch in query]
                for key in keys[:-1]:
                    await pilot.press(key)
                    await asyncio.sleep(0.03)
                start = time.perf_counter()
                await pilot.press(keys[-1])
                while screen.painted_generation < screen.generation or screen._debounce is not None or screen._pending:
                    await asyncio.sleep(0.001)
                last = screen.result.request.query if screen.result else ""
                if last == query:
                    burst.append((time.perf_counter() - start) * 1000)
                await pilot.press("ctrl+a", "ctrl+k")
                await asyncio.sleep(0.5)
                await app.workers.wait_for_complete()
        if app.engine is not None:
            app.engine.close()
    return {"single": single, "burst": burst, "ui_cpu": ui_cpu, "engine": engine, "frames": frames, "layouts": layouts}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", required=True, help="index folder to open")
    parser.add_argument("--runs", type=int, default=3, help="start-up runs (fresh interpreters)")
    parser.add_argument("--size", default="120x40", help="terminal size, WxH")
    parser.add_argument("--gap", type=float, default=0.25, help="seconds between single keys")
    parser.add_argument("--query", action="append", help="a query to type (repeatable)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--startup-once", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    w, h = (int(x) for x in args.size.lower().split("x"))
    index = Path(args.index)

    if args.startup_once:
        ms = asyncio.run(startup_once(index, (w, h)))
        print(json.dumps({"startup_ms": ms, "peak_mib": _peak_mib()}))
        return 0

    # Start-up is measured as an installed app starts, with the bytecode of its modules
    # written: pip writes it for what it installs, and an editable install writes it
    # on the first start. Where PYTHONDONTWRITEBYTECODE is set, an editable install
    # never writes it, and every start would compile searchtui's sources again.
    compileall.compile_dir(Path(_SRC) / "searchtui", quiet=1)
    startups = []
    startup_peaks = []
    for _ in range(args.runs):
        out = subprocess.run(
            [sys.executable, __file__, "--index", str(index), "--size", args.size, "--startup-once"],
            capture_output=True, text=True, check=True,
        )
        run = json.loads(out.stdout.strip().splitlines()[-1])
        startups.append(run["startup_ms"])
        startup_peaks.append(run["peak_mib"])
    keys = asyncio.run(keystrokes(index, (w, h), args.query or QUERIES, args.gap))
    figures = {
        "index": str(index),
        "size": args.size,
        "startup_ms": {"runs": [round(s) for s in startups], "median": round(statistics.median(startups))},
        "keystroke_ms": {
            "n": len(keys["single"]),
            "p50": round(percentile(keys["single"], 50), 1),
            "p95": round(percentile(keys["single"], 95), 1),
            "max": round(max(keys["single"], default=float("nan")), 1),
        },
        "ui_thread_cpu_ms": {
            "p50": round(percentile(keys["ui_cpu"], 50), 1),
            "p95": round(percentile(keys["ui_cpu"], 95), 1),
        },
        "per_key": {
            "frames": round(statistics.mean(keys["frames"]), 2) if keys["frames"] else None,
            "layouts": round(statistics.mean(keys["layouts"]), 2) if keys["layouts"] else None,
        },
        "engine_ms": {
            "p50": round(percentile(keys["engine"], 50), 1),
            "p95": round(percentile(keys["engine"], 95), 1),
        },
        "memory_mib": {
            # peak resident memory of the app's process: at start-up (median of the
            # runs), and after every query was typed
            "startup_peak": round(statistics.median(startup_peaks)),
            "after_typing_peak": round(_peak_mib()),
        },
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "burst_last_key_ms": {
            "n": len(keys["burst"]),
            "p50": round(percentile(keys["burst"], 50), 1),
            "p95": round(percentile(keys["burst"], 95), 1),
        },
    }
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        print(f"index {index} at {args.size}")
        print(f"start-up to first results painted: median {figures['startup_ms']['median']} ms  runs {figures['startup_ms']['runs']}")
        k = figures["keystroke_ms"]
        print(f"keystroke to updated results+facets: p50 {k['p50']} ms  p95 {k['p95']} ms  max {k['max']} ms  (n={k['n']})")
        u, e = figures["ui_thread_cpu_ms"], figures["engine_ms"]
        print(f"  of which UI thread CPU: p50 {u['p50']} ms  p95 {u['p95']} ms; search core: p50 {e['p50']} ms  p95 {e['p95']} ms")
        f = figures["per_key"]
        print(f"  frames painted per key {f['frames']}, of which with a layout {f['layouts']}")
        print(f"  load average {figures['load_average']} on {os.cpu_count()} CPUs")
        m = figures["memory_mib"]
        print(f"app memory (peak resident): {m['startup_peak']} MiB at start-up, "
              f"{m['after_typing_peak']} MiB after typing every query")
        b = figures["burst_last_key_ms"]
        print(f"last key of a fast burst (debounced): p50 {b['p50']} ms  p95 {b['p95']} ms  (n={b['n']})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The ``searchtui`` command: a thin layer of argument handling over the library.

``searchtui`` alone opens the terminal app; ``index``, ``search``, ``facets``,
``stats`` and ``entities`` do their one job and print plain text (or JSON).
The app is imported only by the command that opens it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import NamedTuple, TextIO

from searchtui import __version__
from searchtui.config import Config, load_config
from searchtui.dates import parse_date_period, parse_date_range
from searchtui.errors import (
    ArticleNotFound,
    Cancelled,
    DateRangeError,
    QueryError,
    SearchtuiError,
    WouldDropArticles,
)
from searchtui.export import (
    FORMATS,
    all_hits,
    format_for_path,
    title_for,
    write_file,
    write_hits,
)
from searchtui.models import (
    COUNTS,
    FACET_FIELDS,
    FACET_LABELS,
    SORTS,
    FacetFilter,
    SearchRequest,
    byline,
    copies_summary,
)
from searchtui.text import json_text, printable, printable_spans

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_INTERRUPTED = 130


# ---------------------------------------------------------------------------
# Output helpers


class Styled(NamedTuple):
    """Text to show with an ANSI style (its SGR code) when writing to a terminal."""

    code: str
    text: str


class Out:
    """Human output on one stream, its one way out.

    Every piece written is made printable first, so no title, name, file name
    or message quoting them can drive the terminal; line breaks come only from
    :meth:`line`. On a terminal, :class:`Styled` pieces get their ANSI style
    (the only escape sequences written); elsewhere they are plain.
    """

    def __init__(self, stream: TextIO):
        self.stream = stream
        self.on = (
            stream.isatty()
            and os.environ.get("NO_COLOR") is None
            and os.environ.get("TERM") != "dumb"
        )

    def bold(self, text: str) -> Styled:
        return Styled("1", text)

    def dim(self, text: str) -> Styled:
        return Styled("2", text)

    def marked(self, text: str, spans) -> list[str | Styled]:
        """``text`` with its spans shown: coloured on a terminal, [brackets] otherwise."""
        text, spans = printable_spans(text, list(spans))
        out: list[str | Styled] = []
        last = 0
        for s, e in spans:
            out.append(text[last:s])
            out.append(Styled("1;33", text[s:e]) if self.on else f"[{text[s:e]}]")
            last = e
        out.append(text[last:])
        return out

    def write(self, *parts: str | Styled) -> None:
        for part in parts:
            if isinstance(part, Styled):
                text = printable(part.text)
                self.stream.write(f"\x1b[{part.code}m{text}\x1b[0m" if self.on else text)
            else:
                self.stream.write(printable(part))

    def line(self, *parts: str | Styled) -> None:
        """The parts, then a line break."""
        self.write(*parts)
        self.stream.write("\n")


def display_path(path: str) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return path
    return rel if not rel.startswith("..") else path


# ---------------------------------------------------------------------------
# Commands


def _config(args) -> Config:
    return load_config(getattr(args, "config", None))


def _index_dir(args, config: Config) -> Path:
    if getattr(args, "index", None):
        return Path(args.index)
    return config.resolve(config.index)


class _StatusLine:
    """A line on a terminal written over as work goes on; plain lines otherwise."""

    def __init__(self, stream, quiet: bool = False):
        self.stream = stream
        self.tty = stream.isatty()
        self.quiet = quiet
        self.last = 0.0
        self.shown = False

    def _line(self, text: str) -> None:
        if self.tty:
            self.stream.write("\r" + text.ljust(100))
            self.shown = True
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def finish(self) -> None:
        if self.shown and self.tty:
            self.stream.write("\r" + " " * 100 + "\r")
            self.stream.flush()
            self.shown = False


class ProgressPrinter(_StatusLine):
    """A progress bar on a terminal; plain log lines every few seconds otherwise."""

    def __call__(self, p) -> None:
        if self.quiet or p.phase == "done":
            self.finish()
            return
        now = time.monotonic()
        if p.phase == "committing":
            self._line(f"committing {p.articles} articles…")
            return
        writing = f"writing the index ({p.articles} articles read in {_fmt_secs(p.elapsed)})…"
        if p.phase == "writing" and self.tty:
            self._line(writing)
            return
        if self.tty:
            if now - self.last < 0.1 and p.done != p.total:
                return
            width = 30
            frac = p.done / p.total if p.total else 1.0
            bar = "█" * int(frac * width) + "░" * (width - int(frac * width))
            eta = _fmt_secs(p.eta) if p.eta is not None else "--:--"
            text = (
                f"\r{bar} {p.done}/{p.total} files  {p.articles} articles  "
                f"{p.rate:,.0f} articles/s  ETA {eta} "
            )
            self.stream.write(text)
            self.stream.flush()
            self.shown = True
            self.last = now
        else:
            if now - self.last < 2.0 and p.done != p.total:
                return
            self.last = now
            pct = 100.0 * p.done / p.total if p.total else 100.0
            self.stream.write(
                f"indexing: {p.done}/{p.total} files ({pct:.0f}%), {p.articles} articles, "
                f"{p.rate:,.0f} articles/s\n"
            )
            if p.phase == "writing":
                self.stream.write(writing + "\n")
            self.stream.flush()


class CheckPrinter(_StatusLine):
    """How far a check has got: one line kept up to date on a terminal; a line every
    few seconds otherwise (a check of a large index takes minutes)."""

    def __call__(self, p) -> None:
        now = time.monotonic()
        if self.quiet or (now - self.last < (0.2 if self.tty else 5.0) and p.done < p.total):
            return
        self.last = now
        if p.stage == "checksums":
            what = f"checksums, {p.done / 2**20:,.0f} of {p.total / 2**20:,.0f} MiB"
        else:
            what = f"decoding, {p.done:,} of {p.total:,} documents"
        pct = 100.0 * p.done / p.total if p.total else 100.0
        left = p.left
        self._line(f"checking: {what} ({pct:.0f}%)" + (
            f", about {_fmt_secs(left)} left" if left is not None and p.done < p.total else ""
        ))


def _fmt_secs(s: float) -> str:
    s = int(max(0, s))
    if s >= 3600:
        return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"
    return f"{s // 60}:{s % 60:02d}"


#: What an interrupted or cancelled index run says, by whether its new index went live.
UNCHANGED = "the index is as it was before this run"
COMMITTED = "after the new index was committed: it is complete and live"


def cmd_index(args) -> int:
    from searchtui import store
    from searchtui.indexer import DROP_LIMIT, index_corpus

    if args.watch:
        return cmd_watch(args)
    config = _config(args)
    index_dir = _index_dir(args, config)
    printer = ProgressPrinter(sys.stderr, quiet=args.quiet)
    err = Out(sys.stderr)
    cancel = threading.Event()

    def live() -> str | None:
        try:
            return store.generation_token(index_dir)
        except (OSError, SearchtuiError):
            return None

    before = live()
    try:
        report = index_corpus(
            index_dir,
            config,
            args.paths,
            rebuild=args.rebuild,
            progress=printer,
            cancel=cancel,
            workers=args.workers,
            drop_limit=None if args.yes else DROP_LIMIT,
        )
    except WouldDropArticles as exc:
        printer.finish()
        err.line(f"searchtui: {exc}; to go ahead, run again with --yes")
        return EXIT_ERROR
    except (KeyboardInterrupt, Cancelled) as exc:
        cancel.set()
        printer.finish()
        # Said after looking: the interrupt may come once the new generation is live.
        what = "cancelled" if isinstance(exc, Cancelled) else "interrupted"
        if live() == before:
            err.line(f"searchtui: {what}; {UNCHANGED}")
        else:
            err.line(f"searchtui: {what} {COMMITTED}")
        return EXIT_INTERRUPTED
    printer.finish()
    out = Out(sys.stdout)
    for line in report.summary_lines(limit=args.show_skipped):
        out.line(line)
    return EXIT_OK


def cmd_watch(args) -> int:
    """``index --watch``: the first run as ``index``, then one line per batch until
    SIGINT or SIGTERM (a second one stops at once; the index stays whole either way)."""
    import signal

    from searchtui.indexer import DROP_LIMIT
    from searchtui.watch import follow

    config = _config(args)
    index_dir = _index_dir(args, config)
    printer = ProgressPrinter(sys.stderr, quiet=args.quiet)
    out, err = Out(sys.stdout), Out(sys.stderr)
    stop = threading.Event()

    def asked_to_stop(signum, frame) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()

    def ready(report) -> None:
        printer.finish()
        for line in report.summary_lines(limit=args.show_skipped):
            out.line(line)
        out.line(f"Watching {', '.join(report.corpus)} for changes (Ctrl+C stops).")
        out.stream.flush()

    def batch(b) -> None:
        out.line(b.line())
        out.stream.flush()

    previous = {sig: signal.signal(sig, asked_to_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        follow(
            index_dir, config, args.paths, stop=stop, on_batch=batch, on_ready=ready,
            progress=printer, rebuild=args.rebuild, workers=args.workers,
            drop_limit=None if args.yes else DROP_LIMIT,
        )
    except WouldDropArticles as exc:
        printer.finish()
        err.line(f"searchtui: {exc}; to go ahead, run again with --yes")
        return EXIT_ERROR
    except (KeyboardInterrupt, Cancelled):
        printer.finish()
        err.line(f"searchtui: stopped; {UNCHANGED}")
        return EXIT_INTERRUPTED
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    err.line("searchtui: stopped watching; the index is whole")
    return EXIT_OK


def _filters_from_args(args) -> dict[str, FacetFilter]:
    """The facet filters of ``search``'s flags; a date range that ends before it starts
    is refused."""
    filters: dict[str, FacetFilter] = {}
    for name, inc, exc in (
        ("authors", args.author, args.exclude_author),
        ("publication", args.publication, args.exclude_publication),
        ("people", args.person, args.exclude_person),
        ("organisations", args.org, args.exclude_org),
        ("places", args.place, args.exclude_place),
    ):
        if inc or exc:
            filters[name] = FacetFilter(set(inc or []), set(exc or []))
    if args.date_from and args.date_to and args.date_to < args.date_from:
        # refused as the query's date:FROM..TO is, with the same message
        parse_date_range(f"{args.date_from_text}..{args.date_to_text}")
    return filters


def _request_from_args(args) -> SearchRequest:
    return SearchRequest(
        query=" ".join(args.query),
        filters=_filters_from_args(args),
        date_from=args.date_from,
        date_to=args.date_to,
        sort=args.sort,
        page=args.page,
        page_size=args.limit,
        facet_limit=args.facet_limit,
        histogram=bool(args.facets or args.json),
        collapse=args.collapse,
        count=args.count,
    )


def _open_engine(args):
    from searchtui.entities import alias_table
    from searchtui.search import SearchEngine

    config = _config(args)
    return SearchEngine.open(_index_dir(args, config), alias_table(config))


def _export_format(args) -> str | None:
    """The export format named with --format or by the --output file's extension, if any."""
    if args.output is not None and args.json:
        raise SearchtuiError("--output goes with --format, not with --json")
    if args.format is not None or args.output is None:
        return args.format
    fmt = format_for_path(args.output)
    if fmt is None:
        raise SearchtuiError(
            f"cannot tell the format of {args.output} from its extension;"
            f" give --format ({', '.join(FORMATS)})"
        )
    return fmt


def _similar_key(engine, given: str) -> str:
    """The article that ``--similar`` names: its key or path as stored, or as printed
    (relative to the current folder, links resolved or not)."""
    candidates = [given]
    if not os.path.isabs(given):
        candidates += [os.path.abspath(given), os.path.realpath(given)]
    for key in dict.fromkeys(candidates):
        try:
            engine.document(key)
        except ArticleNotFound:
            continue
        return key
    raise ArticleNotFound(f"no article {given!r} in the index")


def _export(args, request: SearchRequest, fmt: str) -> int:
    """Every hit, to the --output file or to standard output."""
    title = title_for(request.query)
    with _open_engine(args) as engine:
        similar = _similar_key(engine, args.similar) if args.similar else None
        hits = all_hits(engine, request, similar)
        if args.output is None:
            write_hits(hits, sys.stdout, fmt, title=title)
            return EXIT_OK
        found = list(hits)
    try:
        count = write_file(found, args.output, fmt, title=title)
    except OSError as exc:
        raise SearchtuiError(f"cannot write {args.output}: {exc.strerror or exc}") from None
    Out(sys.stdout).line(
        f"{count} hit{'s' if count != 1 else ''} written to {args.output} ({FORMATS[fmt]})"
    )
    return EXIT_OK


def cmd_search(args) -> int:
    request = _request_from_args(args)
    fmt = _export_format(args)
    if fmt is not None:
        return _export(args, request, fmt)
    with _open_engine(args) as engine:
        if args.similar:
            result = engine.more_like_this(_similar_key(engine, args.similar), request)
        else:
            result = engine.search(request)
    if args.json:
        sys.stdout.write(json_text(result.to_dict(), indent=1) + "\n")
        return EXIT_OK
    out = Out(sys.stdout)
    n = result.total
    first = (request.page - 1) * request.page_size + 1
    shown = f", showing {first}-{first + len(result.hits) - 1}" if result.hits else ""
    sort = request.sort
    if sort == "relevance" and not result.ranked:
        sort = "newest"  # nothing to rank by
    in_stories = ""
    if result.stories is not None:
        k = result.stories
        in_stories = f" in {k} stor{'y' if k == 1 else 'ies'}"
    out.line(
        f"{n} article{'s' if n != 1 else ''}{in_stories}{shown}"
        f" ({result.elapsed_ms:.0f} ms, sorted by {sort})"
    )
    if result.suggestion:
        out.line("Did you mean: ", out.bold(result.suggestion))
    if result.notice:
        out.line(f"Note: {result.notice}")
    _print_hits(result, first, out)
    if args.facets:
        _print_facets(result, out)
    return EXIT_OK


def _print_hits(result, first: int, out: Out) -> None:
    """The hits, numbered from ``first``; a new one (see saved searches) says so."""
    for i, hit in enumerate(result.hits, first):
        out.line()
        new = [out.bold("[new] ")] if hit.new else []
        out.line(out.dim(f"{i:>3}."), " ", *new, out.bold(hit.title or "(untitled)"))
        line = byline(hit.authors, hit.publication, hit.date)
        if line:
            out.line("     ", line)
        if hit.snippet:
            out.line("     ", *out.marked(hit.snippet, hit.highlights))
        out.line("     ", out.dim(display_path(hit.key)))
        if hit.copies:
            out.line("     ", copies_summary([c.publication for c in hit.copies]))


def _print_facets(result, out: Out) -> None:
    for name, facet in result.facets.items():
        out.line()
        out.line(out.bold(FACET_LABELS.get(name, name)), f" ({facet.distinct} distinct)")
        for b in facet.buckets:
            mark = " [x]" if b.selected else (" [-]" if b.excluded else "")
            out.line(f"  {b.count:>7}  ", b.value, mark)
        if facet.truncated:
            out.line("  …")
    if result.histogram and result.histogram.buckets:
        h = result.histogram
        out.line()
        out.line(out.bold("Dates"), f" (by {h.unit})")
        top = max(b.count for b in h.buckets) or 1
        for b in h.buckets:
            bar = "█" * max(1 if b.count else 0, round(30 * b.count / top))
            out.line(f"  {b.label:>10} {b.count:>7} {bar}")


def cmd_facets(args) -> int:
    request = SearchRequest(query=args.query or "", facet_limit=args.limit, count=args.count)
    with _open_engine(args) as engine:
        facet = engine.facet_values(args.field, request, args.prefix or "", limit=args.limit)
    if args.json:
        sys.stdout.write(json_text(facet.to_dict(), indent=1) + "\n")
        return EXIT_OK
    out = Out(sys.stdout)
    out.line(f"{FACET_LABELS.get(facet.name, facet.name)}: {facet.distinct} value(s)")
    for b in facet.buckets:
        out.line(f"  {b.count:>7}  ", b.value)
    if facet.truncated:
        out.line("  …")
    return EXIT_OK


def cmd_duplicates(args) -> int:
    with _open_engine(args) as engine:
        found = engine.duplicates(args.min_copies)
    least = max(2, args.min_copies)
    if args.json:
        data = {"min_copies": least, "stories": [s.to_dict() for s in found]}
        sys.stdout.write(json_text(data, indent=1) + "\n")
        return EXIT_OK
    out = Out(sys.stdout)
    if not found:
        out.line(f"No story with {least} or more copies.")
        return EXIT_OK
    n = len(found)
    articles = sum(len(s.copies) for s in found)
    noun = "story" if n == 1 else "stories"
    out.line(f"{n} {noun} with {least} or more copies ({articles} articles)")
    for story in found:
        out.line()
        out.line(out.bold(f"{len(story.copies)} copies"))
        for c in story.copies:
            line = byline([], c.publication, c.date)
            out.line("  ", c.title or "(untitled)", out.dim(f"  {line}") if line else "")
            out.line("    ", out.dim(display_path(c.key)))
    return EXIT_OK


def _some_paths(paths: list[str], shown: int = 3) -> str:
    """The corpus paths an index was built from, the first few when there are many
    (an index built from files named one by one records every file)."""
    if not paths:
        return "?"
    head = ", ".join(paths[:shown])
    more = len(paths) - shown
    return f"{head} and {more:,} more" if more > 0 else head


def cmd_stats(args) -> int:
    with _open_engine(args) as engine:
        stats = engine.stats()
        stats["corpus"] = list(engine.meta.get("corpus") or [])
    if args.json:
        json.dump(stats, sys.stdout, indent=1)  # ASCII only: every control escaped
        sys.stdout.write("\n")
        return EXIT_OK
    size = stats["index_bytes"]
    dates = f"{stats['first_date'] or '-'} .. {stats['last_date'] or '-'}"
    rows = [
        ("Index", stats["index"]),
        ("Articles", f"{stats['articles']:,}"),
        ("Stories", f"{stats['stories']:,} (an article and its copies count once)"),
        ("Dates", f"{dates} ({stats['undated']:,} undated)"),
        ("Publications", f"{stats['distinct_publication']:,}"),
        ("Authors", f"{stats['distinct_authors']:,}"),
        ("People", f"{stats['distinct_people']:,}"),
        ("Organisations", f"{stats['distinct_organisations']:,}"),
        ("Places", f"{stats['distinct_places']:,}"),
        ("Index size", f"{size / 2**20:,.1f} MiB in {stats['segments']} segment(s)"),
        ("Written", stats.get("written") or "?"),
        ("Corpus", _some_paths(stats["corpus"])),
    ]
    out = Out(sys.stdout)
    for k, v in rows:
        out.line(f"{k + ':':<15}", v)
    return EXIT_OK


def cmd_entities(args) -> int:
    from searchtui.entities import format_mentions, get_extractor

    config = _config(args)
    if args.file in (None, "-"):
        text = sys.stdin.read()
    else:
        try:
            text = Path(args.file).read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            raise SearchtuiError(f"cannot read {args.file}: {exc.strerror or exc}") from None
    mentions = get_extractor(config).extract(text)
    if args.json:
        sys.stdout.write(json_text([m.to_dict() for m in mentions], indent=1) + "\n")
    else:
        out = Out(sys.stdout)
        for line in format_mentions(mentions).splitlines():
            out.line(line)
    return EXIT_OK


def cmd_check(args) -> int:
    from searchtui.check import check_index

    index_dir = _index_dir(args, _config(args))
    printer = CheckPrinter(sys.stderr)
    try:
        report = check_index(index_dir, printer)
    finally:
        printer.finish()
    out = Out(sys.stdout)
    if args.json:
        print(report.to_json())
    else:
        for line in report.lines():
            out.line(line)
        if report.sound:
            out.line("The index is sound.")
        elif not report.checks[0].ok:
            out.line(
                f"The index is not trusted: if you trust it, searchtui trust {index_dir}; "
                f"or rebuild it with: searchtui index --rebuild --index {index_dir}"
            )
        else:
            out.line(
                f"The index is damaged; rebuild with: "
                f"searchtui index --rebuild --index {index_dir}"
            )
    return EXIT_OK if report.sound else EXIT_ERROR


def cmd_trust(args) -> int:
    from searchtui.check import trust_index

    index_dir = Path(args.dir) if args.dir else _index_dir(args, _config(args))
    printer = CheckPrinter(sys.stderr)
    try:
        report = trust_index(index_dir, printer)
    finally:
        printer.finish()
    out = Out(sys.stdout)
    for line in report.lines():
        out.line(line)
    if report.signed:
        out.line(f"Signed the index at {index_dir} with your key: searchtui now opens it.")
        return EXIT_OK
    out.line(
        f"Not signed: the index is damaged; rebuild with: "
        f"searchtui index --rebuild --index {index_dir}"
    )
    return EXIT_ERROR


def _saved(args):
    from searchtui.saved import SavedSearches

    return SavedSearches(_index_dir(args, _config(args)))


def cmd_saved_add(args) -> int:
    from searchtui.saved import SavedSearch, check_query

    search = SavedSearch(
        name=args.name,
        query=" ".join(args.query),
        filters=_filters_from_args(args),
        date_from=args.date_from,
        date_to=args.date_to,
    )
    with _open_engine(args) as engine:
        check_query(engine, search)  # a query that does not read is not saved
        search.seen = engine.newest_indexed()
        saved = _saved(args)
        saved.add(search, replace_old=args.replace)
    Out(sys.stdout).line(
        f"Saved {search.name!r}: {search.query or '(every article)'}"
        + (f" [{search.describe_filters()}]" if search.describe_filters() else "")
    )
    return EXIT_OK


def cmd_saved_list(args) -> int:
    from searchtui.saved import summarise

    saved = _saved(args)
    searches = saved.load()
    with _open_engine(args) as engine:
        summaries = [summarise(engine, s) for s in searches]
    if args.json:
        sys.stdout.write(json_text({"saved": [s.to_dict() for s in summaries]}, indent=1) + "\n")
        return EXIT_OK
    out = Out(sys.stdout)
    if not summaries:
        out.line("No saved searches; save one with: searchtui saved add NAME QUERY")
        return EXIT_OK
    for s in summaries:
        viewed = s.search.last_viewed or "never"
        if s.error is not None:
            counts = "query no longer reads"
        else:
            counts = f"{s.total:,} total, {s.new:,} new"
        out.line(out.bold(s.search.name), f"  {s.search.query or '(every article)'}")
        filters = s.search.describe_filters()
        if filters:
            out.line(f"    filters: {filters}")
        out.line(f"    {counts}; last viewed: {viewed}")
        if s.error is not None:
            out.line(f"    {s.error}")
    return EXIT_OK


def cmd_saved_show(args) -> int:
    from searchtui.saved import run

    saved = _saved(args)
    search = saved.get(args.name)
    with _open_engine(args) as engine:
        result = run(
            engine, search, only_new=args.new, page=args.page, page_size=args.limit,
            sort=args.sort, facets=(), histogram=False,
        )
        newest = engine.newest_indexed()
    if not args.peek:
        saved.mark_viewed(search.name, newest)
    if args.json:
        data = {
            "name": search.name,
            "filters": search.filters_dict(),
            "last_viewed": search.last_viewed,
            **result.to_dict(),
        }
        sys.stdout.write(json_text(data, indent=1) + "\n")
        return EXIT_OK
    out = Out(sys.stdout)
    first = (args.page - 1) * args.limit + 1
    what = "new article" if args.new else "article"
    n = result.total
    out.line(
        out.bold(search.name), f": {n:,} {what}{'s' if n != 1 else ''}",
        f" ({result.new:,} new since {search.last_viewed or 'it was saved'})" if not args.new
        else f" since {search.last_viewed or 'it was saved'}",
    )
    if result.notice:
        out.line(f"Note: {result.notice}")
    _print_hits(result, first, out)
    return EXIT_OK


def cmd_saved_rm(args) -> int:
    _saved(args).remove(args.name)
    Out(sys.stdout).line(f"Removed the saved search {args.name!r}")
    return EXIT_OK


def cmd_tui(args) -> int:
    config = _config(args)
    from searchtui.tui.app import run

    return run(_index_dir(args, config), config)


# ---------------------------------------------------------------------------
# Arguments


class _DateOption(argparse.Action):
    """--from (the first day of the period typed) or --to (its last day); the text is kept too.

    The text is what a range that ends before it starts is refused with, as in a query.
    """

    def __call__(self, parser, namespace, values, option_string=None):
        try:
            first, last = parse_date_period(values)
        except DateRangeError as exc:
            raise argparse.ArgumentError(self, str(exc)) from None
        setattr(namespace, self.dest, first if self.const == "first" else last)
        setattr(namespace, f"{self.dest}_text", values.strip())


def _whole_number(text: str, least: int) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if n < least:
        raise argparse.ArgumentTypeError(f"must be {least} or more")
    return n


def _positive(text: str) -> int:
    return _whole_number(text, 1)


def _non_negative(text: str) -> int:
    return _whole_number(text, 0)


class _Version(argparse.Action):
    """--version: the version, whether the entity engine and the counting loops run
    compiled, and which Whoosh."""

    def __init__(
        self,
        option_strings,
        dest=argparse.SUPPRESS,
        default=argparse.SUPPRESS,
        help="show the version and exit",
    ):
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        from .kernels import build
        from .ner import engine_build
        from .whooshext import describe

        print(f"searchtui {__version__} (entity engine: {engine_build()}; counting: {build()})")
        print(describe())
        parser.exit()


def _common_options(default) -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--index",
        metavar="DIR",
        default=default,
        help="the index folder (default: index/, or as configured)",
    )
    common.add_argument(
        "--config",
        metavar="FILE",
        default=default,
        help="a searchtui.yaml to use instead of the one found",
    )
    return common


def _filter_options(p: argparse.ArgumentParser) -> None:
    """The facet and date filters of ``search`` (and of a saved search)."""
    p.add_argument(
        "--author", action="append", metavar="A", help="only articles by A (repeat: any of them)"
    )
    p.add_argument(
        "--publication", "--pub", action="append", metavar="P", help="only articles in P"
    )
    p.add_argument("--person", action="append", metavar="X", help="only articles naming person X")
    p.add_argument(
        "--org", action="append", metavar="X", help="only articles naming organisation X"
    )
    p.add_argument("--place", action="append", metavar="X", help="only articles naming place X")
    p.add_argument("--exclude-author", action="append", metavar="A", help="leave out articles by A")
    p.add_argument(
        "--exclude-publication", action="append", metavar="P", help="leave out articles in P"
    )
    p.add_argument(
        "--exclude-person", action="append", metavar="X", help="leave out articles naming X"
    )
    p.add_argument(
        "--exclude-org", action="append", metavar="X", help="leave out articles naming X"
    )
    p.add_argument(
        "--exclude-place", action="append", metavar="X", help="leave out articles naming X"
    )
    p.add_argument(
        "--from",
        dest="date_from",
        action=_DateOption,
        const="first",
        metavar="DATE",
        help="from this day (YYYY, YYYY-MM or YYYY-MM-DD), included",
    )
    p.add_argument(
        "--to",
        dest="date_to",
        action=_DateOption,
        const="last",
        metavar="DATE",
        help="up to this day, included",
    )


def _count_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--count",
        choices=COUNTS,
        default="articles",
        help="count articles, or stories (a story and its copies once) in facets "
        "(default: articles)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="searchtui",
        description="Full-text search over a folder of news articles. "
        "With no command, opens the interactive search app.",
        parents=[_common_options(None)],
    )
    # after a command they may be given again; left out there, those before it hold
    common = _common_options(argparse.SUPPRESS)
    parser.add_argument("--version", action=_Version)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser(
        "index",
        parents=[common],
        help="build or refresh the index",
        description="Build or refresh the index: new files are added, changed files "
        "re-indexed, vanished files removed. A second run over an unchanged corpus "
        "does nothing.",
    )
    p.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="corpus folders or files (default: the configured corpus, else the folders the "
        "index was built from, else corpus/)",
    )
    p.add_argument("--rebuild", action="store_true", help="start from scratch instead of updating")
    p.add_argument(
        "--yes",
        "-y",
        action="store_true",
        help="go ahead even if the run drops more than half of the index's articles",
    )
    p.add_argument(
        "--workers",
        type=_non_negative,
        default=None,
        metavar="N",
        help="worker processes (default, or 0: one per core); never more than the cores, "
        "nor more than one per 64 files",
    )
    p.add_argument("--quiet", "-q", action="store_true", help="no progress output")
    p.add_argument(
        "--watch",
        action="store_true",
        help="then follow the folders: index new, changed and deleted files in batches, "
        "one line each, until Ctrl+C",
    )
    p.add_argument(
        "--show-skipped",
        type=int,
        default=10,
        metavar="N",
        help="list at most N skipped files (default 10)",
    )
    p.set_defaults(func=cmd_index)

    p = sub.add_parser(
        "search",
        parents=[common],
        help="search the index and print the hits",
        description="Search the index. An empty query lists every article, newest first.",
    )
    p.add_argument(
        "query",
        nargs="*",
        default=[],
        metavar="QUERY",
        help="the query, e.g. 'putin \"white house\" -trump date:2016' (several words "
        "are joined; a query that starts with - goes after --)",
    )
    _filter_options(p)
    p.add_argument(
        "--sort", choices=SORTS, default="relevance", help="order of the hits (default: relevance)"
    )
    p.add_argument(
        "--limit", "-n", type=_positive, default=10, metavar="N", help="hits per page (default 10)"
    )
    p.add_argument(
        "--page", type=_positive, default=1, metavar="N", help="which page of hits (default 1)"
    )
    p.add_argument(
        "--facets", action="store_true", help="also print facet counts and the date histogram"
    )
    p.add_argument(
        "--facet-limit",
        type=_positive,
        default=10,
        metavar="N",
        help="values per facet (default 10)",
    )
    p.add_argument(
        "--collapse",
        action="store_true",
        help="one hit per story (its best-ranked copy), with the story's other copies",
    )
    _count_option(p)
    p.add_argument(
        "--similar",
        metavar="PATH",
        help="articles like this one (its path, as printed) instead of a query",
    )
    output = p.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print one JSON object")
    output.add_argument(
        "--format",
        choices=FORMATS,
        help="write every hit (not one page) as JSON Lines, CSV or Markdown, "
        "with the columns of the app's export (default with --output: from its "
        "extension)",
    )
    p.add_argument(
        "--output", "-o", metavar="FILE", help="write the export to FILE instead of standard output"
    )
    p.set_defaults(func=cmd_search)

    p = sub.add_parser(
        "saved",
        parents=[common],
        help="saved searches, and what is new in them",
        description="Saved searches of the index: a name for a query with its filters. "
        "An article is new in a saved search when it was first indexed after the search was "
        "last viewed (an article indexed again when its file changes is not new).",
    )
    saved = p.add_subparsers(dest="saved_command", metavar="ACTION", required=True)
    q = saved.add_parser(
        "add",
        parents=[common],
        help="save a search",
        description="Save a search under a name, with the filter flags of search.",
    )
    q.add_argument("name", metavar="NAME", help="the name to save it under")
    q.add_argument(
        "query", nargs="*", default=[], metavar="QUERY",
        help="the query (several words are joined; a query that starts with - goes after --)",
    )
    _filter_options(q)
    q.add_argument("--replace", action="store_true", help="replace a search saved as NAME")
    q.set_defaults(func=cmd_saved_add)
    q = saved.add_parser(
        "list",
        parents=[common],
        help="the saved searches with their total and new hits",
        description="The saved searches with their total and new hits and when each was last "
        'viewed. With --json: {"saved": [{"name", "query", "filters", "total", "new", '
        '"last_viewed"}]}.',
    )
    q.add_argument("--json", action="store_true", help="print one JSON object")
    q.set_defaults(func=cmd_saved_list)
    q = saved.add_parser(
        "show",
        parents=[common],
        help="the hits of a saved search, the new ones first; marks it viewed",
    )
    q.add_argument("name", metavar="NAME", help="the saved search")
    q.add_argument("--new", action="store_true", help="only the new hits")
    q.add_argument("--peek", action="store_true", help="do not mark the search viewed")
    q.add_argument(
        "--sort", choices=SORTS, default="relevance", help="order of the hits (default: relevance)"
    )
    q.add_argument(
        "--limit", "-n", type=_positive, default=10, metavar="N", help="hits per page (default 10)"
    )
    q.add_argument(
        "--page", type=_positive, default=1, metavar="N", help="which page of hits (default 1)"
    )
    q.add_argument("--json", action="store_true", help="print one JSON object")
    q.set_defaults(func=cmd_saved_show)
    q = saved.add_parser("rm", parents=[common], help="remove a saved search")
    q.add_argument("name", metavar="NAME", help="the saved search")
    q.set_defaults(func=cmd_saved_rm)

    p = sub.add_parser(
        "facets",
        parents=[common],
        help="list the values of one facet, with counts",
        description="List the values of one facet (for long lists: narrow them with --prefix).",
    )
    p.add_argument("field", choices=FACET_FIELDS, help="the facet")
    p.add_argument(
        "--query",
        "-q",
        default="",
        help="count over the hits of this query (default: all articles)",
    )
    p.add_argument(
        "--prefix", default="", metavar="TEXT", help="values starting with (or containing) TEXT"
    )
    p.add_argument(
        "--limit",
        "-n",
        type=_positive,
        default=50,
        metavar="N",
        help="at most N values (default 50)",
    )
    _count_option(p)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_facets)

    p = sub.add_parser(
        "duplicates",
        parents=[common],
        help="list the stories with copies in the index, largest first",
        description="List the stories of the index: articles whose bodies are near-identical "
        "copies of each other (syndicated, lightly edited), largest first.",
    )
    p.add_argument(
        "--min-copies",
        type=_positive,
        default=2,
        metavar="N",
        help="only stories of at least N articles (default 2)",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_duplicates)

    p = sub.add_parser("stats", parents=[common], help="what the index holds")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_stats)

    p = sub.add_parser(
        "check",
        parents=[common],
        help="verify the index completely",
        description="Verify the index completely: its signature, every file's size and "
        "checksum, every posting block and stored document, the array cache. Exit status 0 "
        "when the index is sound, 1 when it is damaged or not trusted.",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser(
        "trust",
        parents=[common],
        help="sign an index from elsewhere with your key, after a full check",
        description="searchtui opens only indexes that your searchtui wrote (they are "
        "signed with a key of yours): reading an index runs code stored in it. For an index "
        "you got from elsewhere and trust, this checks it completely and signs it.",
    )
    p.add_argument(
        "dir", nargs="?", metavar="DIR", help="the index folder (default: --index, or index/)"
    )
    p.set_defaults(func=cmd_trust)

    p = sub.add_parser(
        "entities",
        parents=[common],
        help="show the people, organisations and places found in a text",
    )
    p.add_argument(
        "file",
        nargs="?",
        default="-",
        metavar="FILE",
        help="a text file, or - for standard input (default)",
    )
    p.add_argument("--json", action="store_true", help="print a JSON list")
    p.set_defaults(func=cmd_entities)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", cmd_tui)
    err = Out(sys.stderr)
    try:
        return func(args)
    except QueryError as exc:
        err.line(f"searchtui: bad query: {exc}")
        return EXIT_ERROR
    except SearchtuiError as exc:
        err.line(f"searchtui: {exc}")
        return EXIT_ERROR
    except KeyboardInterrupt:
        err.line("searchtui: interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # e.g. `searchtui search x | head`: stop quietly
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return EXIT_OK

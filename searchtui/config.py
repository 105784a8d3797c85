"""Settings a user sets once, from an optional ``searchtui.yaml``.

Looked up in this order: the path given with ``--config`` (or the
``SEARCHTUI_CONFIG`` environment variable), ``./searchtui.yaml`` in the working
directory, then ``$XDG_CONFIG_HOME/searchtui/searchtui.yaml``. Command-line
flags override what the file says. Only the safe YAML loader is used, with
bounds on nesting and aliases (:mod:`searchtui.untrusted`).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from searchtui.articles import COLUMN_FIELDS
from searchtui.errors import ConfigError
from searchtui.untrusted import quoted, read_yaml_file

CONFIG_NAME = "searchtui.yaml"
EXTRACTORS = ("rules", "spacy", "none")


@dataclass
class Config:
    #: folders or files to index when ``searchtui index`` is given no paths
    corpus: list[str] = field(default_factory=lambda: ["corpus"])
    #: where the index lives
    index: str = "index"
    #: for CSV and JSON Lines corpora: our field name -> the column that holds it
    columns: dict[str, str] = field(default_factory=dict)
    #: a YAML file of entity aliases and names never to extract
    entities: str | None = None
    #: entity extractor backend: rules (default), spacy (extra), none
    extractor: str = "rules"
    #: files larger than this many MiB are skipped (CSV/JSONL files are read row by row)
    max_file_mb: float = 20.0
    #: keep a copy of every article's text in the index, so that it reads without the
    #: corpus files (else only rows of CSV and JSON Lines files are kept)
    store_text: bool = False
    #: worker processes for indexing (0: one per core)
    workers: int = 0
    #: the app reloads an index that changed on disk by itself when nothing is selected
    #: or being typed (else it offers to)
    auto_reload: bool = False
    #: whether the app opens with copies grouped into stories (one hit per story)
    collapse: bool = True
    #: where this configuration came from (None: built-in defaults)
    source: str | None = None
    #: the keys the file set (the others are defaults)
    given: tuple[str, ...] = field(default=(), compare=False)

    def resolve(self, path: str) -> Path:
        """A path from the file is relative to the file's folder."""
        p = Path(os.path.expanduser(path))
        if not p.is_absolute() and self.source:
            p = Path(self.source).parent / p
        return p


_TYPES: dict[str, tuple[type, ...]] = {
    "corpus": (list, str),
    "index": (str,),
    "columns": (dict,),
    "entities": (str, type(None)),
    "extractor": (str,),
    "max_file_mb": (int, float),
    "store_text": (bool,),
    "workers": (int,),
    "auto_reload": (bool,),
    "collapse": (bool,),
}

def xdg_config_home() -> Path:
    return Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")


def xdg_state_home() -> Path:
    return Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")


def find_config(explicit: str | None = None, cwd: str | None = None) -> Path | None:
    """The configuration file to use, or None for the defaults."""
    explicit = explicit or os.environ.get("SEARCHTUI_CONFIG")
    if explicit:
        p = Path(explicit).expanduser()
        if not p.exists():
            raise ConfigError(f"{p}: configuration file not found")
        return p
    local = Path(cwd or os.getcwd()) / CONFIG_NAME
    if local.is_file():
        return local
    user = xdg_config_home() / "searchtui" / CONFIG_NAME
    if user.is_file():
        return user
    return None


def load_config(explicit: str | None = None, cwd: str | None = None) -> Config:
    path = find_config(explicit, cwd)
    if path is None:
        return Config()
    return config_from_mapping(read_yaml_file(path, "configuration file"), str(path))


def config_from_mapping(data: Any, source: str) -> Config:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: expected a mapping of settings, got {type(data).__name__}")
    known = {f.name for f in fields(Config)} - {"source", "given"}
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key not in known:
            raise ConfigError(
                f"{source}: unknown key {quoted(key, source)}"
                f" (known keys: {', '.join(sorted(known))})"
            )
        types = _TYPES[key]
        if (isinstance(value, bool) and bool not in types) or not isinstance(value, types):
            want = " or ".join("null" if t is type(None) else t.__name__ for t in types)
            raise ConfigError(f"{source}: key {key!r} must be {want}, got {type(value).__name__}")
        values[key] = value
    if isinstance(values.get("corpus"), str):
        values["corpus"] = [values["corpus"]]
    for item in values.get("corpus", []):
        if not isinstance(item, str):
            raise ConfigError(f"{source}: key 'corpus' must list paths as strings")
    for ckey, cval in values.get("columns", {}).items():
        if ckey not in COLUMN_FIELDS:
            raise ConfigError(
                f"{source}: key 'columns.{ckey}' is not a field"
                f" (fields: {', '.join(COLUMN_FIELDS)})"
            )
        if not isinstance(cval, str):
            raise ConfigError(f"{source}: key 'columns.{ckey}' must be a column name (str)")
    if values.get("extractor", "rules") not in EXTRACTORS:
        raise ConfigError(
            f"{source}: key 'extractor' must be one of {', '.join(EXTRACTORS)}, "
            f"got {quoted(values['extractor'], source)}"
        )
    if "max_file_mb" in values and not (
        math.isfinite(values["max_file_mb"]) and values["max_file_mb"] > 0
    ):
        raise ConfigError(f"{source}: key 'max_file_mb' must be positive (a finite number of MiB)")
    if "workers" in values and values["workers"] < 0:
        raise ConfigError(f"{source}: key 'workers' must be 0 or more")
    return Config(**values, source=source, given=tuple(values))

"""Alias tables: which spellings name one entity, and names never to extract.

The default table ships as ``searchtui/data/entities.yaml``; a user's file has
the same layout and is laid over it::

    people:                       # or organisations, places
      Donald Trump: [Trump, Donald J. Trump]
    organisations:
      European Commission: [EC]   # undated: any article, and articles without a date
      European Community:         # dated: articles of those days (both included)
        - {name: EC, until: 1993-10-31}
    never: [Tuesday, Prime]

An alias is a name, or a mapping with ``name`` and ``from`` and/or ``until``
(dates as YYYY-MM-DD): within that range it wins over the spelling's undated
name; outside it, and for articles without a date, the undated name holds.
Two ranges of one spelling may not overlap. A file laid over another replaces
a spelling's undated name when it gives one, and its dated names when it gives
any.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..untrusted import load_yaml, quoted, read_yaml_file

#: section of an alias file -> entity type
SECTIONS = {"people": "PERSON", "organisations": "ORG", "places": "PLACE"}
#: other spellings accepted for the sections
SECTION_SYNONYMS = {
    "persons": "people",
    "person": "people",
    "organizations": "organisations",
    "orgs": "organisations",
    "org": "organisations",
    "place": "places",
    "locations": "places",
}


_DATED_KEYS = ("name", "from", "until")


@dataclass(frozen=True)
class DatedAlias:
    """A spelling's name for the articles of a range of days (either end may be open)."""

    start: _dt.date | None
    end: _dt.date | None
    etype: str
    canonical: str

    def covers(self, day: _dt.date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)

    def overlaps(self, other: DatedAlias) -> bool:
        lo = max(self.start or _dt.date.min, other.start or _dt.date.min)
        hi = min(self.end or _dt.date.max, other.end or _dt.date.max)
        return lo <= hi

    def describe(self, source: str) -> str:
        """The range and the name, for a message about the file ``source``."""
        start = self.start.isoformat() if self.start else "any day"
        end = self.end.isoformat() if self.end else "any day"
        return f"{start} to {end} (for {quoted(self.canonical, source)})"


@dataclass
class Aliases:
    #: any spelling -> (type, canonical name), whatever the article's date
    names: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: names never extracted, lower-cased (the check ignores case)
    never: set[str] = field(default_factory=set)
    #: spelling -> its names for ranges of days, which win over ``names`` within them
    dated: dict[str, list[DatedAlias]] = field(default_factory=dict)
    #: the tables of dates with dated names in force, by the names in force
    _views: dict[tuple, Aliases] = field(default_factory=dict, repr=False, compare=False)
    #: the spellings whose dated names the file being laid over gives
    _replaced: set[str] = field(default_factory=set, repr=False, compare=False)

    def lookup(self, name: str) -> tuple[str, str] | None:
        return self.names.get(name)

    def on(self, day: _dt.date | None) -> Aliases:
        """The table for an article of ``day``: spellings with a dated name in force then
        stand for it. Itself when none is (and for an article without a date)."""
        if day is None or not self.dated:
            return self
        active = tuple(
            (spelling, alias)
            for spelling in sorted(self.dated)
            for alias in self.dated[spelling]
            if alias.covers(day)
        )
        if not active:
            return self
        view = self._views.get(active)
        if view is None:
            names = dict(self.names)
            names.update((spelling, (a.etype, a.canonical)) for spelling, a in active)
            view = Aliases(names, self.never)
            self._views[active] = view
        return view

    def is_never(self, name: str) -> bool:
        return name.lower() in self.never

    def merge(self, data: dict[str, Any], source: str) -> None:
        """Lay the parsed contents of an alias file over this table."""
        if data is None:
            return
        self._replaced = set()
        if not isinstance(data, dict):
            raise ConfigError(
                f"{source}: expected a mapping with people, organisations, places or never, "
                f"got {type(data).__name__}"
            )
        for key, value in data.items():
            section = SECTION_SYNONYMS.get(str(key).lower(), str(key).lower())
            if section == "never":
                self._merge_never(value, source)
            elif section in SECTIONS:
                self._merge_section(SECTIONS[section], value, f"{source}: {key}", source)
            else:
                raise ConfigError(
                    f"{source}: unknown section {quoted(key, source)} "
                    "(known: people, organisations, places, never)"
                )

    def _merge_never(self, value: Any, source: str) -> None:
        if value is None:
            return
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{source}: 'never' must be a list of names")
        for name in value:
            name = name.strip()
            if name:
                self.never.add(name.lower())

    def _merge_section(self, etype: str, value: Any, where: str, source: str) -> None:
        if value is None:
            return
        if isinstance(value, list):  # a plain list of names of this type
            value = {v: [] for v in value if isinstance(v, str)} if all(
                isinstance(v, str) for v in value
            ) else None
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: expected a mapping of canonical name -> list of aliases")
        for canonical, variants in value.items():
            if not isinstance(canonical, str) or not canonical.strip():
                raise ConfigError(
                    f"{where}: canonical names must be text, got {quoted(canonical, source)}"
                )
            canonical = " ".join(canonical.split())
            if variants is None:
                variants = []
            elif isinstance(variants, (str, dict)):
                variants = [variants]
            if not isinstance(variants, list) or not all(
                isinstance(v, (str, dict)) for v in variants
            ):
                raise ConfigError(
                    f"{where}: {quoted(canonical, source)}: aliases must be a list of names"
                )
            self.names[canonical] = (etype, canonical)
            for variant in variants:
                if isinstance(variant, dict):
                    here = f"{where}: {quoted(canonical, source)}"
                    self._merge_dated(etype, canonical, variant, here, source)
                    continue
                variant = " ".join(variant.split())
                if variant:
                    self.names[variant] = (etype, canonical)

    def _merge_dated(
        self, etype: str, canonical: str, entry: dict, where: str, source: str
    ) -> None:
        unknown = [k for k in entry if k not in _DATED_KEYS]
        if unknown:
            raise ConfigError(
                f"{where}: unknown key {quoted(unknown[0], source)} in a dated alias "
                "(known: name, from, until)"
            )
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ConfigError(f"{where}: a dated alias needs a name (name: ...)")
        name = " ".join(name.split())
        where = f"{where}: {quoted(name, source)}"
        start = _date(entry.get("from"), f"{where}: from", source)
        end = _date(entry.get("until"), f"{where}: until", source)
        if start is None and end is None:
            raise ConfigError(
                f"{where}: a dated alias needs from or until (or write the name alone)"
            )
        if start is not None and end is not None and start > end:
            raise ConfigError(f"{where}: from {start} is after until {end}")
        alias = DatedAlias(start, end, etype, canonical)
        if name not in self._replaced:  # a later file's dated names replace the earlier ones
            self._replaced.add(name)
            self.dated.pop(name, None)
        entries = self.dated.setdefault(name, [])
        for other in entries:
            if other.overlaps(alias):
                raise ConfigError(
                    f"{where}: its dates {alias.describe(source)} overlap its dates "
                    f"{other.describe(source)}"
                )
        entries.append(alias)
        entries.sort(key=lambda a: (a.start or _dt.date.min, a.canonical))


def _date(value: Any, where: str, source: str) -> _dt.date | None:
    """A date of a dated alias: YAML's own, or text as YYYY-MM-DD."""
    if value is None:
        return None
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    if isinstance(value, str):
        try:
            return _dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ConfigError(f"{where}: expected a date as YYYY-MM-DD, got {quoted(value, source)}")


def _parse(text: str, source: str) -> Any:
    """The shipped alias table, parsed (it is ours: a YAML error here is a bug)."""
    return load_yaml(text)


def default_alias_text() -> str:
    return (resources.files("searchtui") / "data" / "entities.yaml").read_text(encoding="utf-8")


def load_aliases(user_file: str | Path | None = None) -> Aliases:
    """The default aliases, with the user's file (if any) laid over them."""
    aliases = Aliases()
    aliases.merge(_parse(default_alias_text(), "searchtui/data/entities.yaml"), "entities.yaml")
    if user_file is not None:
        path = Path(user_file)
        data = read_yaml_file(path, "entity alias file")
        aliases.merge(data, str(path))
    return aliases

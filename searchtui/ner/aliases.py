"""Alias tables: which spellings name one entity, and names never to extract.

The default table ships as ``searchtui/data/entities.yaml``; a user's file has
the same layout and is laid over it::

    people:                       # or organisations, places
      Donald Trump: [Trump, Donald J. Trump]
    never: [Tuesday, Prime]
"""

from __future__ import annotations

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



@dataclass
class Aliases:
    #: any spelling -> (type, canonical name)
    names: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: names never extracted, lower-cased (the check ignores case)
    never: set[str] = field(default_factory=set)

    def lookup(self, name: str) -> tuple[str, str] | None:
        return self.names.get(name)

    def is_never(self, name: str) -> bool:
        return name.lower() in self.never

    def merge(self, data: dict[str, Any], source: str) -> None:
        """Lay the parsed contents of an alias file over this table."""
        if data is None:
            return
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
            elif isinstance(variants, str):
                variants = [variants]
            if not isinstance(variants, list) or not all(isinstance(v, str) for v in variants):
                raise ConfigError(
                    f"{where}: {quoted(canonical, source)}: aliases must be a list of names"
                )
            self.names[canonical] = (etype, canonical)
            for variant in variants:
                variant = " ".join(variant.split())
                if variant:
                    self.names[variant] = (etype, canonical)


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

"""Which facet values a typed name stands for, in ``author:``, ``pub:``, ``person:``,
``org:`` and ``place:`` (one rule for every facet field).

- Unquoted, a name matches every value holding its words one after the other
  (``person:clinton`` is "Clinton", "Bill Clinton" and "Hillary Clinton").
- Quoted, it matches the value spelled so (``person:"hillary clinton"``).
- Either way case and accents do not count, and the entity alias table joins
  the other spellings of the entity named: ``place:us`` and ``place:"u.s."`` are
  "United States" too, because the table lists "US" and "U.S." as its spellings.
  Authors are looked up among its people, publications among its organisations.
"""

from __future__ import annotations

from searchtui.facets import FacetIndex
from searchtui.ner.aliases import Aliases
from searchtui.schema import fold_name

#: entity type -> the facet fields whose values are names of that type
FIELDS_OF_TYPE = {
    "PERSON": ("people", "authors"),
    "ORG": ("organisations", "publication"),
    "PLACE": ("places",),
}


class NameTable:
    """An alias table, folded for lookups: (field, spelling) -> every spelling of the
    entities of that field known by it."""

    def __init__(self, aliases: Aliases):
        entities: dict[tuple[str, str], set[str]] = {}
        for spelling, (etype, canonical) in aliases.names.items():
            for field in FIELDS_OF_TYPE.get(etype, ()):
                group = entities.setdefault((field, canonical), {fold_name(canonical)})
                group.add(fold_name(spelling))
        self._spellings: dict[tuple[str, str], frozenset[str]] = {}
        for (field, _), group in sorted(entities.items()):
            frozen = frozenset(group)
            for name in group:
                # one spelling of two entities ("Washington") stands for both
                had = self._spellings.get((field, name))
                self._spellings[(field, name)] = frozen if had is None else had | frozen

    def spellings(self, field: str, name: str) -> frozenset[str]:
        """The folded spellings of what ``name`` (folded) names in ``field``, itself included."""
        return self._spellings.get((field, name), frozenset({name}))


def matching_values(
    fidx: FacetIndex, text: str, *, quoted: bool, names: NameTable | None
) -> list[int]:
    """Ids of the values of ``fidx`` that ``text`` (as typed after the field) names."""
    name = fold_name(text)
    if not name:
        return []
    spellings = names.spellings(fidx.name, name) if names is not None else frozenset({name})
    named = fidx.named(spellings)
    if quoted:
        return named
    return sorted(set(named).union(fidx.with_words(name.split())))

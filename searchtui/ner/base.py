"""What every entity extraction backend is: the ``Extractor`` base class.

A backend finds mentions in a text (``extract``); the base class turns them
into an article's facet values, with the names its front matter gives.
"""

from __future__ import annotations

import copy
import datetime as _dt
import threading

from ..models import ENTITY_FIELDS, ENTITY_TYPES, Article, Mention
from .aliases import SECTION_SYNONYMS, SECTIONS, Aliases, load_aliases


class Extractor:
    """Finds PERSON, ORG and PLACE mentions in text."""

    name = "base"

    def __init__(self, aliases: Aliases | None = None):
        self.aliases = aliases if aliases is not None else load_aliases()
        self._dated: dict[int, Extractor] = {}
        self._dated_lock = threading.Lock()

    def on_date(self, day: _dt.date | None) -> Extractor:
        """This extractor with the alias table in force for an article of ``day`` (its
        dated aliases, see ``aliases``); itself when no dated alias is in force then."""
        aliases = self.aliases.on(day)
        if aliases is self.aliases:
            return self
        with self._dated_lock:
            found = self._dated.get(id(aliases))
            if found is None:
                found = copy.copy(self)
                found.aliases = aliases
                found._dated = {}
                found._dated_lock = threading.Lock()
                found._use_aliases()
                self._dated[id(aliases)] = found
        return found

    def _use_aliases(self) -> None:
        """Take up ``self.aliases`` after it changed (a backend holding tables of it)."""

    def extract(self, text: str) -> list[Mention]:
        """Mentions in text order, with type, character offsets and canonical name."""
        raise NotImplementedError

    def _pairs(self, text: str) -> list[tuple[str, str]]:
        """(type, canonical name) of each mention in the text."""
        return [(m.type, m.canonical) for m in self.extract(text)]

    def _names(self, text: str) -> dict[str, set[str]]:
        """Type -> the canonical names of that type in the text."""
        found: dict[str, set[str]] = {t: set() for t in ENTITY_TYPES}
        for etype, canonical in self._pairs(text):
            found[etype].add(canonical)
        return found

    def article_entities(self, article: Article) -> dict[str, list[str]]:
        """Facet field -> sorted unique canonical names, for title and body.

        The byline is not read. The article's own ``entities`` (from YAML front
        matter) are added, canonicalised through the same aliases, those in
        force on the article's date.
        """
        dated = self.on_date(article.date)
        if dated is not self:
            return dated.article_entities(article)
        title = (article.title or "").strip()
        body = article.body or ""
        text = f"{title}\n\n{body}" if title else body
        found = {ENTITY_TYPES[etype]: names for etype, names in self._names(text).items()}
        for key, values in (article.entities or {}).items():
            field = _facet_field(key)
            if field is None:
                continue
            if isinstance(values, str):
                values = [values]
            for value in values or ():
                if not isinstance(value, str):
                    continue
                name = " ".join(value.split())
                if not name or self.aliases.is_never(name):
                    continue
                hit = self.aliases.lookup(name)
                same_type = hit is not None and ENTITY_TYPES[hit[0]] == field
                found[field].add(hit[1] if hit is not None and same_type else name)
        return {f: sorted(found[f]) for f in ENTITY_FIELDS}


def _facet_field(key: str) -> str | None:
    k = str(key).lower()
    k = SECTION_SYNONYMS.get(k, k)
    if k in SECTIONS:
        return k
    upper = str(key).upper()
    if upper in ENTITY_TYPES:
        return ENTITY_TYPES[upper]
    return None

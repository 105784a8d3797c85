"""The Whoosh schema and analyzer of a searchtui index.

Whoosh pickles the schema into the index, so the classes defined here must
keep this import path and these names; a change that alters what is indexed
bumps SCHEMA_VERSION, and older indexes are then refused with an instruction
to rebuild.

The body and title use one analyzer, built from Whoosh's own parts (so the
query parser and the highlighter see exactly what the index holds), and a
fast path that produces the same terms and positions in one pass when
indexing (Whoosh's token-by-token generator chain is the larger part of the
cost of an index run).
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections import defaultdict

from whoosh import fields
from whoosh.analysis import (
    STOP_WORDS,
    CharsetFilter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.lang.porter import stem as porter_stem
from whoosh.support.charset import accent_map

SCHEMA_VERSION = 2

TOKEN_PATTERN = r"\w+(?:\.?\w+)*"
STOPWORDS = frozenset(STOP_WORDS)
MIN_TOKEN = 2

#: Title terms weigh this much more than body terms in ranking.
TITLE_BOOST = 2.5


def make_analyzer():
    """The text analyzer: words, lower case, accents folded, stop words out, stemmed."""
    return (
        RegexTokenizer(TOKEN_PATTERN)
        | LowercaseFilter()
        | CharsetFilter(accent_map)
        | StopFilter(stoplist=STOPWORDS, minsize=MIN_TOKEN)
        | StemFilter(stemfn=porter_stem, cachesize=-1)
    )


_token_re = re.compile(TOKEN_PATTERN, re.UNICODE)
_stem_cache: dict[str, str | None] = {}
#: Not in the cache: a string no word of the tokenizer can be.
_MISSING = "\x00"


def normalise_word(word: str) -> str | None:
    """What the analyzer turns one tokenizer word into (None: dropped)."""
    found = _stem_cache.get(word)
    if found is not None or word in _stem_cache:
        return found
    w = word.lower()
    if not w.isascii():
        w = w.translate(accent_map)
    if w in STOPWORDS or len(w) < MIN_TOKEN:
        result = None
    else:
        result = porter_stem(w)
    if len(_stem_cache) < 2_000_000:
        _stem_cache[word] = result
    return result


def analyse_positions(text: str) -> dict[str, list[int]]:
    """Terms of ``text`` with their token positions, as the analyzer gives them."""
    poses: dict[str, list[int]] = defaultdict(list)
    cache = _stem_cache
    missing = _MISSING
    pos = -1
    # Like Whoosh's StopFilter: the first kept word keeps its position, the
    # ones after it are numbered on without the dropped words.
    for i, word in enumerate(_token_re.findall(text)):
        term = cache.get(word, missing)
        if term is missing:
            term = normalise_word(word)
        if term is not None:
            pos = i if pos < 0 else pos + 1
            poses[term].append(pos)
    return poses


def iter_term_spans(text: str):
    """(term, start, end) for each indexed word of ``text``, for highlighting."""
    norm = normalise_word
    for m in _token_re.finditer(text):
        term = norm(m.group())
        if term is not None:
            yield term, m.start(), m.end()


_finders: dict[frozenset, re.Pattern] = {}
_accented = re.compile(
    "[" + "".join(f"\\U{c:08x}" for c in sorted(accent_map) if c > 127) + "]"
)


def _finder(terms: frozenset) -> re.Pattern:
    """A pattern for the tokenizer's words that may analyse to one of ``terms``.

    A stem is mostly a prefix of its words, but for the last letter or two
    ("happi" for "happy"), so a word is a candidate when it starts with the
    stem less its last letters; candidates are then checked one by one.
    """
    found = _finders.get(terms)
    if found is None:
        prefixes = set()
        for t in terms:
            cut = len(t) - 2 if len(t) > 4 else len(t) - 1 if len(t) > 2 else len(t)
            prefixes.add(re.escape(t[:cut]))
        alternation = "|".join(sorted(prefixes, key=len, reverse=True))
        found = re.compile(
            r"(?<!\w)(?<!\w\.)(?=" + alternation + r")" + TOKEN_PATTERN, re.IGNORECASE
        )
        if len(_finders) > 512:
            _finders.clear()
        _finders[terms] = found
    return found


def find_terms(text: str, terms) -> list[tuple[int, int, str]]:
    """(start, end, term) for the words of ``text`` that the analyzer turns into one of ``terms``.

    The same answer as filtering ``iter_term_spans``, without analysing every word.
    """
    if not terms:
        return []
    terms = frozenset(terms)
    # Accent folding keeps the length of the text, so spans stay valid.
    folded = text.translate(accent_map) if not text.isascii() and _accented.search(text) else text
    norm = normalise_word
    out = []
    for m in _finder(terms).finditer(folded):
        s, e = m.span()
        term = norm(text[s:e])
        if term is not None and term in terms:
            out.append((s, e, term))
    return out


def fold(text: str) -> str:
    """Lower case with accents removed: how facet values are matched by typed text."""
    text = unicodedata.normalize("NFKC", text).lower()
    return text.translate(accent_map) if not text.isascii() else text


#: The words of a name, as names are compared (and values are matched by their words).
NAME_WORD = re.compile(r"\w+")


def fold_name(text: str) -> str:
    """A name as typed or stored, as names are compared: its folded words, one space
    apart ("U.S." is "u s", "Hillary Rodham-Clinton" is "hillary rodham clinton")."""
    return " ".join(NAME_WORD.findall(fold(text)))


class NewsText(fields.TEXT):
    """A TEXT field whose indexing takes the one-pass fast path for plain strings."""

    def index(self, value, **kwargs):
        if not isinstance(value, str):
            yield from super().index(value, **kwargs)
            return
        encode = self.format.encode
        boost = self.format.field_boost
        for term, poslist in analyse_positions(value).items():
            yield term.encode("utf-8"), len(poslist), len(poslist) * boost, encode(poslist)


class ExactSet(fields.KEYWORD):
    """Exact, case-kept values (authors, publication, entity names), several per article.

    Indexed from a list of strings, one term per value; stored as the list.
    """

    def __init__(self):
        super().__init__(stored=True, lowercase=False, commas=True, scorable=False)


class Evidence(fields.KEYWORD):
    """Exact terms that are not shown, only counted over the corpus (see ``canonical``)."""

    def __init__(self):
        super().__init__(stored=False, lowercase=False, commas=True, scorable=False)


def make_schema() -> fields.Schema:
    analyzer = make_analyzer()
    return fields.Schema(
        key=fields.ID(stored=True, unique=True),
        path=fields.ID(stored=True),
        hash=fields.ID(stored=True),
        title=NewsText(analyzer=analyzer, stored=True, phrase=True, field_boost=TITLE_BOOST),
        body=NewsText(analyzer=analyzer, stored=True, phrase=True),
        authors=ExactSet(),
        publication=ExactSet(),
        date=fields.ID(stored=True, sortable=True),
        url=fields.STORED(),
        people=ExactSet(),
        organisations=ExactSet(),
        places=ExactSet(),
        acronyms=Evidence(),
    )


def compress_body(text: str) -> bytes:
    """The body as stored: the whole text, compressed (bodies are most of an index's size)."""
    return zlib.compress(text.encode("utf-8"), 1)


def stored_body(value) -> str:
    """The stored body back as text."""
    if isinstance(value, bytes):
        return zlib.decompress(value).decode("utf-8")
    return value or ""


#: Fields holding exact facet values.
FACET_INDEX_FIELDS = ("authors", "publication", "people", "organisations", "places")
TEXT_FIELDS = ("title", "body")
#: The acronyms each article spells out, as ``canonical.evidence_terms`` writes them.
EVIDENCE_FIELD = "acronyms"

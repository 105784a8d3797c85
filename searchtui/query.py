"""The query language: what a typed query means, before any index is asked.

Dates (``date:``, ``after:``, ``before:`` and kin) are taken out of the text
and read by :mod:`searchtui.dates`; ``entity:`` stands for every entity field;
quotes and brackets left open are closed; the rest goes to Whoosh's parser
with field aliases, ``+``/``-`` that work inside brackets and fuzzy terms.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable
from typing import Any

from whoosh import query as wq
from whoosh.qparser import (
    FieldAliasPlugin,
    FuzzyTermPlugin,
    GtLtPlugin,
    MultifieldParser,
    PhrasePlugin,
    PlusMinusPlugin,
)
from whoosh.qparser import syntax as qsyntax

from searchtui.dates import parse_date_period, parse_date_range
from searchtui.errors import DateRangeError, QueryError
from searchtui.models import ENTITY_FIELDS, SearchRequest
from searchtui.schema import FACET_INDEX_FIELDS, TEXT_FIELDS, normalise_word
from searchtui.whooshext import PhrasePositionsPlugin, is_null_query

MAX_QUERY_CHARS = 2000

FIELD_ALIASES = {
    "title": ["headline"],
    "authors": ["author", "by", "byline"],
    "publication": ["pub", "source", "outlet", "publisher"],
    "people": ["person", "who"],
    "organisations": ["org", "organisation", "organization", "organizations"],
    "places": ["place", "location", "where"],
    "body": ["text", "content"],
}

DateRange = tuple[_dt.date | None, _dt.date | None]

_DATE_TOKEN = re.compile(
    r"(?<![\w:])(date|after|before|on|from|to|since|until):(\S+)", re.IGNORECASE
)
_ENTITY_TOKEN = re.compile(r'(?<![\w:])entity:("[^"]*"|\S+)', re.IGNORECASE)


# ---------------------------------------------------------------------------
# Dates typed in queries


def _intersect(current: DateRange, lo: _dt.date | None, hi: _dt.date | None) -> DateRange:
    """The date range ``current`` narrowed to [lo, hi] (None: open)."""
    a, b = current
    if lo is not None:
        a = lo if a is None else max(a, lo)
    if hi is not None:
        b = hi if b is None else min(b, hi)
    return a, b


def extract_dates(text: str) -> tuple[str, _dt.date | None, _dt.date | None]:
    """Take ``date:``, ``after:`` and ``before:`` out of a query.

    ``date:P`` is the period P (a year, month or day) or ``A..B`` (both ends
    included, either may be left open); ``after:P`` means from the start of P
    on, ``before:P`` means up to the day before P starts (``from:``/``since:``
    and ``to:``/``until:`` are inclusive of P). Returns the rest of the query
    and the date range.
    """
    rng: DateRange = (None, None)
    pieces = []
    last = 0
    for m in _DATE_TOKEN.finditer(text):
        key, value = m.group(1).lower(), m.group(2).strip('"')
        try:
            if key in ("date", "on"):
                rng = _intersect(rng, *parse_date_range(value))
            elif key in ("after", "from", "since"):
                rng = _intersect(rng, parse_date_period(value)[0], None)
            elif key == "before":
                first = parse_date_period(value)[0]
                if first == _dt.date.min:
                    raise DateRangeError(f"there is no date before {first.isoformat()}")
                rng = _intersect(rng, None, first - _dt.timedelta(days=1))
            else:  # to, until
                rng = _intersect(rng, None, parse_date_period(value)[1])
        except DateRangeError as exc:
            raise QueryError(f"{key}: {exc}", text, m.start(2)) from None
        pieces.append(text[last : m.start()])
        last = m.end()
    pieces.append(text[last:])
    return " ".join(p.strip() for p in pieces if p.strip()), rng[0], rng[1]


# ---------------------------------------------------------------------------
# Text rewritten before Whoosh reads it


def _balance(text: str) -> str:
    """Close quotes and brackets left open; drop stray closing brackets."""
    if text.count('"') % 2:
        text += '"'
    out, depth, in_quote = [], 0, False
    for ch in text:
        if ch == '"':
            in_quote = not in_quote
        elif not in_quote and ch == "(":
            depth += 1
        elif not in_quote and ch == ")":
            if depth == 0:
                continue
            depth -= 1
        out.append(ch)
    return "".join(out) + ")" * depth


_WILD_QUESTION = re.compile(r"(?<!\w)\?|\?(?!\w)")
_FIELD_PREFIX = re.compile(r"(?<![\w:.\\/])(\w+):(?=(\S?))")
_OPERATOR_WORDS = frozenset({"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"})
_LETTER_WORD = re.compile(r"[^\W\d_]+")


def _in_quotes(text: str, pos: int) -> bool:
    return text.count('"', 0, pos) % 2 == 1


def _shouted(text: str) -> bool:
    """A query of several words all in capitals, as a pasted wire headline is."""
    words = _LETTER_WORD.findall(text)
    return (
        len(words) >= 2
        and all(w.isupper() for w in words)
        and any(w not in _OPERATOR_WORDS for w in words)
    )


#: Words that open a question ("Did the Fed cut rates?", "how many troops…").
_QUESTION_OPENERS = frozenset(
    "what who whom whose which when where why how whether "
    "do does did is are was were am has have had "
    "can could shall should will would may might must "
    "what's who's where's how's when's why's "
    "don't doesn't didn't isn't aren't wasn't weren't hasn't haven't hadn't "
    "can't couldn't shouldn't won't wouldn't".split()
)
#: Words a question is built with rather than about: its openers wherever they
#: stand, pronouns and a few fillers. A question is searched for without them.
_QUESTION_WORDS = _QUESTION_OPENERS | frozenset(
    "about there any ever really actually still so much many "
    "i me my you your he him his she her it its it's we our they them their there's "
    "been being done doing".split()
)
_WORD_OR_CONTRACTION = re.compile(r"(?<![\w:+\-~*?])[^\W\d_]+(?:['’][^\W\d_]+)?(?![\w:*~?])")


def _folded(word: str) -> str:
    """A word as the question word lists hold it: lower case, a straight apostrophe."""
    return word.lower().replace("’", "'")


def _question_words_out(text: str, asked: bool) -> tuple[str, list[str]]:
    """A question's words without those it is built with, and those left out.

    ``text`` is a question when it was typed with a question mark at the end
    (``asked``), or its first word opens one and two more words follow ("did the
    fed cut rates"). Words in quotes, fields, ``+``/``-`` words and patterns are
    kept; so is the whole query when it uses operators or brackets, or when
    nothing it asks about would be left.
    """
    words = list(_WORD_OR_CONTRACTION.finditer(text))
    if not words or "(" in text or any(m.group() in _OPERATOR_WORDS for m in words):
        return text, []
    if not asked and not (_folded(text.split(None, 1)[0]) in _QUESTION_OPENERS
                          and len(text.split()) >= 3):
        return text, []
    drop: list[re.Match[str]] = []
    kept: list[re.Match[str]] = []
    for m in words:
        built_with = _folded(m.group()) in _QUESTION_WORDS and not _in_quotes(text, m.start())
        (drop if built_with else kept).append(m)
    if not drop or not any(normalise_word(m.group()) for m in kept):
        return text, []
    out, last = [], 0
    for m in drop:
        out.append(text[last : m.start()])
        last = m.end()
    out.append(text[last:])
    return " ".join("".join(out).split()), [m.group() for m in drop]


def read_as_typed(text: str, fields: frozenset[str]) -> tuple[str, list[str]]:
    """What a person typed or pasted, made into the query they meant, and notes on it.

    - A question mark that is not inside a word is punctuation ("what is
      DACA?"); inside a word it stays the one-letter wildcard.
    - Only known field names act as fields: "OPINION: Is it racist?" and "Climate
      change 2020: can …" are words. A known field with nothing after it is dropped,
      with a note.
    - A whole query of several words in capitals is words, not operators: a
      pasted wire headline's NOT and AND are part of it.
    - A question is searched for by what it asks about: "Did the Fed cut
      rates?" is "Fed cut rates" (see ``_question_words_out``), with a note.
    """
    notes: list[str] = []
    if _shouted(text):
        text = text.lower()
    end = text.rstrip()
    asked = end.endswith("?") and not _in_quotes(end, len(end) - 1)

    text = _WILD_QUESTION.sub(lambda m: m.group() if _in_quotes(text, m.start()) else " ", text)

    def field(m: re.Match[str]) -> str:
        name = m.group(1)
        if _in_quotes(text, m.start()):
            return m.group()
        if name.lower() not in fields:
            return name + " "
        if not m.group(2):
            notes.append(f"'{name}:' needs a word after it")
            return " "
        return name.lower() + ":"

    text = _FIELD_PREFIX.sub(field, text)
    text, left_out = _question_words_out(text, asked)
    if left_out:
        notes.append("read as a question: left out " + ", ".join(left_out))
    return text, notes


#: The last word of a query, with nothing after it: letters first, then letters
#: or digits, at the start or after a space or bracket (not a field's value).
_LAST_WORD = re.compile(r"(?:^|(?<=[\s(]))([^\W\d_][^\W_]*)$")
#: Words shorter than this are not completed: too many words start so (at a million
#: articles "tru*" took 4.7 s the first time, five-letter prefixes under 0.7 s).
COMPLETE_FROM = 5


def complete_last_word(text: str, known: Callable[[str], bool]) -> tuple[str, str] | None:
    """``text`` with its last word taken as the start of a word, and that word; None
    when it is kept as typed.

    For a query still being typed: its last word, not followed by a space, outside
    quotes, of ``COMPLETE_FROM`` letters or more, not a stop word, and whose term
    no article has (``known`` says which terms some article has), becomes a
    prefix ("nuclear deal nucle" searches "nucle*" for its last word).
    """
    m = _LAST_WORD.search(text)
    if m is None or _in_quotes(text, m.start()):
        return None
    word = m.group(1)
    if len(word) < COMPLETE_FROM or word in _OPERATOR_WORDS:
        return None
    term = normalise_word(word)
    if term is None or known(term):
        return None
    return text[: m.start()] + word + "*", word


def _expand_entity_prefix(text: str) -> str:
    def repl(m: re.Match[str]) -> str:
        v = m.group(1)
        return "(" + " OR ".join(f"{f}:{v}" for f in ENTITY_FIELDS) + ")"

    return _ENTITY_TOKEN.sub(repl, text)


# ---------------------------------------------------------------------------
# Parsing


class ParsedQuery:
    def __init__(
        self,
        text: str,
        query: wq.Query | None,
        date_from: _dt.date | None,
        date_to: _dt.date | None,
        notice: str | None = None,
    ):
        self.text = text
        self.query = query  # None: every article
        self.date_from = date_from
        self.date_to = date_to
        self.notice = notice  # how the query was read, when the user should know

    def dates(self, request: SearchRequest) -> DateRange:
        """The query's own dates within the request's date range."""
        return _intersect((self.date_from, self.date_to), request.date_from, request.date_to)


class _PlusMinus(PlusMinusPlugin):
    """``+word`` and ``-word`` inside brackets too, and only at the start of a
    word: Whoosh's plugin sorts the top level alone (a bracketed ``-word`` then
    fails to parse) and takes the hyphen of ``covid-19`` for a minus."""

    def __init__(self) -> None:
        super().__init__(plusexpr=r"(?<![^\s(])\+(?=\S)", minusexpr=r"(?<![^\s(])-(?=\S)")

    def do_plusminus(self, parser: Any, group: Any) -> Any:
        for i, node in enumerate(group):
            if isinstance(node, qsyntax.GroupNode):
                group[i] = self.do_plusminus(parser, node)
        out = super().do_plusminus(parser, group)
        if isinstance(out, qsyntax.AndNotGroup) and not out[0]:
            # Only excluded words, as in "(-ash) lava": Whoosh would drop them.
            return qsyntax.NotGroup([out[1]])
        return out


class _Phrase(wq.Phrase):
    """What the parser makes of quoted text. On a facet field it is a name as quoted,
    kept a one-word phrase (Whoosh would make it a term, as if typed without quotes):
    ``person:"clinton"`` is the value Clinton, ``person:clinton`` every Clinton."""

    def normalize(self) -> wq.Query:
        plain = wq.Phrase(
            self.fieldname, self.words, slop=self.slop, boost=self.boost,
            char_ranges=self.char_ranges,
        )
        if self.fieldname in FACET_INDEX_FIELDS and self.words:
            return plain
        return plain.normalize()


DATE_KEYS = frozenset({"date", "after", "before", "on", "from", "to", "since", "until"})


def field_names(schema: Any) -> frozenset[str]:
    """Every name that acts as a field in a query over ``schema``, lower case."""
    names = {name.lower() for name in schema.names()}
    names.update(alias for aliases in FIELD_ALIASES.values() for alias in aliases)
    return frozenset(names | DATE_KEYS | {"entity"})


def make_parser(schema: Any) -> Any:
    """Whoosh's parser for ``schema``, set up for searchtui's query language."""
    parser = MultifieldParser(list(TEXT_FIELDS), schema, phraseclass=_Phrase)
    parser.add_plugin(FuzzyTermPlugin())
    parser.add_plugin(_PlusMinus())
    parser.add_plugin(FieldAliasPlugin(FIELD_ALIASES))
    parser.remove_plugin_class(GtLtPlugin)
    parser.remove_plugin_class(PhrasePlugin)
    parser.add_plugin(PhrasePositionsPlugin())
    parser.field_names = field_names(schema)  # read by every parse_query
    return parser


def parse_query(parser: Any, text: str) -> ParsedQuery:
    original = text or ""
    if len(original) > MAX_QUERY_CHARS:
        raise QueryError(
            f"the query is too long ({len(original)} characters; at most {MAX_QUERY_CHARS})",
            original,
            MAX_QUERY_CHARS,
        )
    typed, notes = read_as_typed(original, parser.field_names)
    rest, dfrom, dto = extract_dates(typed)
    rest = _balance(_expand_entity_prefix(rest)).strip()
    if rest in ("", "*", "*:*"):
        notice = None
        if re.search(r"\w", extract_dates(original)[0]) or notes or (
            original.strip() and not (dfrom or dto) and original.strip() not in ("*", "*:*")
        ):
            every = "every article of those dates" if dfrom or dto else "every article"
            notice = "; ".join(notes + [f"no words to search for: showing {every}"])
        return ParsedQuery(original, None, dfrom, dto, notice=notice)
    try:
        q = parser.parse(rest, normalize=False)
    except Exception as exc:  # Whoosh's parser raises assorted errors on odd input
        raise QueryError(f"cannot understand the query: {exc}", original, None) from None
    if isinstance(q, wq.AndNot) and is_null_query(q.a.normalize()):
        # Only excluded words ("-word"): every article without them. Whoosh
        # would reduce this to a query matching nothing.
        q = wq.Not(q.b)
    q = q.normalize()
    if is_null_query(q):
        if re.search(r"\w", rest):
            # Only stop words or a lone operator: every article, and say why.
            return ParsedQuery(
                original, None, dfrom, dto,
                notice="; ".join(notes + ["no words to search for: showing every article"]),
            )
        raise QueryError("the query has no words to search for", original, 0)
    return ParsedQuery(original, q, dfrom, dto, notice="; ".join(notes) or None)


def _pattern_of(part: Any) -> str | None:
    """How a wildcard, prefix or fuzzy word was typed, for messages."""
    for leaf in part.leaves() if part.is_leaf() is False else [part]:
        if isinstance(leaf, wq.Prefix):
            return f"{leaf.text}*"
        if isinstance(leaf, wq.FuzzyTerm):
            return f"{leaf.text}~"
        if isinstance(leaf, wq.Wildcard):
            return str(leaf.text)
    return None


def words_of(part: Any, typed: str) -> str:
    """The words a person typed for one part of a parsed query, for messages."""
    pattern = _pattern_of(part)
    if pattern is not None:
        return pattern
    texts = set()
    for fieldname, text in part.iter_all_terms():
        if fieldname in TEXT_FIELDS:
            texts.add(text.decode("utf-8") if isinstance(text, bytes) else str(text))
    typed_words = [w for w in re.findall(r"\w+", typed) if normalise_word(w) in texts]
    words = list(dict.fromkeys(typed_words)) or sorted(texts)
    return " ".join(words)


def describe_most_of(parts: list[tuple[Any, int]], typed: str) -> str:
    """The notice for a query no article matches whole, shown with most of its words."""
    words = [words_of(part, typed) or "?" for part, _ in parts]
    missing = [w for w, (_, n) in zip(words, parts, strict=True) if n == 0]
    if len(missing) == len(words):
        return "no article has any of these words"
    listed = ", ".join(f"'{w}'" for w in words)
    notice = f"no article has all of {listed}: showing those with most of them"
    if missing:
        nowhere = ", ".join(f"'{w}'" for w in missing)
        notice += f" ({nowhere} {'is' if len(missing) == 1 else 'are'} in no article)"
    return notice

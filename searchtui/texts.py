"""An article's text as it was indexed: the copy the index keeps, or its file read again.

The text of an article is most of what an index would store. An index keeps a
copy only of articles that cannot be read again on their own (rows of CSV and
JSON Lines files), or of every article when the ``store_text`` setting asks
for it. The text of an article that is a file of its own is read from that file
when it is wanted (a hit's snippet, the reader, "more like this"), and used only
when the file's bytes are still the ones indexed: the same content hash the
index holds. So a hit never shows a text other than the one that was searched,
and an index from elsewhere can show no file whose exact content it does not
already hold a hash of. A file that changed, moved or cannot be read gives a
:class:`Text` with no body and a ``problem`` that says what happened and what
to do.

Indexes written before texts were read back keep a copy of every text; theirs is
used as it is.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from searchtui.articles import file_hash, one_article_file, read_file, shown_path
from searchtui.schema import stored_body, stored_path
from searchtui.untrusted import TooLarge, read_regular

#: A file read back larger than this is not the one indexed (the indexer's own limit
#: is a setting, 20 MiB unless raised).
READ_LIMIT = 256 * 2**20
#: Characters of texts read back that an engine remembers: a page of hits is read
#: again as the query changes, and the next query's hits are often the last ones'
#: (about 2,500 articles of news, a few tens of MiB at most).
REMEMBERED = 16_000_000

REFRESH = "run `searchtui index` to refresh the index"


@dataclass(frozen=True)
class Text:
    """An article's text as indexed, or why it cannot be had (``body`` then empty)."""

    body: str
    problem: str | None = None


def has_copy(fields: dict) -> bool:
    """Whether the index keeps a copy of this article's text."""
    return fields.get("body") is not None


def read_back(fields: dict) -> Text:
    """The text of the article whose stored fields are ``fields``, as indexed."""
    stored = fields.get("body")
    if stored is not None:
        return Text(stored_body(stored))
    path = stored_path(fields)
    shown = shown_path(path)
    if not path or fields.get("key") != path or not one_article_file(path):
        # Only an article that is a file of its own is left without a copy.
        return Text("", f"the index keeps no text for {shown}; {REFRESH} with --rebuild")
    try:
        data = read_regular(path, READ_LIMIT)
    except FileNotFoundError:
        return Text("", f"{shown} is no longer there, so its text cannot be shown; {REFRESH}")
    except TooLarge:
        return Text("", f"{shown} changed since it was indexed; {REFRESH}")
    except OSError as exc:
        return Text("", f"{shown} cannot be read ({exc.strerror or exc}); {REFRESH}")
    result = read_file(path, data, max_bytes=None)
    one = len(result.articles) == 1
    # the reader hashes the bytes of the article it reads: no second pass over them
    if (result.articles[0].content_hash if one else file_hash(data)) != fields.get("hash"):
        return Text("", f"{shown} changed since it was indexed; {REFRESH}")
    if not one:
        return Text("", f"{shown} no longer reads as one article; {REFRESH} with --rebuild")
    return Text(result.articles[0].body)


def indexed_text(fields: dict) -> str | None:
    """The text as indexed, or None when it cannot be had (see :func:`read_back`)."""
    text = read_back(fields)
    return None if text.problem else text.body


class Texts:
    """:func:`read_back` with the last texts read from files remembered, up to ``size``
    characters in all (thread-safe)."""

    def __init__(self, size: int = REMEMBERED) -> None:
        self.size = size
        self.held = 0  # characters remembered
        self._lock = threading.Lock()
        self._texts: OrderedDict[tuple[str, str], Text] = OrderedDict()

    def __call__(self, fields: dict) -> Text:
        if has_copy(fields):
            return read_back(fields)
        key = (stored_path(fields), fields.get("hash") or "")
        with self._lock:
            found = self._texts.get(key)
            if found is not None:
                self._texts.move_to_end(key)
                return found
        found = read_back(fields)
        if found.problem is None and len(found.body) <= self.size:
            # (a problem is not remembered: a file put back or refreshed is read again)
            with self._lock:
                old = self._texts.pop(key, None)
                if old is not None:
                    self.held -= len(old.body)
                self._texts[key] = found
                self.held += len(found.body)
                while self.held > self.size:
                    _key, dropped = self._texts.popitem(last=False)
                    self.held -= len(dropped.body)
        return found


def field_text(fields: dict, fieldname: str) -> str | None:
    """A text field's value as indexed, from an article's stored ``fields``: the body as
    :func:`indexed_text` gives it, another field as stored."""
    if fieldname == "body":
        return indexed_text(fields)
    return stored_body(fields.get(fieldname))

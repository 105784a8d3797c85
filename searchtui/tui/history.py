"""Query history kept across runs in the user's state directory."""

from __future__ import annotations

import json
import os
from pathlib import Path

HISTORY_FILE = "history.json"


def worth_keeping(query: str) -> bool:
    """A real query: one with a letter or a digit, not a stray key such as "/"."""
    return any(ch.isalnum() for ch in query)


class QueryHistory:
    """Earlier queries, oldest first, without repeats, saved as a JSON list."""

    def __init__(self, path: Path | None, limit: int = 500) -> None:
        self.path = path
        self.limit = limit
        self.entries: list[str] = []
        self.error: str | None = None  # why the file could not be read or written

    @classmethod
    def in_dir(cls, state_dir: Path | None, limit: int = 500) -> QueryHistory:
        history = cls(Path(state_dir) / HISTORY_FILE if state_dir else None, limit)
        history.load()
        return history

    def load(self) -> None:
        if self.path is None or not self.path.exists():
            return
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            self.error = f"cannot read query history {self.path}: {exc}"
            return
        if isinstance(data, list):
            kept = [q.strip() for q in data if isinstance(q, str) and worth_keeping(q)]
            self.entries = kept[-self.limit :]

    def add(self, query: str) -> bool:
        """Remember a query (moved to the end if known). True if the list changed."""
        query = query.strip()
        if not worth_keeping(query):
            return False
        if self.entries and self.entries[-1] == query:
            return False
        if query in self.entries:
            self.entries.remove(query)
        self.entries.append(query)
        del self.entries[: -self.limit]
        self.save()
        return True

    def save(self) -> None:
        if self.path is None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(self.entries, ensure_ascii=False), encoding="utf-8")
            os.replace(tmp, self.path)
        except OSError as exc:
            self.error = f"cannot save query history to {self.path}: {exc.strerror or exc}"

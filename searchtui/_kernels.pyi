from array import array
from collections.abc import Callable
from typing import Any

import numpy as np

def count_values(
    select: np.ndarray, start: np.ndarray, vals: np.ndarray, out: np.ndarray, step: int,
    first: int = 0, last: int = -1,
) -> None: ...
def place_rows(
    at: np.ndarray, start: np.ndarray, values: np.ndarray, offset: int, vals: np.ndarray
) -> None: ...
def find_term(terms: Any, ends: Any, needle: bytes) -> int: ...
def term_lists(
    terms: Any, ends: Any, starts: Any, crcs: Any, needle: bytes, fd: int, docs_at: int,
    dsize: int, weights_at: int, wsize: int, wfloat: bool, count: int, ndocs: int,
) -> tuple[int, np.ndarray | None, np.ndarray | None]: ...

class SegmentTables:
    def __init__(self, entries: list[tuple[Any, ...] | None]) -> None: ...
    def __len__(self) -> int: ...
    def lists(
        self, needle: bytes, live: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, list[int]]: ...
def count_story_values(
    mask: np.ndarray,
    members: np.ndarray,
    story_members: np.ndarray,
    story_keys: np.ndarray,
    holders: np.ndarray,
    value_of: np.ndarray,
    pair_bounds: np.ndarray,
    pair_key: np.ndarray,
    everyone: np.ndarray,
    out: np.ndarray,
) -> None: ...
def best_in_groups(group: np.ndarray, keys: np.ndarray) -> np.ndarray: ...
def masked_span(mask: np.ndarray, keys: np.ndarray, missing: int) -> tuple[int, int, int, int]: ...
def masked_bincount(
    mask: np.ndarray, keys: np.ndarray, missing: int, first: int, out: np.ndarray
) -> None: ...
def decode_int_lists(
    blob: np.ndarray, bounds: np.ndarray, skip: int
) -> tuple[np.ndarray, np.ndarray] | None: ...
def equal_shares(sigs: np.ndarray, pairs: np.ndarray) -> np.ndarray: ...
def story_signature(
    text: bytes, table: np.ndarray, mix: np.ndarray, final: int, shingle: int,
    min_shingles: int, perms: int,
) -> np.ndarray | None: ...
def edit_distances(query: np.ndarray, words: np.ndarray, maxdist: int) -> np.ndarray: ...
def scan_words(text: str, match: Callable[..., Any]) -> list[str]: ...
def term_positions(
    words: list[str],
    cache: dict[str, str | None],
    missing: object,
    normalise: Callable[[str], str | None],
    step: int,
) -> dict[str, list[int]]: ...
def positions_value(positions: list[int]) -> bytes | None: ...
def add_text_postings(
    terms: dict[str, list[Any]],
    poses: dict[str, list[int]],
    docnum: int,
    fb: float,
    fieldboost: float,
    singles: dict[int, bytes],
    encode: Callable[[list[int]], bytes],
    new_entry: Callable[[], list[Any]],
) -> tuple[int, int, int, int]: ...
def add_flat_words(
    words: list[str],
    word_ids: dict[str, int],
    terms: list[str],
    term_ids: dict[str, int],
    normalise: Callable[[str], str | None],
    step: int,
    ids: array[int],
    places: array[int],
    npos: array[int],
    nposts: array[int],
    mark: array[int],
    serial: int,
    table: dict[str, list[Any]],
) -> tuple[int, int, int]: ...
def flat_entries(
    terms: list[str],
    ids: array[int],
    places: array[int],
    doc_nums: array[int],
    doc_ends: array[int],
    fbs: array[float],
    boosts: array[float],
    npos: array[int],
    nposts: array[int],
    table: dict[str, list[Any]],
    new_entry: Callable[[], list[Any]],
) -> None: ...
def best_scored(mask: np.ndarray, score: np.ndarray, k: int) -> np.ndarray: ...
def first_by_day(
    mask: np.ndarray, days: np.ndarray, k: int, newest: bool, no_date: int, undated_last: int
) -> np.ndarray: ...
def scored_postings(
    ids: np.ndarray, tf: np.ndarray, lengths: np.ndarray, idf: float, k1: float, b: float,
    avg: float, boost: float, mask: np.ndarray, score: np.ndarray, keep_best: bool = False,
) -> None: ...
def intersect_sorted(a: np.ndarray, b: np.ndarray) -> np.ndarray: ...
def lstat_names(
    folder: bytes, names: list[str], first: int, last: int, mode: np.ndarray,
    size: np.ndarray, mtime_ns: np.ndarray, error: np.ndarray,
) -> None: ...
def pairs_by_value(
    value_of: np.ndarray, pair_term: np.ndarray, pair_doc: np.ndarray, nvalues: int, ndocs: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]: ...
def values_by_document(
    pair_doc: np.ndarray, pair_val: np.ndarray, doc_start: np.ndarray, out: np.ndarray
) -> None: ...
def term_blocks(
    rows: list[tuple[bytes, list[Any]]], counted: bool, compression: int, blocklimit: int,
    lenbytes: Any, fixedsize: int | None, fieldkey: bytes, offset: int, chunk: list[bytes],
    chunk_bytes: int, write: Callable[[bytes], object], tkeys: list[bytes],
    tvalues: list[bytes], helpers: tuple[Any, ...],
) -> tuple[int, int]: ...

"""Which indexes searchtui reads: the ones this user's searchtui wrote and signed.

Whoosh keeps parts of an index as pickles (the table of contents with the
schema, posting blocks, stored fields), and loading a pickle can run code. An
index folder from elsewhere (a cloned repository, an unpacked archive) must
therefore never be read as it is. Like Git's ``safe.directory``, searchtui
reads only what it wrote itself:

- a key of this user's, 32 random bytes in ``$XDG_DATA_HOME/searchtui/key``
  (by default ``~/.local/share/searchtui/key``), made on first need, readable
  by the user alone;
- at each commit, before the new generation becomes visible, a manifest
  ``manifest-<generation>.json`` in the index folder: each file of the
  generation with its size and SHA-256, and an HMAC-SHA256 over it with the key.

A manifest has two lists. ``files`` is the generation itself (its table of
contents, segment files and ``searchtui.json``); their digest identifies the
generation's content. ``derived`` holds what is computed from it later (the
array cache, the corpus file states), which may be replaced or added without
changing that digest.

This module knows nothing of Whoosh: it signs, reads and checks manifests.
``store`` verifies one before an index is opened; ``check`` checks a whole
index and signs one the user vouches for.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from searchtui.errors import SearchtuiError
from searchtui.whooshext.storage import fsync_file, write_durably

KEY_BYTES = 32
KEY_NAME = "key"
#: The manifest layout this searchtui writes and reads.
FORMAT = 1
MANIFEST_PREFIX = "manifest-"
MANIFEST_SUFFIX = ".json"
_CHUNK = 1 << 20


def data_home() -> Path:
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")


def key_path() -> Path:
    """Where this user's signing key is kept."""
    return data_home() / "searchtui" / KEY_NAME


def user_key(*, create: bool = False) -> bytes | None:
    """This user's signing key; None when there is none yet and ``create`` is false."""
    path = key_path()
    try:
        key = path.read_bytes()
    except FileNotFoundError:
        if not create:
            return None
        key = _create_key(path)
    except OSError as exc:
        raise SearchtuiError(f"cannot read the signing key {path}: {exc.strerror}") from None
    if len(key) != KEY_BYTES:
        raise SearchtuiError(
            f"the signing key {path} is not {KEY_BYTES} bytes long; move it away and "
            f"run searchtui again (indexes it signed must then be trusted again)"
        )
    return key


def _create_key(path: Path) -> bytes:
    """A new key at ``path``, made atomically: two processes at once end with the same key."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        tmp = path.with_name(f".{KEY_NAME}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(secrets.token_bytes(KEY_BYTES))
                fh.flush()
                os.fsync(fh.fileno())
            with contextlib.suppress(FileExistsError):  # another process made one first
                os.link(tmp, path)
        finally:
            tmp.unlink()
        fsync_file(path.parent)
        return path.read_bytes()
    except OSError as exc:
        raise SearchtuiError(
            f"cannot create the signing key {path}: {exc.strerror or exc}"
        ) from None


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def sha256_bytes(data: bytes | memoryview) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Entry:
    """A file as the manifest records it."""

    size: int
    sha256: str


@dataclass
class Manifest:
    """The files of one index generation, signed."""

    generation: int
    files: dict[str, Entry]
    derived: dict[str, Entry] = field(default_factory=dict)

    @property
    def digest(self) -> str:
        """Identifies the generation's content (``files``; not ``derived``)."""
        content = {"generation": self.generation, "files": _plain(self.files)}
        return sha256_bytes(_canonical(content))

    def entry(self, name: str) -> Entry | None:
        return self.files.get(name) or self.derived.get(name)

    def _body(self) -> dict:
        return {
            "format": FORMAT,
            "generation": self.generation,
            "files": _plain(self.files),
            "derived": _plain(self.derived),
        }


def _plain(entries: dict[str, Entry]) -> dict[str, list]:
    return {name: [e.size, e.sha256] for name, e in sorted(entries.items())}


def _canonical(value: object) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode("utf-8")


def _signature(key: bytes, body: dict) -> str:
    return hmac.new(key, _canonical(body), hashlib.sha256).hexdigest()


def manifest_path(ixdir: Path, generation: int) -> Path:
    return Path(ixdir) / f"{MANIFEST_PREFIX}{generation}{MANIFEST_SUFFIX}"


class NotSigned(Exception):
    """The manifest is absent, unreadable, or not signed with this user's key."""


def _parse(raw: bytes) -> tuple[dict, str]:
    """(the signed body, its signature) of a manifest file; ValueError if it is not one."""
    try:
        data = json.loads(raw)
        body = {k: data[k] for k in ("format", "generation", "files", "derived")}
        signature = data["signature"]
        for section in ("files", "derived"):
            for name, (size, sha) in body[section].items():
                if not (isinstance(name, str) and isinstance(size, int) and isinstance(sha, str)):
                    raise ValueError(name)
    except (TypeError, KeyError, AttributeError) as exc:
        raise ValueError(str(exc)) from None
    if not isinstance(signature, str):
        raise ValueError("signature")
    return body, signature


def _manifest(body: dict) -> Manifest:
    return Manifest(
        int(body["generation"]),
        {n: Entry(s, h) for n, (s, h) in body["files"].items()},
        {n: Entry(s, h) for n, (s, h) in body["derived"].items()},
    )


def read_manifest(ixdir: Path, generation: int, key: bytes | None = None) -> Manifest:
    """The manifest of ``generation``, its signature checked with this user's key.

    Raises ``NotSigned`` (with the reason) when it cannot be trusted.
    """
    if key is None:
        key = user_key()
        if key is None:
            raise NotSigned(f"there is no signing key at {key_path()} yet")
    path = manifest_path(ixdir, generation)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise NotSigned("it has no signature") from None
    except OSError as exc:
        raise NotSigned(f"its signature cannot be read: {exc.strerror}") from None
    try:
        body, signature = _parse(raw)
    except ValueError:
        raise NotSigned("its signature is damaged") from None
    if not hmac.compare_digest(signature, _signature(key, body)):
        raise NotSigned("it is signed with another key, or was changed since")
    if body["format"] != FORMAT or body["generation"] != generation:
        raise NotSigned("its signature belongs to another index generation")
    return _manifest(body)


def read_claims(ixdir: Path, generation: int) -> Manifest | None:
    """The manifest of ``generation`` as it stands, signed by anyone (None: none readable).

    Only for checking an index the user vouches for against what it says it holds.
    """
    try:
        body, _signature = _parse(manifest_path(ixdir, generation).read_bytes())
    except (OSError, ValueError):
        return None
    if body["generation"] != generation:
        return None
    return _manifest(body)


def write_manifest(ixdir: Path, manifest: Manifest) -> None:
    """Sign ``manifest`` with this user's key and put it in place durably."""
    key = user_key(create=True)
    assert key is not None
    body = manifest._body()
    data = dict(body, signature=_signature(key, body))
    path = manifest_path(ixdir, manifest.generation)
    write_durably(path, json.dumps(data, indent=1, sort_keys=True).encode("utf-8"))
    fsync_file(Path(ixdir))


def describe(
    ixdir: Path, names: dict[str, Path], known: Manifest | None = None
) -> dict[str, Entry]:
    """Entries for ``names`` (manifest name -> the file to read it from now).

    A file that ``known`` (a verified manifest) lists with the same size keeps
    its checksum: segment files never change once written, so an update hashes
    only what it wrote.
    """
    entries = {}
    for name, source in names.items():
        size = os.stat(source).st_size
        old = known.entry(name) if known is not None else None
        if old is not None and old.size == size and source == Path(ixdir) / name:
            entries[name] = old
        else:
            entries[name] = Entry(size, sha256_file(source))
    return entries


def latest_manifest(ixdir: Path, before: int) -> Manifest | None:
    """The newest verified manifest of a generation older than ``before``, if any."""
    for generation in sorted(manifest_generations(ixdir), reverse=True):
        if generation < before:
            try:
                return read_manifest(ixdir, generation)
            except (NotSigned, SearchtuiError):
                continue
    return None


def manifest_generations(ixdir: Path) -> list[int]:
    found = []
    with contextlib.suppress(OSError):
        for name in os.listdir(ixdir):
            if name.startswith(MANIFEST_PREFIX) and name.endswith(MANIFEST_SUFFIX):
                number = name[len(MANIFEST_PREFIX) : -len(MANIFEST_SUFFIX)]
                if number.isdigit():
                    found.append(int(number))
    return found


def seal(ixdir: Path, generation: int, names: dict[str, Path]) -> Manifest:
    """Sign a new generation made of ``names`` (name -> the file to read it from now)."""
    ixdir = Path(ixdir)
    manifest = Manifest(generation, describe(ixdir, names, latest_manifest(ixdir, generation)))
    write_manifest(ixdir, manifest)
    return manifest


def add_derived(
    ixdir: Path, generation: int, names: Iterable[str],
    known: dict[str, Entry | None] | None = None,
) -> None:
    """Record files computed from a signed generation (the caller holds the index's lock).

    ``known`` gives the entries of files the caller has just written or checked
    (None: checksummed here like the others)."""
    manifest = read_manifest(ixdir, generation)
    known = known or {}
    paths = {name: Path(ixdir) / name for name in names if known.get(name) is None}
    manifest.derived.update(describe(ixdir, paths))
    manifest.derived.update((n, e) for n in names if (e := known.get(n)) is not None)
    # Derived files of this generation that are gone are no longer listed.
    manifest.derived = {
        n: e for n, e in manifest.derived.items() if (Path(ixdir) / n).exists()
    }
    write_manifest(ixdir, manifest)


def prune(ixdir: Path, generation: int) -> None:
    """Remove the manifests of generations before ``generation``."""
    for old in manifest_generations(ixdir):
        if old < generation:
            with contextlib.suppress(OSError):
                manifest_path(ixdir, old).unlink()

"""Only indexes this user's searchtui signed are read: nothing from anyone else's is unpickled.

A planted table of contents whose pickle creates a file stands for code run
from an index someone else prepared; every way into an index (the CLI's
commands, the indexer's update, the app) must refuse it without creating the
file. The tests' key lives in a temporary ``XDG_DATA_HOME`` (see conftest).
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import pickle
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import whoosh
from whoosh import index as whoosh_index
from whoosh.filedb.structfile import StructFile

from searchtui import store, trust, whooshext
from searchtui.check import check_index, trust_index
from searchtui.cli import main
from searchtui.config import Config
from searchtui.errors import IndexDamaged, IndexUntrusted
from searchtui.indexer import build_index
from searchtui.models import SearchRequest
from searchtui.schema import SCHEMA_VERSION
from searchtui.search import SearchEngine

FAST = Config(workers=1, extractor="none")
REPO = Path(__file__).resolve().parents[1]


class _Planted:
    """Unpickled, it creates the file ``path``: code run from the index."""

    def __init__(self, path: Path):
        self.path = path

    def __reduce__(self):
        return (open, (str(self.path), "w"))


def planted_toc(marker: Path, generation: int = 1) -> bytes:
    """A Whoosh table of contents whose schema pickle creates ``marker``."""
    buf = io.BytesIO()
    s = StructFile(buf)
    s.write_varint(whoosh_index._INT_SIZE)
    s.write_varint(whoosh_index._LONG_SIZE)
    s.write_varint(whoosh_index._FLOAT_SIZE)
    s.write_int(-12345)
    s.write_int(whoosh_index._CURRENT_TOC_VERSION)
    for n in whoosh.__version__[:3]:
        s.write_varint(n)
    s.write_string(pickle.dumps(_Planted(marker), 2))
    s.write_int(generation)
    s.write_int(0)
    s.write_pickle([])
    return buf.getvalue()


def plant_index(root: Path, marker: Path) -> Path:
    """An index folder as searchtui lays it out, with a planted TOC and no signature."""
    ixdir = root / "ix-planted"
    ixdir.mkdir(parents=True)
    (root / store.POINTER).write_text(ixdir.name + "\n")
    (ixdir / store.META).write_text(json.dumps({"schema_version": SCHEMA_VERSION}))
    (ixdir / "_MAIN_1.toc").write_bytes(planted_toc(marker))
    return root


def write_articles(folder: Path, n: int = 3) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (folder / f"{i:03d}.txt").write_text(
            f"Article {i}\n\nAnn Lee — Daily Post Jan 0{i + 1}, 2020\n\nBody of article {i}.\n",
            encoding="utf-8",
        )
    return folder


@pytest.fixture
def built(tmp_path) -> tuple[Path, Path]:
    corpus = write_articles(tmp_path / "corpus")
    root = tmp_path / "index"
    build_index([corpus], root, config=FAST)
    return corpus, root


@pytest.fixture
def other_user(tmp_path, monkeypatch) -> Path:
    """Switch to another user's key (another data folder)."""
    home = tmp_path / "other-user-data"
    monkeypatch.setenv("XDG_DATA_HOME", str(home))
    return home


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# ---------------------------------------------------------------------------
# The key


def test_the_key_is_made_on_first_need_readable_by_the_user_alone(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    path = tmp_path / "data" / "searchtui" / "key"
    assert trust.key_path() == path
    assert trust.user_key() is None and not path.exists()
    key = trust.user_key(create=True)
    assert key is not None and len(key) == trust.KEY_BYTES
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert trust.user_key() == key == trust.user_key(create=True)
    assert [p.name for p in path.parent.iterdir()] == ["key"]  # no temporary file left


def test_the_default_key_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert trust.key_path() == tmp_path / ".local" / "share" / "searchtui" / "key"


def test_processes_making_the_key_at_once_end_with_the_same_key(tmp_path):
    code = "from searchtui import trust; print(trust.user_key(create=True).hex())"
    env = dict(os.environ, XDG_DATA_HOME=str(tmp_path / "data"), PYTHONPATH=str(REPO))
    procs = [
        subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    keys = {p.communicate(timeout=60)[0].strip() for p in procs}
    assert len(keys) == 1 and len(keys.pop()) == 2 * trust.KEY_BYTES


def test_a_key_of_the_wrong_length_is_refused_in_one_line(tmp_path, monkeypatch, built):
    _corpus, root = built
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    trust.key_path().parent.mkdir(parents=True)
    trust.key_path().write_bytes(b"short")
    with pytest.raises(Exception, match="is not 32 bytes long") as info:
        store.open_index(root)
    assert "\n" not in str(info.value)


# ---------------------------------------------------------------------------
# What is signed


def _manifest(root: Path) -> tuple[Path, trust.Manifest]:
    ixdir = store.current_dir(root)
    assert ixdir is not None
    generation = whooshext.latest_generation(ixdir, store.INDEX_NAME)
    return ixdir, trust.read_manifest(ixdir, generation)


def test_every_generation_is_signed_with_its_files(built):
    corpus, root = built
    ixdir, manifest = _manifest(root)
    assert manifest.generation == 1
    segment_files = {p.name for p in ixdir.glob("MAIN_*.*")}
    assert set(manifest.files) == {"_MAIN_1.toc", store.META} | segment_files
    for name, entry in manifest.files.items():
        assert entry == trust.Entry((ixdir / name).stat().st_size, trust.sha256_file(ixdir / name))
    decoded = {p.name for p in ixdir.glob("seg-MAIN_*.npz")}  # one per segment
    assert len(decoded) == len({name.split(".")[0] for name in segment_files})
    assert set(manifest.derived) == {"files-1.npz", "cache-1.npz"} | decoded
    # An update signs the new generation and drops the old signature.
    write_articles(corpus, 4)
    build_index([corpus], root, config=FAST)
    ixdir, manifest = _manifest(root)
    assert manifest.generation == 2
    assert sorted(p.name for p in ixdir.glob("manifest-*.json")) == ["manifest-2.json"]
    decoded = {p.name for p in ixdir.glob("seg-MAIN_*.npz")}
    assert set(manifest.derived) == {"files-2.npz", "cache-2.npz"} | decoded


def test_the_signature_is_on_disk_before_the_generation_is_visible(tmp_path, monkeypatch):
    seen = []
    real_rename = os.rename

    def rename(src, dst):
        name = os.path.basename(dst)
        if name.endswith(".toc"):
            generation = int(name[: -len(".toc")].rsplit("_", 1)[1])
            seen.append(trust.read_manifest(Path(dst).parent, generation).generation)
        real_rename(src, dst)

    monkeypatch.setattr(os, "rename", rename)
    corpus = write_articles(tmp_path / "corpus")
    build_index([corpus], tmp_path / "index", config=FAST)
    assert seen == [0, 1]  # the empty TOC a new index starts with, then the commit


def test_a_changed_manifest_is_not_trusted(built):
    _corpus, root = built
    ixdir, _m = _manifest(root)
    path = trust.manifest_path(ixdir, 1)
    data = json.loads(path.read_text())
    data["files"][store.META][0] += 1
    path.write_text(json.dumps(data))
    with pytest.raises(IndexUntrusted, match="changed since"):
        store.open_index(root)


# ---------------------------------------------------------------------------
# A planted table of contents is never unpickled


def test_the_planted_toc_runs_code_when_whoosh_opens_it(tmp_path):
    """The payload works: stock Whoosh creates the file (so its absence below means something)."""
    marker = tmp_path / "ran"
    root = plant_index(tmp_path / "index", marker)
    with pytest.raises(Exception):  # noqa: B017 - the schema is not one: any error will do
        whoosh_index.open_dir(str(root / "ix-planted"), indexname=store.INDEX_NAME)
    assert marker.exists()


@pytest.mark.parametrize("command", [["search", "anything"], ["stats"], ["index"], ["check"]])
def test_a_planted_index_is_refused_by_every_command(tmp_path, capsys, command):
    marker = tmp_path / "ran"
    root = plant_index(tmp_path / "index", marker)
    corpus = write_articles(tmp_path / "corpus")
    argv = [command[0], "--index", str(root), *command[1:]]
    if command == ["index"]:
        argv += [str(corpus), "-q"]
    code, out, err = run(capsys, *argv)
    assert code == 1
    assert not marker.exists()
    text = out + err
    assert "Traceback" not in text
    assert f"searchtui trust {root}" in text and "searchtui index --rebuild" in text
    if command != ["check"]:
        assert len(err.strip().splitlines()) == 1 and str(root) in err


def test_a_planted_toc_in_a_signed_index_is_damage_and_not_read(built, tmp_path, capsys):
    _corpus, root = built
    marker = tmp_path / "ran"
    ixdir, _m = _manifest(root)
    (ixdir / "_MAIN_1.toc").write_bytes(planted_toc(marker))
    with pytest.raises(IndexDamaged, match="_MAIN_1.toc"):
        store.open_index(root)
    code, _out, err = run(capsys, "search", "--index", str(root), "article")
    assert code == 1 and "--rebuild" in err and len(err.strip().splitlines()) == 1
    assert not marker.exists()


def test_a_planted_toc_of_a_newer_generation_is_not_read(built, tmp_path):
    """Readers see the signed generation only, not a TOC put beside it."""
    _corpus, root = built
    marker = tmp_path / "ran"
    ixdir, _m = _manifest(root)
    (ixdir / "_MAIN_2.toc").write_bytes(planted_toc(marker, 2))
    with pytest.raises(IndexUntrusted, match="no signature"):
        store.open_index(root)
    assert not marker.exists()


def test_a_foreign_whoosh_index_is_told_by_its_file_names(tmp_path):
    marker = tmp_path / "ran"
    root = tmp_path / "index"
    root.mkdir()
    (root / "_MAIN_1.toc").write_bytes(planted_toc(marker))
    with pytest.raises(Exception, match="did not write"):
        store.open_index(root)
    with pytest.raises(Exception, match="did not write"):
        build_index([write_articles(tmp_path / "corpus")], root, config=FAST)
    assert not marker.exists()


def test_the_app_refuses_a_planted_index_on_its_no_index_screen(tmp_path):
    from searchtui.tui.app import create_app
    from searchtui.tui.screens.noindex import NoIndexScreen

    marker = tmp_path / "ran"
    root = plant_index(tmp_path / "index", marker)
    app = create_app(root, config=FAST, corpus_paths=[str(tmp_path)], state_dir=tmp_path / "st")

    async def scenario() -> str:
        async with app.run_test(size=(120, 40)) as pilot:
            for _ in range(100):
                await pilot.pause(0.05)
                if isinstance(app.screen, NoIndexScreen):
                    break
            assert isinstance(app.screen, NoIndexScreen)
            return app.screen.reason

    reason = asyncio.run(scenario())
    assert app.engine is None and not marker.exists()
    assert f"searchtui trust {root}" in reason and "Traceback" not in reason


# ---------------------------------------------------------------------------
# Another user's index, an older searchtui's, and `searchtui trust`


def test_another_users_index_is_refused_until_trusted(built, other_user, capsys):
    _corpus, root = built
    with pytest.raises(IndexUntrusted) as info:
        SearchEngine.open(root)
    message = str(info.value)
    assert "\n" not in message and str(root) in message
    assert f"searchtui trust {root}" in message and "searchtui index --rebuild" in message
    code, out, _err = run(capsys, "trust", str(root))
    assert code == 0, out
    assert "Signed the index" in out
    with SearchEngine.open(root) as engine:
        assert engine.search(SearchRequest(query="article")).total == 3
    code, out, _err = run(capsys, "check", "--index", str(root))
    assert code == 0 and out.rstrip().endswith("The index is sound."), out


def test_an_index_from_an_older_searchtui_is_refused_the_same_way(built, capsys):
    """Written before indexes were signed: no manifest at all."""
    corpus, root = built
    ixdir, _m = _manifest(root)
    for p in ixdir.glob("manifest-*.json"):
        p.unlink()
    code, _out, err = run(capsys, "stats", "--index", str(root))
    assert code == 1 and "it has no signature" in err and "searchtui trust" in err
    code, _out, err = run(capsys, "index", "--index", str(root), str(corpus), "-q")
    assert code == 1 and "it has no signature" in err
    assert trust_index(root).signed
    assert build_index([corpus], root, config=FAST).nothing_to_do


def test_trust_refuses_to_sign_a_damaged_index(built, other_user, capsys):
    _corpus, root = built
    ixdir = store.current_dir(root)
    assert ixdir is not None
    pst = next(ixdir.glob("*.pst"))
    data = bytearray(pst.read_bytes())
    data[8 : len(data) - 8] = b"\xff" * (len(data) - 16)
    pst.write_bytes(bytes(data))
    code, out, _err = run(capsys, "trust", str(root))
    assert code == 1
    assert "its manifest disagrees" in out and f"{pst.name} has changed" in out
    assert "Not signed" in out
    with pytest.raises(IndexUntrusted):
        store.open_index(root)


# ---------------------------------------------------------------------------
# `searchtui check`


def test_check_a_sound_index(built, capsys):
    _corpus, root = built
    code, out, _err = run(capsys, "check", "--index", str(root))
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == f"Index: {root} (generation 1)"
    assert [line.split(":")[0] for line in lines[1:6]] == [
        "ok      signature", "ok      files", "ok      postings, lengths and stored fields",
        "ok      word lists beside the segments", "ok      array cache",
    ]
    assert lines[-1] == "The index is sound."
    code, out, _err = run(capsys, "check", "--index", str(root), "--json")
    data = json.loads(out)
    assert code == 0 and data["sound"] is True and data["generation"] == 1
    assert [c["name"] for c in data["checks"]] == [
        "signature", "files", "postings, lengths and stored fields",
        "word lists beside the segments", "array cache",
    ]
    assert all(c["ok"] and c["problems"] == [] for c in data["checks"])


def test_check_reads_nothing_of_an_untrusted_index(built, other_user, capsys, monkeypatch):
    _corpus, root = built
    import searchtui.check as check_mod

    monkeypatch.setattr(check_mod, "open_generation", lambda *a: pytest.fail("read"))
    report = check_index(root)
    assert not report.sound and [c.name for c in report.checks] == ["signature"]
    code, out, _err = run(capsys, "check", "--index", str(root), "--json")
    assert code == 1 and json.loads(out)["sound"] is False


def test_check_finds_changed_bytes_that_opening_does_not_look_at(built, capsys):
    _corpus, root = built
    ixdir, _m = _manifest(root)
    stored = next(ixdir.glob("*._stored.col"))
    data = bytearray(stored.read_bytes())
    data[len(data) // 2] ^= 0x01
    stored.write_bytes(bytes(data))
    code, out, _err = run(capsys, "check", "--index", str(root))
    assert code == 1
    assert f"{stored.name} has changed since it was written" in out
    assert out.rstrip().endswith(f"rebuild with: searchtui index --rebuild --index {root}")

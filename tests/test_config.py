"""Settings from searchtui.yaml: where it is looked up, and clear errors for bad values."""

from __future__ import annotations

from pathlib import Path

import pytest

from searchtui.config import (
    CONFIG_NAME,
    Config,
    ConfigError,
    config_from_mapping,
    find_config,
    load_config,
)


@pytest.fixture
def no_user_config(tmp_path, monkeypatch):
    """Isolate the lookup from the real environment."""
    monkeypatch.delenv("SEARCHTUI_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    return tmp_path


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def test_defaults_without_a_file(no_user_config):
    cwd = no_user_config / "work"
    cwd.mkdir()
    assert find_config(cwd=str(cwd)) is None
    assert load_config(cwd=str(cwd)) == Config()
    c = Config()
    assert (c.corpus, c.index, c.columns, c.extractor, c.max_file_mb, c.workers, c.source) == (
        ["corpus"], "index", {}, "rules", 20.0, 0, None
    )


def test_full_file(no_user_config):
    path = write(
        no_user_config / "work" / CONFIG_NAME,
        "corpus: [news, more/news]\nindex: idx\n"
        "columns:\n  title: Headline\n  body: Story\n  id: ref\n"
        "entities: aliases.yaml\nextractor: none\nmax_file_mb: 5\nworkers: 2\n",
    )
    c = load_config(cwd=str(path.parent))
    assert c == Config(
        corpus=["news", "more/news"],
        index="idx",
        columns={"title": "Headline", "body": "Story", "id": "ref"},
        entities="aliases.yaml",
        extractor="none",
        max_file_mb=5,
        workers=2,
        source=str(path),
    )
    # relative paths are relative to the file's folder
    assert c.resolve("idx") == path.parent / "idx"
    assert c.resolve("/abs/x") == Path("/abs/x")


def test_lookup_order(no_user_config, monkeypatch):
    cwd = no_user_config / "work"
    user = write(no_user_config / "xdg" / "searchtui" / CONFIG_NAME, "index: user\n")
    cwd.mkdir()
    assert find_config(cwd=str(cwd)) == user
    local = write(cwd / CONFIG_NAME, "index: local\n")
    assert find_config(cwd=str(cwd)) == local
    env = write(no_user_config / "env.yaml", "index: env\n")
    monkeypatch.setenv("SEARCHTUI_CONFIG", str(env))
    assert find_config(cwd=str(cwd)) == env
    explicit = write(no_user_config / "explicit.yaml", "index: explicit\n")
    assert load_config(str(explicit), cwd=str(cwd)).index == "explicit"


def test_explicit_file_missing(no_user_config):
    with pytest.raises(ConfigError, match="configuration file not found"):
        find_config(str(no_user_config / "nope.yaml"))


def test_single_corpus_path_and_empty_file(no_user_config):
    assert load_config(str(write(no_user_config / "a.yaml", "corpus: news\n"))).corpus == ["news"]
    assert load_config(str(write(no_user_config / "b.yaml", ""))).index == "index"
    bom = write(no_user_config / "c.yaml", b"\xef\xbb\xbfindex: x\n")
    assert load_config(str(bom)).index == "x"


@pytest.mark.parametrize(
    "text, message",
    [
        ("colour: blue\n", "unknown key 'colour'"),
        ("index: [a]\n", "key 'index' must be str, got list"),
        ("index: 2016-11-05\n", "key 'index' must be str, got date"),
        ("index: 2016-13-45\n", "not valid YAML"),
        ("workers: true\n", "key 'workers' must be int, got bool"),
        ("workers: -1\n", "key 'workers' must be 0 or more"),
        ("max_file_mb: 0\n", "key 'max_file_mb' must be positive"),
        ("entities: 3\n", "key 'entities' must be str or null"),
        ("extractor: magic\n", "key 'extractor' must be one of rules, spacy, none"),
        ("corpus: [1]\n", "key 'corpus' must list paths as strings"),
        ("columns:\n  headline: x\n", "key 'columns.headline' is not a field"),
        ("columns:\n  title: [x]\n", "key 'columns.title' must be a column name"),
        ("- a\n- b\n", "expected a mapping of settings, got list"),
        ("index: [\n", "not valid YAML (line 2)"),
        (b"index: \xff\n", "not UTF-8 text"),
    ],
)
def test_errors_name_the_file_and_the_key(no_user_config, text, message):
    path = write(no_user_config / "bad.yaml", text)
    with pytest.raises(ConfigError) as err:
        load_config(str(path))
    msg = str(err.value)
    assert msg.startswith(f"{path}: ")
    assert message in msg
    assert "\n" not in msg


def test_config_from_mapping_directly():
    assert config_from_mapping(None, "x") == Config(source="x")
    assert config_from_mapping({"workers": 3}, "x").workers == 3

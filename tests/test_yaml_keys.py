"""A key written twice in a YAML file is an error with its line, not a lost entry."""

from __future__ import annotations

from importlib import resources

import pytest
import yaml

from searchtui.config import load_config
from searchtui.errors import ConfigError
from searchtui.untrusted import YAMLDuplicateKey, load_yaml


def test_a_key_twice_in_one_mapping_is_refused_with_both_lines():
    text = "people:\n  Al Smith: [Smith]\n  Jo Bloggs: []\n  Al Smith: [Al]\n"
    with pytest.raises(YAMLDuplicateKey) as caught:
        load_yaml(text)
    assert "'Al Smith' is written twice" in str(caught.value)
    assert "first on line 2" in str(caught.value)
    assert caught.value.problem_mark.line + 1 == 4


@pytest.mark.parametrize(
    "text, value",
    [
        # the same name in two mappings, or in a list, is no duplicate
        ("a: {x: 1}\nb: {x: 2}\n", {"a": {"x": 1}, "b": {"x": 2}}),
        ("a: [x, x]\n", {"a": ["x", "x"]}),
        # keys merged in with << may be overridden, as YAML means
        ("base: &b {p: 1, q: 2}\nc: {<<: *b, p: 3}\n",
         {"base": {"p": 1, "q": 2}, "c": {"p": 3, "q": 2}}),
        # 1 and "1" are different keys
        ("1: a\n'1': b\n", {1: "a", "1": "b"}),
    ],
)
def test_what_is_not_a_duplicate_loads_as_yaml_reads_it(text, value):
    assert load_yaml(text) == value == yaml.safe_load(text)


def test_the_shipped_alias_table_writes_each_name_once():
    text = resources.files("searchtui").joinpath("data/entities.yaml").read_text("utf-8")
    assert load_yaml(text)


def test_a_config_file_with_a_key_twice_says_where(tmp_path):
    path = tmp_path / "searchtui.yaml"
    path.write_text("index: one\nextractor: rules\nindex: two\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(str(path))
    message = str(caught.value)
    assert "line 3" in message and "'index' is written twice" in message

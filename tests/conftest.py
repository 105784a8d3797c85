"""Shared test fixtures.

Tests that need the shared corpora read them in place, beside the repository
(``../shared``, or the folder named by ``SEARCHTUI_SHARED``), and skip cleanly
when they are absent.

The signing key of the indexes the tests build lives in a temporary data
folder (``XDG_DATA_HOME``), never in the real home: one for the whole session,
so indexes built by fixtures of any scope open in every test.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("SEARCHTUI_SHARED") or REPO.parent / "shared")


@pytest.fixture(scope="session", autouse=True)
def data_home(tmp_path_factory) -> Iterator[Path]:
    """A temporary ``XDG_DATA_HOME``, where the signing key is made."""
    folder = tmp_path_factory.mktemp("data-home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_DATA_HOME", str(folder))
        yield folder


def shared_path(*parts: str) -> Path:
    return SHARED.joinpath(*parts)


def _need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} is not available")
    return path


@pytest.fixture(scope="session")
def allsides_dir() -> Path:
    return _need(shared_path("corpora", "allsides"))


@pytest.fixture(scope="session")
def wikinews_dir() -> Path:
    return _need(shared_path("corpora", "wikinews"))


@pytest.fixture(scope="session")
def conll_dir() -> Path:
    return _need(shared_path("ner", "conll2003"))


@pytest.fixture(params=["compiled", "numpy"])
def counting(request, monkeypatch) -> str:
    """Runs a test with facets counted by the compiled loops, then by numpy."""
    from searchtui import kernels

    if request.param == "compiled" and kernels.loops is None:
        pytest.skip("the counting loops are not compiled in this install")
    if request.param == "numpy":
        monkeypatch.setattr(kernels, "loops", None)
    return request.param

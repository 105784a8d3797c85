"""Shared test fixtures.

Tests that need the shared corpora read them in place, beside the repository
(``../shared``, or the folder named by ``SEARCHTUI_SHARED``), and skip cleanly
when they are absent.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("SEARCHTUI_SHARED") or REPO.parent / "shared")


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

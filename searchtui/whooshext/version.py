"""Which Whoosh is installed, and whether searchtui's fast paths may run on it.

The fast paths write and read Whoosh's files directly and lean on its private
attributes, as they are in the stock 2.7.4 release. Forks install a package
of the same name with other internals; on anything but that release the
stock paths are taken (Whoosh's own writer, matchers and readers), which are
slower but rely on Whoosh's public API alone.
"""

from __future__ import annotations

import whoosh

#: The Whoosh release the fast paths are written for.
RELEASE = (2, 7, 4)


def installed() -> tuple[int, ...]:
    """The installed Whoosh's version, as a tuple."""
    return tuple(whoosh.__version__)


def fast_paths() -> bool:
    """True when the installed Whoosh is exactly the release the fast paths are written for.

    Asked each time (a tuple comparison), so a test can pretend to be another version.
    """
    return installed() == RELEASE


def describe() -> str:
    """One line for ``searchtui --version``: the Whoosh version and the paths taken."""
    version = ".".join(str(n) for n in installed())
    if fast_paths():
        return f"whoosh: {version} (fast paths)"
    return f"whoosh: {version} (not the release searchtui was written for: stock paths)"

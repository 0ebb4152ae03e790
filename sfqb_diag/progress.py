"""Progress bars on long steps for a person watching a terminal, and nothing otherwise.

A scheduled run writes to a log file and tests capture stderr: a bar there is noise (carriage
returns in a log), so the bar shows only when stderr is a terminal.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

from tqdm import tqdm

T = TypeVar("T")


def shown() -> bool:
    """True when stderr is an interactive terminal (not a pipe, a file or a test's capture)."""
    stream = sys.stderr
    return bool(getattr(stream, "isatty", None) and stream.isatty())


def progress(items: Iterable[T], what: str, total: int | None = None) -> Iterator[T]:
    """Iterate `items`, with a bar named `what` on stderr when it is a terminal."""
    yield from tqdm(
        items, desc=what, total=total, unit="", leave=False, disable=not shown(), file=sys.stderr
    )

"""Progress bars show on a terminal only: logs and captured output stay free of them."""

from __future__ import annotations

import io
import sys

from sfqb_diag.progress import progress


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_silent_when_stderr_is_not_a_terminal(monkeypatch):
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    assert list(progress(range(5), "checks")) == [0, 1, 2, 3, 4]
    assert stream.getvalue() == ""


def test_a_bar_when_stderr_is_a_terminal(monkeypatch):
    stream = _Terminal()
    monkeypatch.setattr(sys, "stderr", stream)
    assert list(progress(range(3), "notebooks", total=3)) == [0, 1, 2]
    assert "notebooks" in stream.getvalue()

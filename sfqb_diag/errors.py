"""One exception tree; each error carries the CLI exit code that DESIGN.md assigns to it."""

from __future__ import annotations

from dataclasses import dataclass


class SfqbError(Exception):
    """Base of every error sfqb-diag raises on purpose. `exit_code` is what the CLI returns."""

    exit_code = 2


class UsageError(SfqbError):
    """Wrong arguments or a config that cannot be used (exit 2)."""


@dataclass(frozen=True)
class Problem:
    """One problem found in an input file, located as precisely as the file allows."""

    file: str
    message: str
    line: int | None = None
    column: str | None = None
    fatal: bool = True

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f", line {self.line}"
        if self.column:
            where += f", column {self.column}"
        return f"{where}: {self.message}"


class InputError(SfqbError):
    """Input files that cannot be used. Carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        shown = "\n".join(f"  - {p}" for p in problems[:50])
        more = f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(
            f"{len(problems)} problem{'' if len(problems) == 1 else 's'} in the input:\n{shown}{more}"
        )


class PullError(SfqbError):
    """A pull, login or authentication failure (exit 3)."""

    exit_code = 3


class NotebookError(SfqbError):
    """A report notebook failed (exit 3); the executed notebook is kept for inspection."""

    exit_code = 3

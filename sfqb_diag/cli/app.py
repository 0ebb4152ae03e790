"""The one `sfqb-diag` app: every verb listed explicitly, and the one place errors become exit codes.

Exit codes (DESIGN.md): 0 done; 1 a finding at or above --fail-on (or a new one at or above
--fail-on-new); 2 usage or input error, nothing written; 3 a pull, authentication or notebook
failure; 4 an internal error (a bug: one sentence and the log path); 130 interrupted.
"""

from __future__ import annotations

import click
import typer

from sfqb_diag.cli import (
    adapt_log,
    apply_fixes,
    check,
    checks,
    connect,
    demo,
    diff,
    doctor,
    fake_server,
    init,
    pull,
    report,
)
from sfqb_diag.crash_log import (
    INTERNAL_ERROR,
    INTERRUPTED,
    INTERRUPTED_MESSAGE,
    internal_error_message,
)
from sfqb_diag.errors import InputError, SfqbError

# typer 0.2x vendors its own click (typer._click), whose exceptions are not the click package's.
_VENDORED = getattr(typer, "_click", click)
USAGE_ERRORS = (click.ClickException, _VENDORED.exceptions.ClickException)
ABORTS = (click.exceptions.Abort, typer.Abort)

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Diagnose a Salesforce -> QuickBooks Online sync: findings, fix lists and reports.",
)
VERBS = {
    "check": check.check,
    "report": report.report,
    "demo": demo.demo,
    "pull": pull.pull,
    "doctor": doctor.doctor,
    "connect": connect.connect,
    "fake-server": fake_server.fake_server,
    "diff": diff.diff,
    "apply-fixes": apply_fixes.apply_fixes,
    "adapt-log": adapt_log.adapt_log_command,
    "init": init.init,
    "checks": checks.list_checks,
}
for name, verb in VERBS.items():
    app.command(name)(verb)  # type: ignore[type-var]


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; the one catch site: errors become a message on stderr and an exit code."""
    try:
        # standalone_mode=False: click returns a command's typer.Exit code instead of raising it.
        code = app(args=argv, standalone_mode=False)
    except SfqbError as exc:
        suffix = "\nNothing was written." if isinstance(exc, InputError) else ""
        typer.echo(f"error: {exc}{suffix}", err=True)
        return exc.exit_code
    except typer.Exit as exc:
        if exc.exit_code == INTERRUPTED:  # typer turns Ctrl-C into Exit(130), silently
            typer.echo(INTERRUPTED_MESSAGE, err=True)
        return exc.exit_code
    except (*ABORTS, KeyboardInterrupt):  # click turns Ctrl-C at a prompt into Abort
        typer.echo(INTERRUPTED_MESSAGE, err=True)
        return INTERRUPTED
    except USAGE_ERRORS as exc:
        exc.show()
        return 2
    except Exception as exc:
        # Usage errors from the copy of click that typer ships carry show() too.
        if isinstance(exc, typer.TyperException) and hasattr(exc, "show"):
            exc.show()
            return 2
        typer.echo(f"error: {internal_error_message(exc)}", err=True)
        return INTERNAL_ERROR
    if code == INTERRUPTED:  # typer returns Ctrl-C as 130, silently
        typer.echo(INTERRUPTED_MESSAGE, err=True)
    return code if isinstance(code, int) else 0

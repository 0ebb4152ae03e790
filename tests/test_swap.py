"""The report folder is replaced whole: a failure or a kill between any two steps of the swap
leaves `<out>` holding the complete previous run or the complete new one, never a mix.

Fixture: `out/` holds run "old" (summary.json and findings.csv agree) plus entries no run wrote
(raw/ with a file and a symlink, truth.json), as a demo folder does. The new run writes "new".
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from sfqb_diag.publish import old_of, partial_of, publishing, recover

STEPS = ("rename", "link", "symlink", "rmtree", "copytree", "copy2")


def _make_old(out: Path) -> None:
    (out / "raw" / "salesforce").mkdir(parents=True)
    (out / "raw" / "salesforce" / "Account.csv").write_text("Id,Name\n", encoding="utf-8")
    (out / "raw" / "current").symlink_to("salesforce")
    (out / "truth.json").write_text("{}", encoding="utf-8")
    _write_run(out, "old")
    (out / "matches").mkdir()
    (out / "matches" / "customers.csv").write_text("old", encoding="utf-8")


def _write_run(folder: Path, label: str) -> None:
    (folder / "summary.json").write_text(label, encoding="utf-8")
    (folder / "findings.csv").write_text(label, encoding="utf-8")


def _state(out: Path) -> str:
    """'old' or 'new' when `out` holds one whole run and the foreign entries; else what is wrong."""
    if not out.is_dir():
        return "absent"
    labels = {(out / name).read_text(encoding="utf-8") for name in ("summary.json", "findings.csv")}
    if len(labels) != 1:
        return f"mixed {sorted(labels)}"
    (label,) = labels
    if label == "old" and (out / "matches" / "customers.csv").read_text(encoding="utf-8") != "old":
        return "old run without its matches"
    if label == "new" and (out / "matches").exists():
        return "new run with the old run's matches"
    foreign = (out / "raw" / "salesforce" / "Account.csv").read_text(encoding="utf-8")
    if foreign != "Id,Name\n" or os.readlink(out / "raw" / "current") != "salesforce":
        return "raw/ lost"
    return label


class Boom(Exception):
    pass


def _failing_at(monkeypatch: pytest.MonkeyPatch, fail_at: int) -> list[str]:
    """Make the `fail_at`-th file-system step of the swap raise; return the steps seen."""
    seen: list[str] = []
    for name in STEPS:
        owner = os if name in ("rename", "link", "symlink") else shutil
        real = getattr(owner, name)

        def step(*args, _real=real, _name=name, **kwargs):
            seen.append(_name)
            if len(seen) == fail_at:
                raise Boom(f"step {fail_at} ({_name}) failed")
            return _real(*args, **kwargs)

        monkeypatch.setattr(owner, name, step)
    return seen


def _publish_new(out: Path) -> None:
    with publishing(out) as folder:
        _write_run(folder, "new")


def test_a_failure_at_every_step_leaves_old_or_new_whole(tmp_path: Path) -> None:
    outcomes = []
    for fail_at in range(1, 40):
        out = tmp_path / f"case{fail_at}" / "out"
        out.mkdir(parents=True)
        _make_old(out)
        with pytest.MonkeyPatch.context() as mp:
            seen = _failing_at(mp, fail_at)
            try:
                _publish_new(out)
                failed = False
            except Boom:
                failed = True
        state = _state(out)
        # Before the new folder is renamed in, a failure keeps the old run; after it, the new.
        renamed_in = seen[: fail_at - 1].count("rename") >= 2  # out -> .old, then partial -> out
        assert state == ("new" if not failed or renamed_in else "old"), seen
        assert not partial_of(out).exists()
        recover(out)  # the next run tidies a leftover <out>.old without changing the run
        assert _state(out) == state and not old_of(out).exists()
        outcomes.append(failed)
        if not failed:
            break
    assert outcomes[-1] is False and len(outcomes) > 5  # every step was tried, then it succeeded


def _killed_at(out: Path, kill_at: int) -> None:
    """Run the swap in a child that SIGKILLs itself at step `kill_at` (no cleanup can run)."""
    script = textwrap.dedent(
        f"""
        import os, shutil, signal, sys
        from pathlib import Path
        from sfqb_diag.publish import publishing
        count = [0]
        def wrap(owner, name):
            real = getattr(owner, name)
            def step(*a, **k):
                count[0] += 1
                if count[0] == {kill_at}:
                    os.kill(os.getpid(), signal.SIGKILL)
                return real(*a, **k)
            setattr(owner, name, step)
        for name in ("rename", "link", "symlink"):
            wrap(os, name)
        for name in ("rmtree", "copytree", "copy2"):
            wrap(shutil, name)
        out = Path(sys.argv[1])
        with publishing(out) as folder:
            (folder / "summary.json").write_text("new", encoding="utf-8")
            (folder / "findings.csv").write_text("new", encoding="utf-8")
        """
    )
    subprocess.run([sys.executable, "-c", script, str(out)], check=False, timeout=60)


@pytest.mark.slow
def test_a_kill_at_every_step_is_recovered_by_the_next_run(tmp_path: Path) -> None:
    for kill_at in range(1, 12):
        out = tmp_path / f"kill{kill_at}" / "out"
        out.mkdir(parents=True)
        _make_old(out)
        _killed_at(out, kill_at)
        recover(out)  # what the next run does first
        assert _state(out) in ("old", "new"), kill_at
        assert not old_of(out).exists()


def test_recover_restores_the_old_folder_and_says_so(tmp_path: Path) -> None:
    out = tmp_path / "out"
    old = old_of(out)
    old.mkdir()
    _write_run(old, "old")
    note = recover(out)
    assert note and "restored" in note and str(out) in note
    assert (out / "summary.json").read_text(encoding="utf-8") == "old"
    assert recover(out) is None


def test_recover_drops_a_leftover_old_beside_a_whole_new_run(tmp_path: Path) -> None:
    out, old = tmp_path / "out", old_of(tmp_path / "out")
    out.mkdir()
    old.mkdir()
    _write_run(out, "new")
    _write_run(old, "old")
    assert "removed" in (recover(out) or "")
    assert not old.exists() and (out / "summary.json").read_text(encoding="utf-8") == "new"


def test_an_error_while_building_keeps_the_old_run_and_no_partial(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    _make_old(out)
    with pytest.raises(RuntimeError), publishing(out) as folder:
        _write_run(folder, "new")
        raise RuntimeError("a check crashed")
    assert _state(out) == "old" and not partial_of(out).exists()


def test_the_new_run_replaces_every_old_entry(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    _make_old(out)
    _publish_new(out)
    assert _state(out) == "new"
    assert not old_of(out).exists() and not partial_of(out).exists()

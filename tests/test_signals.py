"""How briefgen ends when it is told to stop (SIGTERM) or its reader goes away (a closed pipe)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from briefgen.cli import app

from .conftest import edit

Make = Callable[[str], Path]
CASE = "cases/sample-case/case.yaml"
PROC = Path("/proc")

needs_proc = pytest.mark.skipif(not (PROC / "self" / "stat").exists(),
                                reason="finds child processes through /proc")


def _processes() -> dict[int, tuple[int, str, str]]:
    """pid: (parent pid, start time, command line) of every process still running."""
    found = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(
                "utf-8", "replace")
        except OSError:
            continue  # ended while being read
        # The command name in parentheses may hold spaces; the fields after it do not.
        state, ppid, *rest = stat[stat.rindex(")") + 2:].split()
        if state != "Z":  # a zombie has ended; only its parent's wait is missing
            found[int(entry.name)] = (int(ppid), rest[17], cmdline)
    return found


def _descendants(pid: int) -> dict[int, str]:
    """pid: start time of every process below ``pid`` (the start time tells a pid reused
    by an unrelated process apart)."""
    processes = _processes()
    below: dict[int, str] = {}
    parents = {pid}
    while parents:
        children = {p for p, (ppid, _start, _cmd) in processes.items() if ppid in parents}
        below.update({p: processes[p][1] for p in children})
        parents = children - parents
    return below


def _still_running(started: dict[int, str]) -> dict[int, str]:
    processes = _processes()
    return {pid: processes[pid][2] for pid, start in started.items()
            if pid in processes and processes[pid][1] == start}


def _as_from_a_terminal() -> None:
    # A process group of its own, as a shell gives a job, so that a signal sent to the
    # group (as Ctrl-C is) reaches the build and its workers, not the tests; and SIGINT
    # not ignored, as a non-interactive shell leaves it for its background children.
    os.setpgrp()
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _build_at_work(content: Path, *, own_group: bool = False,
                   ) -> tuple[subprocess.Popen[str], dict[int, str]]:
    """A ``briefgen build`` of ``content`` in its own process, caught while a render
    worker (a grandchild, forked by the forkserver) is at work; and its descendants."""
    root = content.parent
    # A temporary folder of its own: what the build leaves there is seen (and a killed
    # build's leftovers stay out of the machine's /tmp).
    (root / "tmp").mkdir(exist_ok=True)
    # -m with the project as working directory puts it on sys.path, so the forkserver's
    # command line (which lists sys.path) and its workers' name it.
    process = subprocess.Popen([sys.executable, "-m", "briefgen", "build", "--content",
                                str(content), "--jobs", "1"], cwd=root,
                               env={**os.environ, "TMPDIR": str(root / "tmp")},
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               preexec_fn=_as_from_a_terminal if own_group else None)
    assert process.stderr is not None
    seen = []
    for line in process.stderr:
        seen.append(line)
        if line.startswith("rendering") and "document" in line:
            break
    else:
        pytest.fail("the build never started rendering:\n" + "".join(seen))
    deadline = time.monotonic() + 30
    children: dict[int, str] = {}
    while time.monotonic() < deadline:
        children = _descendants(process.pid)
        processes = _processes()
        if any(processes[pid][0] != process.pid for pid in children if pid in processes):
            return process, children
        time.sleep(0.05)
    process.kill()
    pytest.fail(f"no render worker appeared; children: {children}")


def _changed_project(project: Make) -> tuple[Path, dict[str, bytes]]:
    """The minimal sample built once, then changed: the next build renders; and the
    first build's outputs."""
    content = project("minimal")
    assert CliRunner().invoke(app, ["build", "--content", str(content)]).exit_code == 0
    before = {p.name: p.read_bytes() for p in (content.parent / "output").iterdir()}
    edit(content / CASE, "Release them.", "Release them now.")
    return content, before


def _gone_soon(children: dict[int, str], root: Path) -> None:
    deadline = time.monotonic() + 10
    while _still_running(children) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _still_running(children)
    assert not [cmd for _ppid, _start, cmd in _processes().values() if str(root) in cmd]


@pytest.mark.slow
@needs_proc
def test_sigterm_stops_build_and_its_workers_cleanly(project: Make) -> None:
    content, before = _changed_project(project)
    root = content.parent
    process, children = _build_at_work(content)
    try:
        process.send_signal(signal.SIGTERM)
        # Hangs if a child that inherited the pipes outlives briefgen.
        stdout, stderr = process.communicate(timeout=60)
        assert process.returncode == 128 + signal.SIGTERM, stdout + stderr
        assert stderr.strip().splitlines()[-1] == "terminated by SIGTERM"
        assert "Traceback" not in stderr and "leaked" not in stderr
        _gone_soon(children, root)
        out_dir = root / "output"
        assert {p.name: p.read_bytes() for p in out_dir.iterdir()} == before  # no .tmp either
        assert list((root / "tmp").iterdir()) == []  # the workers' scratch folder is gone
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
        for pid in _still_running(children):  # so that a failure leaves nothing behind
            os.kill(pid, signal.SIGKILL)


@pytest.mark.slow
@needs_proc
def test_ctrl_c_stops_build_and_its_workers_in_its_own_words(project: Make) -> None:
    content, before = _changed_project(project)
    root = content.parent
    process, children = _build_at_work(content, own_group=True)
    try:
        os.killpg(process.pid, signal.SIGINT)  # to every process of the job, as Ctrl-C
        stdout, stderr = process.communicate(timeout=60)
        assert process.returncode == 128 + signal.SIGINT, stdout + stderr
        assert stderr.strip().splitlines()[-1] == "interrupted by Ctrl-C", stderr
        assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr
        _gone_soon(children, root)
        out_dir = root / "output"
        assert {p.name: p.read_bytes() for p in out_dir.iterdir()} == before
        assert list((root / "tmp").iterdir()) == []
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
        for pid in _still_running(children):
            os.kill(pid, signal.SIGKILL)


@pytest.mark.slow
@needs_proc
def test_sigkill_leaves_no_worker_behind(project: Make) -> None:
    # Killed outright, the build cannot stop its workers: they must notice and end, or
    # each waits for work for ever and keeps the forkserver and resource tracker alive.
    content, _before = _changed_project(project)
    process, children = _build_at_work(content)
    try:
        process.kill()
        process.communicate(timeout=60)
        _gone_soon(children, content.parent)
    finally:
        for pid in _still_running(children):
            os.kill(pid, signal.SIGKILL)


# --help is written by Typer, outside briefgen's own error handling.
@pytest.mark.parametrize("command", [["list", "--content"], ["--help"], ["build", "--help"]])
@pytest.mark.parametrize("closed", ["stdout", "stdout and stderr"])
def test_closed_output_pipe_ends_quietly_with_141(project: Make, closed: str,
                                                   command: list[str]) -> None:
    content = project("minimal")
    # A reader that has gone before anything was written, as `briefgen list | true`:
    # every write to the pipe fails, whenever the output is flushed.
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        process = subprocess.run(
            [sys.executable, "-m", "briefgen", *command,
             *([str(content)] if command[-1] == "--content" else [])],
            stdout=write_end,
            stderr=write_end if closed == "stdout and stderr" else subprocess.PIPE,
            text=True, timeout=60, check=False)
    finally:
        os.close(write_end)
    assert process.returncode == 128 + signal.SIGPIPE, process.stderr
    if process.stderr is not None:
        assert process.stderr == ""  # no traceback, no "internal error", no "Exception ignored"


@pytest.mark.slow
def test_ctrl_c_ends_a_waiting_watch_with_0_in_its_own_words(project: Make) -> None:
    content = project("minimal")
    # SIGINT as a terminal sends it; a child of a non-interactive shell may ignore it.
    process = subprocess.Popen(
        [sys.executable, "-m", "briefgen", "watch", "--content", str(content)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # the first build's summary: now it waits
        assert "watching for changes" in line, line
        time.sleep(0.5)
        process.send_signal(signal.SIGINT)
        _stdout, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, stderr
    assert stderr.strip().splitlines()[-1] == "stopped watching", stderr
    assert "KeyboardInterrupt" not in stderr and "Traceback" not in stderr

"""Running a command as a measured process: wall time and the peak resident memory of its whole
process tree (the process and every descendant, e.g. dbt), sampled from /proc every 50 ms."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from orchestration.lib.paths import REPO_ROOT

SAMPLE_SECONDS = 0.05
PAGE = os.sysconf("SC_PAGE_SIZE")
_HAS_CHILDREN_FILE = os.path.exists(f"/proc/{os.getpid()}/task/{os.getpid()}/children")


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return kids
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                kids.extend(int(k) for k in handle.read().split())
        except OSError:
            continue
    return kids


def _children_by_scan(pid: int) -> list[int]:
    """Fallback when the kernel has no /proc/<pid>/task/<tid>/children."""
    kids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                kids.append(int(entry))
    return kids


def tree_rss(root: int) -> list[tuple[int, int]]:
    """(pid, resident bytes) of a process and all its descendants. Shared pages count once per
    process, as `ps` shows them."""
    found, stack, seen = [], [root], set()
    find = _children if _HAS_CHILDREN_FILE else _children_by_scan
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            with open(f"/proc/{pid}/statm") as handle:
                found.append((pid, int(handle.read().split()[1]) * PAGE))
        except (OSError, IndexError, ValueError):
            continue
        stack.extend(find(pid))
    return found


def process_name(pid: int) -> str:
    """'jifen', 'dbt', 'bench.floor', ...: the script a Python process runs, else the program."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            argv = [a.decode(errors="replace") for a in handle.read().split(b"\0") if a]
    except OSError:
        return "?"
    if not argv:
        return "?"
    name = Path(argv[0]).name
    if name.startswith("python") and len(argv) > 1:
        if "-c" in argv:
            return "python -c"
        if "-m" in argv[:-1]:
            return argv[argv.index("-m") + 1]
        rest = [a for a in argv[1:] if not a.startswith("-")]
        name = Path(rest[0]).name if rest else name
    return name


@dataclass
class Measured:
    wall: float
    peak_rss: int
    returncode: int
    log: Path
    started: float = 0.0  # epoch seconds, comparable with Dagster's event times
    samples: list[tuple[float, int]] = field(default_factory=list)  # (epoch, tree RSS)
    peak_parts: dict[str, int] = field(default_factory=dict)  # process name -> RSS at the peak

    def peak_between(self, first: float, last: float) -> int | None:
        inside = [rss for at, rss in self.samples if first <= at <= last]
        return max(inside) if inside else None

    def sample(self, pid: int) -> None:
        """One sample of the tree's memory; at a new peak, which processes hold it."""
        parts = tree_rss(pid)
        total = sum(rss for _, rss in parts)
        self.samples.append((time.time(), total))
        if total > self.peak_rss:
            self.peak_rss = total
            named: dict[str, int] = {}
            for child, rss in parts:
                name = process_name(child)
                named[name] = named.get(name, 0) + rss
            self.peak_parts = named


def run_measured(command: list[str], log: Path, env: dict[str, str] | None = None) -> Measured:
    """Run a command (in the repository) to completion; wall time and peak RSS of its tree."""
    log.parent.mkdir(parents=True, exist_ok=True)
    measured = Measured(0.0, 0, 0, log, started=time.time())
    done = threading.Event()
    with log.open("w") as out:
        start = time.monotonic()
        process = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=REPO_ROOT
        )

        def sample() -> None:
            while not done.is_set():
                measured.sample(process.pid)
                done.wait(SAMPLE_SECONDS)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        measured.returncode = process.wait()
        measured.wall = time.monotonic() - start
        done.set()
        sampler.join()
    return measured


def log_tail(path: Path, lines: int = 25) -> str:
    try:
        text = path.read_text(errors="replace").splitlines()
    except OSError:
        return ""
    return "\n".join(text[-lines:])

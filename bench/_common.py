"""Shared helpers of the benchmarks: paths, medians, timing of child processes, machine description."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED_CORPUS = ROOT.parent / "shared" / "corpus" / "gne"


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values)) if values else float("nan")


@dataclass(frozen=True)
class ChildRun:
    """One child process: wall time, peak memory of its process tree, exit code and output.

    ``max_rss_mb`` is the peak of the *sum* of resident memory over the child and all its descendants at the
    same moment (sampled), so processes that run at once (e.g. two Pagefind shard indexers next to the
    Python build) add up; ``peak_process_mb`` is the largest single process's own high-water mark."""

    seconds: float
    max_rss_mb: float  # peak of the sum of RSS over the whole process tree (see ``run_child``)
    returncode: int
    stdout: str
    stderr: str
    own_rss_mb: float = 0.0  # the child's own VmHWM
    child_rss_mb: float = 0.0  # the largest VmHWM among its descendants
    peak_process_mb: float = 0.0  # the largest VmHWM of any one process of the tree
    tree_sum_mb: float = 0.0  # the largest sampled sum of VmRSS over the tree (before taking the max above)
    max_processes: int = 1  # the most processes of the tree alive at one sample
    descendants: int = 0  # distinct descendant processes seen


def _hwm_kb(pid: int) -> int:
    """The peak resident set (VmHWM) of a live process, in KiB; 0 when it is gone or a zombie."""
    return _mem_kb(pid)[1]


def _mem_kb(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of a live process, in KiB; (0, 0) when it is gone or a zombie."""
    rss = hwm = 0
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    hwm = int(line.split()[1])
                elif line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
                    break  # VmRSS comes after VmHWM
    except (OSError, ValueError, IndexError):
        pass
    return rss, hwm


# Between fork and exec a child shows its parent's memory as its own (shared copy-on-write, not new): summing
# its resident set with its parent's would count that memory twice. So a descendant that still runs its parent's
# program (the same name: forked and not yet exec'd, or a forked worker) is counted by the memory it does not
# share (``_private_kb``), any other by its resident set. No timing is involved: under load a child can sit
# between fork and exec for many samples.


def _private_kb(pid: int) -> int | None:
    """Private_Clean + Private_Dirty of a live process, in KiB (None when it is gone)."""
    total = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith(("Private_Clean:", "Private_Dirty:")):
                    total += int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return total


def _comm(pid: int | None) -> str | None:
    if pid is None:
        return None
    try:
        with open(f"/proc/{pid}/comm", encoding="utf-8", errors="replace") as fh:
            return fh.read().strip()
    except OSError:
        return None


def _ppid(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            return int(fh.read().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def _children(pid: int) -> list[int]:
    """The children of every thread of ``pid`` (a child started from a thread is listed under that thread)."""
    out: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/children", encoding="ascii") as fh:
                out.extend(int(x) for x in fh.read().split())
        except (OSError, ValueError):
            continue
    return out


def _tree(pid: int) -> list[int]:
    """``pid`` and all its descendants alive now."""
    seen = [pid]
    stack = [pid]
    while stack:
        for child in _children(stack.pop()):
            if child not in seen:
                seen.append(child)
                stack.append(child)
    return seen


def run_child(
    cmd: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | str | None = None,
    timeout: float | None = None,
    interval: float = 0.01,
) -> ChildRun:
    """Run ``cmd`` and measure its wall time and the peak memory of its whole process tree.

    Every ``interval`` (10 ms) the tree (the child and all its descendants, from
    ``/proc/<pid>/task/*/children``) is walked and the VmRSS of its processes summed; the peak is the largest
    such sum, raised to the largest single VmHWM when one process alone peaked between two samples (VmHWM is
    exact, the samples are not), so it never under-reports what one process used. A child caught between fork
    and exec (its parent's memory, shared) is counted by its private memory only (``_private_kb``). The largest VmHWM of any one
    process is kept too (``peak_process_mb``). ``ru_maxrss`` from wait4 cannot be used: Linux carries the
    parent's high-water mark into a forked child across exec, so every child of a big benchmark process would
    look big; nor does it add up processes that run at once.

    On ``timeout`` the child and the descendants last seen are killed (by pid).
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(list(cmd), stdout=out, stderr=err, env=dict(env) if env else None, cwd=cwd)
        deadline = None if timeout is None else started + timeout
        own_hwm = child_hwm = tree_sum = 0
        most = 1
        seen: set[int] = set()
        pids = [proc.pid]
        while True:
            pids = _tree(proc.pid)
            total = 0
            alive = 0
            for pid in pids:
                # The name is read before the memory: read after it, a child could exec in between and its
                # parent's memory, read before the exec, would be counted as its own.
                forked = pid != proc.pid and _comm(pid) == _comm(_ppid(pid))
                rss, hwm = _mem_kb(pid)
                if not hwm:
                    continue  # gone, or a zombie waiting to be reaped
                if forked:
                    private = _private_kb(pid)
                    if private is None:
                        continue  # gone meanwhile
                    rss = min(rss, private)  # what it shares is its parent's, counted there
                alive += 1
                total += rss
                if pid == proc.pid:
                    own_hwm = max(own_hwm, hwm)
                else:
                    seen.add(pid)
                    child_hwm = max(child_hwm, hwm)
            tree_sum = max(tree_sum, total)
            most = max(most, alive)
            pid, status, _usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if deadline is not None and time.perf_counter() > deadline:
                for other in reversed(pids[1:]):  # descendants of our own child only, by pid
                    try:
                        os.kill(other, 9)
                    except OSError:
                        pass
                proc.kill()
                pid, status, _usage = os.wait4(proc.pid, 0)
                break
            time.sleep(interval)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        largest = max(own_hwm, child_hwm)
        return ChildRun(
            seconds=seconds,
            max_rss_mb=max(tree_sum, largest) / 1024.0,
            returncode=proc.returncode,
            stdout=out.read().decode("utf-8", "replace"),
            stderr=err.read().decode("utf-8", "replace"),
            own_rss_mb=own_hwm / 1024.0,
            child_rss_mb=child_hwm / 1024.0,
            peak_process_mb=largest / 1024.0,
            tree_sum_mb=tree_sum / 1024.0,
            max_processes=most,
            descendants=len(seen),
        )


def project_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for a child that must import the project packages (not bench/ shadowing extract/)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    if extra:
        env.update(extra)
    return env


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _mem_total_gb() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return float("nan")


def _os_name() -> str:
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                return line.split("=", 1)[1].strip('"') + f" (Linux {platform.release()})"
    except OSError:
        pass
    return platform.platform()


def _version(module: str) -> str:
    try:
        from importlib.metadata import version

        return version(module)
    except Exception:  # noqa: BLE001 - a missing package is reported, not fatal
        return "not installed"


def hugo_version(hugo: str = "hugo") -> str:
    try:
        out = subprocess.run(
            [hugo, "version"], capture_output=True, text=True, check=False, timeout=30
        ).stdout
    except OSError:
        return "not installed"
    return out.split()[1] if out.split() else "unknown"


def machine_info() -> dict[str, str]:
    return {
        "CPU": _cpu_model(),
        "cores": str(os.cpu_count()),
        "memory": f"{_mem_total_gb():.1f} GB",
        "OS": _os_name(),
        "Python": sys.version.split()[0],
        "Scrapy": _version("scrapy"),
        "trafilatura": _version("trafilatura"),
        "lxml": _version("lxml"),
        "Jinja2": _version("jinja2"),
        "feedgen": _version("feedgen"),
        "Hugo": hugo_version(),
    }

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
    """One child process: wall time, peak RSS (its own + its largest child's), exit code and output."""

    seconds: float
    max_rss_mb: float  # own + largest child's
    returncode: int
    stdout: str
    stderr: str
    own_rss_mb: float = 0.0
    child_rss_mb: float = 0.0


def _hwm_kb(pid: int) -> int:
    """The peak resident set (VmHWM) of a live process, in KiB; 0 when it is gone or a zombie."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as fh:
            return [int(x) for x in fh.read().split()]
    except OSError:
        return []


def run_child(
    cmd: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | str | None = None,
    timeout: float | None = None,
) -> ChildRun:
    """Run ``cmd`` and measure its wall time and peak memory.

    Peak memory is sampled from /proc every 10 ms: the child's VmHWM (its own high-water mark, exact) plus the
    largest VmHWM seen of its own children (e.g. Pagefind under the site build). ``ru_maxrss`` from wait4
    cannot be used: Linux carries the parent's high-water mark into a forked child across exec, so every child
    of a big benchmark process would look big.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(list(cmd), stdout=out, stderr=err, env=dict(env) if env else None, cwd=cwd)
        deadline = None if timeout is None else started + timeout
        own_kb = children_kb = 0
        while True:
            own_kb = max(own_kb, _hwm_kb(proc.pid))
            for child in _children(proc.pid):
                children_kb = max(children_kb, _hwm_kb(child))
            pid, status, _usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if deadline is not None and time.perf_counter() > deadline:
                proc.kill()
                pid, status, _usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.01)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return ChildRun(
            seconds=seconds,
            max_rss_mb=(own_kb + children_kb) / 1024.0,
            returncode=proc.returncode,
            stdout=out.read().decode("utf-8", "replace"),
            stderr=err.read().decode("utf-8", "replace"),
            own_rss_mb=own_kb / 1024.0,
            child_rss_mb=children_kb / 1024.0,
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
        "Pagefind": _pagefind_version(),
    }


def _pagefind_version() -> str:
    try:
        from site_builder.search import find_pagefind, pagefind_version

        binary = find_pagefind()
        return pagefind_version(binary) if binary is not None else "not installed"
    except Exception:  # noqa: BLE001 - the builder evolves; a version string is not worth a failure
        return "unknown"

"""Commands that write the store or output/ never overlap: each is refused (exit 3, naming the holder) or waits
(--wait) while another holds its lock, and the published site is complete whatever is started at once."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from yigai.sample_web.server import SampleWeb

REPO = Path(__file__).resolve().parents[1]


def _env() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(REPO))


def _config(tmp: Path, title: str = "医改观察 Yigai Watch") -> Path:
    cfg = tmp / f"yigai-{abs(hash(title))}.toml"
    cfg.write_text(f'database = "{tmp / "db.sqlite3"}"\noutput_dir = "{tmp / "output"}"\n'
                   f'[site]\nbase_url = "https://yigai.test/"\ntitle = "{title}"\n'
                   "[scrapy]\nAUTOTHROTTLE_ENABLED = false\nDOWNLOAD_DELAY = 0\n", encoding="utf-8")
    return cfg


def _yigai(*args: str) -> list[str]:
    return [sys.executable, "-m", "yigai.cli", *args]


@contextmanager
def locks_held(tmp: Path, store: bool = True, output: bool = True) -> Iterator[subprocess.Popen]:
    """The store and/or output lock held by another process, as a running `yigai run` holds them."""
    code = (
        "import sys, time; from pathlib import Path; from yigai.lock import store_lock, output_lock\n"
        f"if {store}: store_lock(Path({str(tmp / 'db.sqlite3')!r}), 'yigai run').acquire()\n"
        f"if {output}: output_lock(Path({str(tmp / 'output')!r}), 'yigai run').acquire()\n"
        "print('held', flush=True); time.sleep(300)\n"
    )
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=_env())
    try:
        assert holder.stdout.readline().strip() == "held"
        yield holder
    finally:
        holder.kill()
        holder.wait()


@pytest.fixture
def store_with_site(tmp_path) -> Path:
    from tests.site_builder.site_fixtures import fill_store

    fill_store(tmp_path / "db.sqlite3").close()
    archive = tmp_path / "archive.jsonl"
    archive.write_text('{"format": "yigai-archive/1"}\n', encoding="utf-8")
    return tmp_path


WRITERS = {
    "build": ["build"],
    "extract": ["extract"],
    "import": ["import", "{tmp}/archive.jsonl"],
    "crawl": ["crawl", "--registry", "sample", "--sample-web", "http://127.0.0.1:9"],
    "run": ["run", "--registry", "sample", "--sample-web", "http://127.0.0.1:9"],
    "demo": ["demo", "--database", "{tmp}/db.sqlite3", "--output", "{tmp}/output"],
}


@pytest.mark.parametrize("command", sorted(WRITERS))
def test_every_command_that_writes_is_refused_naming_the_holder(store_with_site, command):
    tmp = store_with_site
    argv = [a.format(tmp=tmp) for a in WRITERS[command]] + ["--config", str(_config(tmp))]
    with locks_held(tmp) as holder:
        done = subprocess.run(_yigai(*argv), capture_output=True, text=True, env=_env(), timeout=120)
    assert done.returncode == 3, done.stdout + done.stderr
    assert f"held by pid {holder.pid}, yigai run" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp / "output").exists()  # nothing was built


def test_a_build_is_refused_while_another_store_publishes_into_its_output(store_with_site):
    tmp = store_with_site
    with locks_held(tmp, store=False) as holder:
        done = subprocess.run(_yigai("build", "--config", str(_config(tmp))), capture_output=True, text=True,
                              env=_env(), timeout=120)
    assert done.returncode == 3 and f"{tmp / '.output.lock'} is held by pid {holder.pid}" in done.stderr


def test_a_build_with_wait_waits_for_the_holder_then_builds(store_with_site):
    tmp = store_with_site
    with locks_held(tmp) as holder:
        build = subprocess.Popen(_yigai("build", "--wait", "--config", str(_config(tmp))), env=_env(),
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(1.0)
        assert build.poll() is None, "it cannot have built while the lock was held"
        holder.kill()
        out, err = build.communicate(timeout=120)
    assert build.returncode == 0, out + err
    assert (tmp / "output" / "index.html").is_file()


def _files(out: Path) -> list[str]:
    return sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())


class SiteWatcher(threading.Thread):
    """Looks at the published site every few milliseconds while commands run, noting any moment it was not whole."""

    def __init__(self, out: Path) -> None:
        super().__init__(daemon=True)
        self.out = out
        self.problems: list[str] = []
        self.looks = 0
        self._stopping = threading.Event()

    def run(self) -> None:
        while not self._stopping.is_set():
            for need in ("index.html", "about.html", "feeds/all.rss.xml", "feeds/all.atom.xml"):
                if not (self.out / need).is_file():
                    self.problems.append(f"{need} missing")
            try:
                if not any(n.endswith(".html") for n in os.listdir(self.out / "article")):
                    self.problems.append("no article pages")
            except OSError as exc:
                self.problems.append(f"article/: {exc.strerror}")
            self.looks += 1
            time.sleep(0.005)

    def stop(self) -> list[str]:
        self._stopping.set()
        self.join()
        return self.problems


@pytest.mark.slow
def test_builds_extracts_and_runs_started_together_never_publish_an_incomplete_site(tmp_path):
    """The issue's race: two builds whose configs differ only in [site] title, started together, published a
    site of 11 files (no index, no articles, no feeds) while both said "built 232 files". Here builds, an
    extraction and a run are started together over and over, half of the rounds refusing what overlaps
    (exit 3) and half waiting (--wait); the site is whole at every look and after every round."""
    a, b = _config(tmp_path, "医改观察 A"), _config(tmp_path, "医改观察 B")
    out = tmp_path / "output"
    with SampleWeb() as web:
        run = ["run", "--registry", "sample", "--sample-web", web.base_url]
        first = subprocess.run(_yigai(*run, "--config", str(a)), capture_output=True, text=True, env=_env(),
                               timeout=600)
        assert first.returncode == 0, first.stdout + first.stderr
        reference = _files(out)
        assert "index.html" in reference and len(reference) > 50
        watcher = SiteWatcher(out)
        watcher.start()
        try:
            for round_ in range(8):
                wait = ["--wait"] if round_ % 2 else []
                commands = [["build", *wait, "--config", str(a)], ["build", *wait, "--config", str(b)],
                            ["extract", *wait, "--config", str(b)], ["build", *wait, "--config", str(b)]]
                if round_ % 4 == 1:
                    commands.append([*run, *wait, "--config", str(b)])
                procs = [subprocess.Popen(_yigai(*c), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                          env=_env()) for c in commands]
                results = [(p.args[3], *p.communicate(timeout=600), p.returncode) for p in procs]
                for command, stdout, stderr, code in results:
                    assert code == 0 or (code == 3 and not wait and "held by pid" in stderr), (
                        f"round {round_}: {command} exited {code}\n{stdout}{stderr}")
                assert any(code == 0 for *_, code in results), f"round {round_}: nothing ran"
                assert _files(out) == reference, f"round {round_}: the site is not the reference's"
        finally:
            problems = watcher.stop()
    assert watcher.looks > 100 and not problems, problems[:10]

"""The ``yigai`` command line: crawl, extract, build, run, serve, status, inspect, eval, source, sample-web, demo."""

from __future__ import annotations

import argparse
import errno
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

from yigai import __version__
from yigai.config import ConfigError, Settings, load_registry, load_settings
from yigai.lock import LockBusy, holding, output_lock, store_lock
from yigai.run import DEMO_PORT, EXIT_FAILED, EXIT_LOCKED, EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, failure_reason

logger = logging.getLogger("yigai")



# ------------------------------------------------------------------------------------------------ helpers
def _setup_logging(verbosity: int) -> None:
    level = logging.WARNING if verbosity < 0 else logging.INFO if verbosity == 0 else logging.DEBUG
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)


def _interactive() -> bool:
    return sys.stderr.isatty()


def _settings(args: argparse.Namespace) -> Settings:
    overrides: dict[str, Any] = {}
    if getattr(args, "database", None):
        overrides["database"] = str(Path(args.database).resolve())
        overrides["store_url"] = ""
    store = getattr(args, "store", None)
    if store:
        from yigai.store_backends import is_postgres_url

        if is_postgres_url(store):
            overrides["store_url"] = store
        else:  # a file: the SQLite store
            overrides["database"] = str(Path(store).resolve())
            overrides["store_url"] = ""
    if getattr(args, "output", None):
        overrides["output_dir"] = str(Path(args.output).resolve())
    if getattr(args, "as_of", None):
        overrides["site"] = {"as_of": args.as_of}
    return load_settings(args.config, overrides or None)


def _registry_name(args: argparse.Namespace, settings: Settings) -> str:
    return getattr(args, "registry", None) or settings["registry"]


def _open_store(settings: Settings, *, create: bool = False):
    """The settings' store. Only the commands that fill an archive (run, crawl, import, demo) may start a new
    one; for the others a missing or empty store is an error naming its path (``StoreMissing``, exit 4)."""
    from yigai.store import Store

    return Store(settings.store, create=create)


def _load_sources(args: argparse.Namespace, settings: Settings):
    sources = load_registry(_registry_name(args, settings), sample_web=getattr(args, "sample_web", None))
    wanted = getattr(args, "source", None)
    if wanted:
        known = {s.id for s in sources}
        unknown = [w for w in wanted if w not in known]
        if unknown:
            raise ConfigError(f"unknown source id(s): {', '.join(unknown)} (known: {', '.join(sorted(known))})")
    return sources


# ------------------------------------------------------------------------------------------------ commands
def cmd_crawl(args: argparse.Namespace) -> int:
    from yigai.run import crawl_only

    settings = _settings(args)
    sources = _load_sources(args, settings)
    return crawl_only(settings, _registry_name(args, settings), sources, args)


def cmd_worker(args: argparse.Namespace) -> int:
    from yigai.workers import crawl_worker, extract_worker, require_frontier

    settings = _settings(args)
    if args.role == "crawl":
        require_frontier(settings)  # before the registry: the first thing a misconfigured host should hear
        return crawl_worker(settings, _registry_name(args, settings), _load_sources(args, settings), args)
    report = extract_worker(settings, follow=args.follow, poll=args.poll)
    print(f"extract worker: {report.extracted} articles saved in {report.batches} batches, "
          f"{report.failed} pages failed or no page")
    return EXIT_PARTIAL if report.failed else EXIT_OK


def cmd_store_copy(args: argparse.Namespace) -> int:
    from yigai.store_backends import is_postgres_url, redact
    from yigai.store_copy import copy_store

    def target(text: str) -> str:
        return text if is_postgres_url(text) else str(Path(text).resolve())

    source, destination = target(args.source), target(args.destination)
    if source == destination:
        raise ConfigError("SRC and DST are the same store")
    # Nothing may write the source while it is read, nor the destination while it is filled.
    with holding(store_lock(source, "yigai store copy"), store_lock(destination, "yigai store copy"), wait=args.wait):
        report = copy_store(source, destination)
    for check in report.tables:
        print(f"  {check.table:<22} {check.rows:>9} rows  sha256 {check.digest[:16]}")
    print(f"copied {report.rows} rows in {len(report.tables)} tables from "
          f"{redact(source)} to {redact(destination)}; row counts and content hashes equal in both")
    return EXIT_OK


def cmd_extract(args: argparse.Namespace) -> int:
    from yigai.stages import run_extract_stage

    settings = _settings(args)
    with _open_store(settings) as store, holding(store_lock(settings.store, "yigai extract"), wait=args.wait):
        report = run_extract_stage(store, settings, all_pages=args.all, progress=_interactive())
    print(
        f"extracted {report.extracted} of {report.pages} pages: {report.new} new, {report.changed} changed, "
        f"{report.unchanged} unchanged; {report.relevant} relevant, {report.off_topic} off-topic; "
        f"{report.duplicates} syndicated copies; {report.failed} failed"
        + (f"; not pages: {_kinds(report.not_pages)}" if report.not_pages else "")
        + (f"; {report.truncated} over the size limit, cut to it" if report.truncated else "")
    )
    for item in report.changed_items[:20]:
        print(f"  changed: {item}")
    if len(report.changed_items) > 20:
        print(f"  … and {len(report.changed_items) - 20} more changed")
    for err in report.errors[:10]:
        print(f"  failed: {err}")
    return EXIT_PARTIAL if report.failed else EXIT_OK


def _kinds(counts: dict[str, int]) -> str:
    return ", ".join(f"{kind}×{n}" for kind, n in sorted(counts.items()))


def cmd_build(args: argparse.Namespace) -> int:
    from yigai.stages import run_build_stage

    settings = _settings(args)
    locks = (store_lock(settings.store, "yigai build"), output_lock(settings.output_dir, "yigai build"))
    with _open_store(settings) as store, holding(*locks, wait=args.wait):
        report = run_build_stage(store, settings, allow_shrink=args.allow_shrink)
    print(
        f"built {report.files_total} files in {report.output_dir} ({report.pages_written} written, "
        f"{report.files_unchanged} unchanged) in {report.seconds:.2f}s"
    )
    return EXIT_OK


def cmd_run(args: argparse.Namespace) -> int:
    from yigai.run import run_once

    settings = _settings(args)
    sources = _load_sources(args, settings)
    return run_once(settings, _registry_name(args, settings), sources, args)


def cmd_status(args: argparse.Namespace) -> int:
    from yigai.health import format_status

    settings = _settings(args)
    with _open_store(settings) as store:
        print(format_status(store, settings, runs=args.runs))
    return EXIT_OK


def cmd_inspect(args: argparse.Namespace) -> int:
    from extract import SourceHint, extract_article
    from extract.core import MAX_HTML_BYTES

    if args.url and len(args.pages) != 1:
        raise ConfigError("--url gives the address of one page: pass exactly one PAGE with it")
    hint = SourceHint(name=args.site, home_region=args.home_region) if (args.site or args.home_region) else None
    max_bytes = args.max_bytes or int(_settings(args).section("extract").get("max_html_bytes") or MAX_HTML_BYTES)
    status = EXIT_OK
    for page in args.pages:
        path = Path(page)
        try:
            with path.open("rb") as fh:  # never more than the limit in memory, whatever the file's size
                body = fh.read(max_bytes + 1)
            size = path.stat().st_size
        except OSError as exc:
            print(f"{page}: cannot read: {exc.strerror}", file=sys.stderr)
            status = EXIT_PARTIAL
            continue
        url = args.url or path.resolve().as_uri()
        art = extract_article(body, url, source=hint, max_bytes=max_bytes)
        data = art.to_dict()
        if art.truncated_from is not None:
            data["truncated_from"] = size
            print(f"{page}: {size} bytes, over the limit of {max_bytes}: extracted from the first {max_bytes}",
                  file=sys.stderr)
        if args.json:
            print(json.dumps(data, ensure_ascii=False, sort_keys=True))
        else:
            _print_article(page, data)
    return status


def _print_article(page: str, d: dict[str, Any]) -> None:
    regions = "; ".join(
        "全国" if r.get("national") else "/".join(x for x in (r.get("province"), r.get("city"), r.get("county")) if x)
        for r in d.get("regions", [])
    )
    print(f"== {page}")
    for label, key in (("title", "title"), ("published", "published"), ("source", "source"), ("site", "site"),
                       ("author", "author"), ("editor", "editor")):
        print(f"{label:>10}: {d.get(key) or '-'}")
    print(f"{'regions':>10}: {regions or '-'}")
    print(f"{'topics':>10}: {', '.join(d.get('topics') or []) or '-'}")
    print(f"{'relevance':>10}: {d.get('relevance')} ({'published' if d.get('relevant') else 'not published'})")
    print()
    print(d.get("text", ""))
    print()


def cmd_eval(args: argparse.Namespace) -> int:
    from yigai.evaluation import eval_command

    baseline = Path(args.baseline) if args.baseline else None
    if baseline is not None and len(args.dataset) != 1:
        raise ConfigError("--baseline gives the floors of one set: pass exactly one DIR with it")
    return eval_command([Path(d) for d in args.dataset], baseline, args.pages, args.json)


def cmd_serve(args: argparse.Namespace) -> int:
    from yigai.serve import serve_output

    settings = _settings(args)
    if args.host not in ("127.0.0.1", "localhost", "::1") and not args.public:
        raise ConfigError(f"--host {args.host} would expose the preview beyond this machine; add --public to allow it")
    serve_output(settings.output_dir, args.host, args.port)
    return EXIT_OK


def cmd_sample_web(args: argparse.Namespace) -> int:
    from yigai.sample_web.server import serve_forever

    serve_forever(args.host, args.port)
    return EXIT_OK


def cmd_schedule(args: argparse.Namespace) -> int:
    from yigai.scheduler import make_trigger, schedule_forever

    settings = _settings(args)
    conf = settings.section("schedule")
    make_trigger(conf["cron"], conf["timezone"])  # fail fast on a bad expression
    extra: list[str] = []
    if args.registry:
        extra += ["--registry", args.registry]
    schedule_forever(settings, extra)
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from yigai.archive import export_archive

    settings = _settings(args)
    with _open_store(settings) as store:
        n = export_archive(store, Path(args.file))
    print(f"exported {n} records to {args.file}")
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    from yigai.archive import import_archive

    settings = _settings(args)
    with holding(store_lock(settings.store, "yigai import"), wait=args.wait), \
            _open_store(settings, create=True) as store:
        report = import_archive(store, Path(args.file))
    print(f"imported {report['pages']} pages and {report['sources']} sources "
          f"({report['skipped']} already present, {report['bad']} bad lines) from {args.file}")
    return EXIT_PARTIAL if report["bad"] else EXIT_OK


def _fetcher(settings: Settings, saved: str | None, list_url: str | None = None):
    from yigai.source_tool import Fetcher

    crawl = settings.section("crawl")
    path = Path(saved) if saved else None
    if path is not None and not path.exists():
        raise ConfigError(f"--html {saved}: no such file or directory")
    return Fetcher(user_agent=str(crawl.get("user_agent") or "YigaiWatch"),
                   timeout=float(crawl["download_timeout"]), saved=path, list_url=list_url)


def cmd_source_add(args: argparse.Namespace) -> int:
    from datetime import date

    from yigai.source_tool import FetchFailed, append_entry, check_url, format_preview, propose_source

    check_url(args.url)
    settings = _settings(args)
    registry_name = _registry_name(args, settings)
    registry = load_registry(registry_name, sample_web=args.sample_web)
    fetcher = _fetcher(settings, args.html, args.url)
    try:
        proposal = propose_source(args.url, fetcher, name=args.name, region=args.region, registry=registry)
    except FetchFailed as exc:
        print(f"yigai: error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print(format_preview(proposal))
    entry = proposal.toml(date.today())
    print()
    print(entry, end="")
    if args.dry_run:
        print("\n(dry run: the registry was not changed)")
        return EXIT_OK
    from yigai.config import registry_path

    target = registry_path(registry_name)
    append_entry(target, entry)
    print(f"\nadded source {proposal.source_id} to {target}")
    if registry_name == "default":
        print("docs/sources.md is generated from this registry: python -m yigai.registry_doc")
    return EXIT_OK


def cmd_source_check(args: argparse.Namespace) -> int:
    from yigai.source_check import check_source, format_check

    settings = _settings(args)
    sources = load_registry(_registry_name(args, settings), sample_web=args.sample_web)
    if args.ids:
        known = {s.id: s for s in sources}
        unknown = [i for i in args.ids if i not in known]
        if unknown:
            raise ConfigError(f"unknown source id(s): {', '.join(unknown)}")
        sources = [known[i] for i in args.ids]
    fetcher = _fetcher(settings, args.html)
    bad = 0
    for src in sources:
        result = check_source(src, fetcher)
        print(format_check(result))
        bad += result.state != "ok"
    print(f"checked {len(sources)} sources: {len(sources) - bad} ok, {bad} need attention")
    return EXIT_PARTIAL if bad else EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    from yigai.run import run_demo

    settings = _settings(args)
    return run_demo(settings, args)


# ------------------------------------------------------------------------------------------------ parser
def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more: {value}")
    return value


def _as_of(text: str) -> str:
    from site_builder.recency import BadAsOf, parse_as_of

    try:
        parse_as_of(text)
    except BadAsOf:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None
    return text.strip()


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"port out of range 0-65535: {value}")
    return value


def _poll_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0.05 <= value <= 3600:
        raise argparse.ArgumentTypeError(f"poll interval out of range 0.05-3600 s: {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", metavar="FILE", help="settings file (default: ./yigai.toml if present)")
    common.add_argument("--database", metavar="FILE", help="override the settings' database path (SQLite)")
    common.add_argument("--store", metavar="URL|FILE",
                        help="the store: a postgresql://user@host/db URL or an SQLite file (overrides the "
                        "settings' store_url and database)")
    common.add_argument("-v", "--verbose", action="count", default=0, help="more log output")
    common.add_argument("-q", "--quiet", action="store_true", help="only warnings and errors")

    crawl_opts = argparse.ArgumentParser(add_help=False)
    crawl_opts.add_argument("--registry", metavar="NAME|FILE",
                            help="sources registry: default, sample, or a TOML file (default: from settings)")
    crawl_opts.add_argument("--sample-web", metavar="URL",
                            help="base URL of a running sample web, substituted for {sample_web} in the registry")
    crawl_opts.add_argument("--source", action="append", metavar="ID", help="only this source (repeatable)")

    lock_opts = argparse.ArgumentParser(add_help=False)
    lock_opts.add_argument("--wait", action="store_true",
                           help="wait for the command holding the lock (a run, build, extract…) to finish "
                           "instead of exiting with code 3")

    shrink_opts = argparse.ArgumentParser(add_help=False)
    shrink_opts.add_argument("--allow-shrink", action="store_true",
                             help="publish even if stories on the published site are unknown to the store "
                             "(by default such a build is refused: the store is probably the wrong one)")

    p = argparse.ArgumentParser(
        prog="yigai",
        description="Yigai Watch (医改观察): crawl Chinese health-reform news, extract clean tagged articles, "
        "and build a static site with RSS/Atom feeds per region and topic.",
        epilog="Exit codes: 0 ok, 1 finished, but some sources or pages failed (reported), 2 bad command line "
        "or configuration, 3 locked: another command holds the store or output lock (its pid is named), 4 the "
        "run or stage itself failed, e.g. no store at the path, disk full, read-only or not permitted (one line "
        "says why; the published site was left as it was).",
    )
    p.add_argument("--version", action="version", version=f"yigai {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", required=True)

    s = sub.add_parser("crawl", parents=[common, crawl_opts, lock_opts], help="fetch new pages into the store",
                       description="Crawl the registry's sources (in a child process) into the store.")
    s.set_defaults(func=cmd_crawl)

    s = sub.add_parser("extract", parents=[common, lock_opts], help="extract articles from stored pages",
                       description="Extract clean, tagged articles from stored pages not yet extracted. "
                       "Large jobs use every core ([extract] workers: worker processes extract, this one writes). "
                       "Holds the store lock; the store must exist.")
    s.add_argument("--all", action="store_true", help="re-extract every stored page with the current extractor")
    s.set_defaults(func=cmd_extract)

    s = sub.add_parser("store", help="manage the store (copy it between SQLite and PostgreSQL)",
                       description="Store maintenance.")
    store_cmds = s.add_subparsers(dest="store_command", metavar="ACTION", required=True)
    r = store_cmds.add_parser(
        "copy", parents=[lock_opts], help="copy a store into a new, empty one (SQLite <-> PostgreSQL)",
        description="Copy every table of the store SRC, ids included, into the new, empty store DST (made if it "
        "is not there), in one transaction; then compare each table's row count and content hash in both and "
        "fail (exit 4) on any difference. SRC and DST are SQLite files or postgresql:// URLs. Both stores' "
        "locks are held meanwhile.",
    )
    r.add_argument("source", metavar="SRC", help="the store to copy (a file or a postgresql:// URL)")
    r.add_argument("destination", metavar="DST", help="a new, empty store (a file or a postgresql:// URL)")
    r.add_argument("-v", "--verbose", action="count", default=0, help="more log output")
    r.add_argument("-q", "--quiet", action="store_true", help="only warnings and errors")
    r.set_defaults(func=cmd_store_copy)

    s = sub.add_parser(
        "worker", parents=[common], help="run one role of a multi-host deployment (crawl or extract)",
        description="One worker of a deployment whose hosts share a PostgreSQL store (store_url) and a Redis "
        "crawl frontier ([crawl] frontier). 'crawl': crawl the registry's sources together with the other crawl "
        "workers (each URL is fetched by one of them), pages into the shared store. 'extract': claim batches of "
        "stored pages not yet extracted, extract and save them; a killed worker's claims are taken over when "
        "their lease ([extract] claim_lease) runs out; exits when every page is extracted (--follow: keeps "
        "waiting for new ones). Run as many of each as you like; one host runs `yigai build`. Neither takes "
        "the run lock, so they can run beside each other. See docs/operations.md.",
    )
    roles = s.add_subparsers(dest="role", metavar="ROLE", required=True)
    r = roles.add_parser("crawl", parents=[common, crawl_opts], help="crawl with the other crawl workers")
    r.set_defaults(func=cmd_worker)
    r = roles.add_parser("extract", parents=[common], help="extract claimed pages until none is left")
    r.add_argument("--follow", action="store_true", help="keep running, looking for new pages every --poll seconds")
    r.add_argument("--poll", type=_poll_seconds, default=5.0, metavar="SECONDS",
                   help="how often an idle worker looks for pages (default 5)")
    r.set_defaults(func=cmd_worker)

    s = sub.add_parser("build", parents=[common, lock_opts, shrink_opts], help="build the static site and feeds",
                       description="Build the site and feeds from the store and publish them atomically. "
                       "Only pages whose inputs changed are rendered; the previous generation of the site "
                       "(.OUTPUT.spare) and the parsed articles (.OUTPUT.articles) are kept next to the "
                       "output directory to make that cheap (both are safe to delete). Holds the store and "
                       "output locks; the store must exist, and a build that would drop published stories "
                       "unknown to the store is refused (see --allow-shrink).")
    s.add_argument("--output", metavar="DIR", help="override the settings' output directory")
    s.add_argument("--as-of", type=_as_of, metavar="YYYY-MM-DD",
                   help="the build date recent counts (the map's 近30天) count back from "
                        "(default: the start of the latest run in the store)")
    s.set_defaults(func=cmd_build)

    s = sub.add_parser("run", parents=[common, crawl_opts, lock_opts, shrink_opts],
                       help="crawl, extract and build (one run)",
                       description="One full run: crawl, extract, build. Holds the store and output locks; "
                       "prints a report.")
    s.add_argument("--output", metavar="DIR", help="override the settings' output directory")
    s.set_defaults(func=cmd_run)

    s = sub.add_parser("status", parents=[common], help="last runs and per-source health",
                       description="Show the last runs and the health (stale, failing, redesigned) of each "
                       "source of the registry the last run used. The store must exist.")
    s.add_argument("--runs", type=_positive_int, default=5, metavar="N", help="how many runs to show (default 5)")
    s.set_defaults(func=cmd_status)

    s = sub.add_parser("inspect", parents=[common], help="extract saved HTML files and print the result",
                       description="Run the extractor over saved HTML files and print what it finds.")
    s.add_argument("pages", nargs="+", metavar="PAGE", help="saved HTML file(s)")
    s.add_argument("--url", help="the page's address (only with one PAGE)")
    s.add_argument("--site", help="name of the site that carried the page")
    s.add_argument("--home-region", help="the site's home region (resolves 我省/本市)")
    s.add_argument("--json", action="store_true", help="one JSON object per line, in the order given")
    s.add_argument("--max-bytes", type=_positive_int, metavar="N",
                   help="cut a page over N bytes to its first N (default: [extract] max_html_bytes, 5 MiB)")
    s.set_defaults(func=cmd_inspect)

    s = sub.add_parser("eval", parents=[common], help="score extraction on labelled sets",
                       description="Score the extractor (and bare trafilatura) on labelled sets, each on its own: "
                                   "a synthetic set (DIR/manifest.jsonl, e.g. tests/eval) or a real set "
                                   "(DIR/labels/*.json, e.g. tests/eval/real).")
    s.add_argument("dataset", metavar="DIR", nargs="+", help="a set's folder (manifest.jsonl or labels/)")
    s.add_argument("--baseline", metavar="FILE",
                   help="floors to check, with one DIR (exit 1 if a score drops below or cannot be checked)")
    s.add_argument("--json", action="store_true", help="print the scores as JSON")
    s.add_argument("--pages", action="store_true", help="also show each page's scores and failures")
    s.set_defaults(func=cmd_eval)

    s = sub.add_parser("serve", parents=[common], help="preview output/ on localhost",
                       description="Serve the built site (output/) for preview, on loopback by default.")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=_port, default=8000)
    s.add_argument("--public", action="store_true", help="allow a non-loopback --host")
    s.set_defaults(func=cmd_serve)

    s = sub.add_parser("sample-web", parents=[common], help="serve the bundled sample web on 127.0.0.1",
                       description="Serve the bundled sample web (mock news sites) for demos and tests.")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=_port, default=8765)
    s.set_defaults(func=cmd_sample_web)

    s = sub.add_parser("schedule", parents=[common], help="run `yigai run` nightly (foreground scheduler)",
                       description="Run in the foreground (for systemd or a container), starting `yigai run` in a "
                       "child process at each time of the settings' cron expression ([schedule] cron, timezone).")
    s.add_argument("--registry", metavar="NAME|FILE", help="sources registry for the runs (default: from settings)")
    s.set_defaults(func=cmd_schedule)

    s = sub.add_parser("export", parents=[common], help="export the archive (sources, pages) as JSON Lines",
                       description="Write every source and every stored page (raw bytes, base64) as JSON Lines. "
                       "The store must exist.")
    s.add_argument("file", metavar="FILE", help="the .jsonl file to write")
    s.set_defaults(func=cmd_export)

    s = sub.add_parser("import", parents=[common, lock_opts], help="import an exported archive",
                       description="Read a JSON Lines archive written by `yigai export` into the store (made "
                       "if missing); pages already present are skipped. Holds the store lock. Run "
                       "`yigai extract` afterwards.")
    s.add_argument("file", metavar="FILE", help="the .jsonl file to read")
    s.set_defaults(func=cmd_import)

    s = sub.add_parser("source", help="add a source by its address, or check the registry's sources",
                       description="Add a site to the registry from the address of its news list page, or "
                       "re-check entries; both infer article links by evidence (docs/crawling.md).")
    source_sub = s.add_subparsers(dest="source_command", metavar="ACTION", required=True)
    registry_opts = argparse.ArgumentParser(add_help=False)
    registry_opts.add_argument("--registry", metavar="NAME|FILE",
                               help="sources registry: default, sample, or a TOML file (default: from settings)")
    registry_opts.add_argument("--sample-web", metavar="URL",
                               help="base URL of a running sample web, for {sample_web} in the registry")
    a = source_sub.add_parser(
        "add", parents=[common, registry_opts], help="infer a registry entry from a list page's address",
        description="Read the list page at URL (a front page with no list of its own is followed to its news or "
        "notice column), infer its article links (URL shapes, dates, titles, the repeated "
        "block), pagination, feeds and sitemaps (the page, robots.txt, common paths), CMS family and home "
        "region (site name, title, 网站标识码/ICP line, domain); print the ten newest articles with dates and a "
        "two-line excerpt from the extractor, and append an entry whose comments say how each field was "
        "inferred. robots.txt is obeyed. Exit 0 written (or previewed), 2 bad address/arguments or no article "
        "list on the page, 4 the page could not be read.")
    a.add_argument("url", metavar="URL", help="address of the site's news or notice list page")
    a.add_argument("--name", help="the source's name (default: the page's site name or title)")
    a.add_argument("--region", help="home region, a division name such as 邯郸市 (default: inferred)")
    a.add_argument("--dry-run", action="store_true", help="print the preview and the entry; change nothing")
    a.add_argument("--html", metavar="FILE|DIR",
                   help="work offline from saved pages: the list page's file, or a directory holding the site "
                   "laid out by URL path (HOST/PATH or PATH); articles not saved are listed without excerpt")
    a.set_defaults(func=cmd_source_add)
    c = source_sub.add_parser(
        "check", parents=[common, registry_opts], help="re-validate registry entries",
        description="For each entry (or the IDs given): the list page is reachable, the pattern still matches, "
        "the newest date and the cadence of what it lists; for a redesigned site (the pattern matches nothing, "
        "inference finds an article list) the corrected article_allow is proposed. Exit 0 all ok, 1 some "
        "need attention (listed), 2 unknown id or bad registry.")
    c.add_argument("ids", nargs="*", metavar="ID", help="source ids (default: all)")
    c.add_argument("--html", metavar="DIR", help="read saved pages from DIR (laid out by URL path) instead")
    c.set_defaults(func=cmd_source_check)

    s = sub.add_parser("demo", parents=[common, lock_opts], help="crawl the bundled sample web and build output/",
                       description="Start the sample web on loopback, run crawl+extract+build against it "
                       "with the 'sample' registry, and say where the site is.")
    s.add_argument("--output", metavar="DIR", help="override the output directory")
    s.add_argument("--port", type=_port, default=DEMO_PORT,
                   help="port of the sample web on 127.0.0.1 (default 8765: the same URLs, so the same article "
                   "ids, from one demo to the next)")
    s.set_defaults(func=cmd_demo, registry="sample", sample_web=None, source=None, allow_shrink=False)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "verbose", 0) is None:
        args.verbose = 0
    _setup_logging(-1 if getattr(args, "quiet", False) else getattr(args, "verbose", 0))
    try:
        return int(args.func(args) or 0)
    except ConfigError as exc:
        print(f"yigai: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except LockBusy as exc:
        print(f"yigai: {exc}", file=sys.stderr)
        return EXIT_LOCKED
    except KeyboardInterrupt:
        print("yigai: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except Exception as exc:
        return _failed(args.command, exc)


def _failed(command: str, exc: Exception) -> int:
    """Exit code 4 for a command that failed. A known failure (no store, disk full, read-only, not permitted,
    a refused build) is one line; anything else is a bug, and its traceback is what a report needs."""
    from yigai.stages import StageFailed
    from yigai.store import StoreError, store_unwritable
    from yigai.store_backends import is_operational

    if isinstance(exc, (StageFailed, StoreError)):
        print(f"yigai: error: {exc}", file=sys.stderr)
    elif isinstance(exc, OSError) and exc.errno in _KNOWN_ERRNOS or store_unwritable(exc) or is_operational(exc):
        print(f"yigai: error: {command} failed: {failure_reason(exc)}", file=sys.stderr)
    else:
        logger.exception("%s failed", command)
    return EXIT_FAILED


# Failures of the machine, not of the program: said in one line (exit 4), no traceback.
_KNOWN_ERRNOS = frozenset(
    {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EIO, errno.ENOENT, errno.ENOTDIR}
)


if __name__ == "__main__":
    sys.exit(main())

"""The crawler's child-process entry point: crawl the selected sources in one ``CrawlerProcess`` (one reactor).

Run it in a child process (Twisted's reactor cannot be restarted in one process)::

    python -m crawler.process --config yigai.toml --registry sample --sample-web http://127.0.0.1:8765 \\
        --run-id 7 --source hebei_wsjkw --source nhc

Exit code: 0 ok, 1 when any source had errors (robots.txt refusals do not count), 2 when the crawl could not
start (bad settings or registry, unknown source id).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from scrapy import signals
from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from crawler.config import yigai_scrapy_settings
from crawler.errors import BENIGN_KINDS
from crawler.extensions import ERROR_PREFIX
from crawler.spiderloader import RegistrySpiderLoader
from crawler.storage import close_stores
from yigai.config import ConfigError

logger = logging.getLogger(__name__)

EXIT_OK, EXIT_SOURCE_ERRORS, EXIT_NOT_STARTED = 0, 1, 2


def build_settings(
    *,
    config_path: str | None,
    registry: str | None,
    sample_web: str | None,
    run_id: int | None,
    database: str | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """``crawler.settings``, then the settings file's for this crawl (``[crawl]``, then ``[scrapy]``), both at
    Scrapy's project priority (a spider's own settings come above them), then ``-s`` at the command line's."""
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    derived = yigai_scrapy_settings(
        config_path=config_path, registry=registry, sample_web=sample_web, run_id=run_id, database=database
    )
    settings.setdict(derived, priority="project")
    if overrides:
        settings.setdict(dict(overrides), priority="cmdline")
    return settings


def _source_errors(stats: Mapping[str, Any]) -> int:
    return sum(
        int(v)
        for k, v in stats.items()
        if k.startswith(ERROR_PREFIX) and k[len(ERROR_PREFIX) :] not in BENIGN_KINDS
    )


def crawl_sources(
    *,
    config_path: str | None,
    registry: str | None,
    sample_web: str | None,
    run_id: int | None,
    source_ids: list[str] | None,
    database: str | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> int:
    """Crawl ``source_ids`` (all sources when None/empty) and return the exit code (0, 1 or 2)."""
    try:
        settings = build_settings(
            config_path=config_path,
            registry=registry,
            sample_web=sample_web,
            run_id=run_id,
            database=database,
            overrides=overrides,
        )
        loader = RegistrySpiderLoader.from_settings(settings)
    except ConfigError as exc:
        logger.error("crawl cannot start: %s", exc)
        return EXIT_NOT_STARTED
    if settings.get("YIGAI_FRONTIER"):
        from crawler.frontier import frontier_problem

        # Checked here: a scheduler that cannot connect fails inside Scrapy with an unhelpful message.
        problem = frontier_problem(settings["YIGAI_FRONTIER"])
        if problem:
            logger.error("crawl cannot start: %s", problem)
            return EXIT_NOT_STARTED
    names = list(source_ids) if source_ids else loader.list()
    unknown = [n for n in names if n not in loader.list()]
    if unknown:
        logger.error("crawl cannot start: unknown source id(s): %s", ", ".join(unknown))
        return EXIT_NOT_STARTED

    _quiet_scrapy_internals(settings)
    process = CrawlerProcess(settings)
    _quiet_scrapy_internals(settings)  # configuring Scrapy's logging resets levels set before it
    final_stats: dict[str, dict[str, Any]] = {}
    failed_to_start: list[str] = []
    waiting = list(names)

    def start_next(_: Any = None) -> Any:
        """Start the next source waiting, if any (called as each crawl ends, so at most N run at once)."""
        if not waiting:
            return _
        name = waiting.pop(0)
        crawler = process.create_crawler(name)

        def _closed(spider: Any, reason: str, _crawler: Any = crawler, _name: str = name) -> None:
            final_stats[_name] = dict(_crawler.stats.get_stats())

        # weak=False: the dispatcher holds receivers weakly and this closure has no other owner.
        crawler.signals.connect(_closed, signal=signals.spider_closed, weak=False)
        deferred = process.crawl(crawler)

        def _failed(failure: Any, _name: str = name) -> None:
            logger.error("source %s could not run: %s", _name, failure.getErrorMessage())
            failed_to_start.append(_name)

        deferred.addErrback(_failed)
        deferred.addBoth(start_next)
        return _

    # A few thousand sources are crawled N at a time: each source is a crawler (an engine, a scheduler, a
    # downloader), and politeness towards each host is kept across all of them by crawler.gate.
    for _ in range(max(1, settings.getint("YIGAI_PARALLEL_SOURCES", 64))):
        start_next()
    try:
        process.start()
    finally:
        close_stores()

    if failed_to_start and len(failed_to_start) == len(names):
        return EXIT_NOT_STARTED
    with_errors = sorted(n for n, s in final_stats.items() if _source_errors(s)) + failed_to_start
    if with_errors:
        logger.warning("crawl finished; sources with errors: %s", ", ".join(with_errors))
        return EXIT_SOURCE_ERRORS
    logger.info("crawl finished; %d source(s) ok", len(names))
    return EXIT_OK


# Scrapy logs every crawler's settings, middleware lists and full stats dump at INFO: one screenful per
# source. The per-source health line (crawler.extensions) says what an operator needs; the rest is shown only
# when LOG_LEVEL is DEBUG (`-s LOG_LEVEL=DEBUG`, or [scrapy] LOG_LEVEL = "DEBUG").
_CHATTY_LOGGERS = (
    "scrapy.middleware",
    "scrapy.crawler",
    "scrapy.statscollectors",
    "scrapy.extensions.telnet",
    "scrapy.extensions.logstats",
    "scrapy.core.engine",
    "scrapy.addons",
    "scrapy.utils.log",
)


def _quiet_scrapy_internals(settings: Settings) -> None:
    if str(settings.get("LOG_LEVEL")).upper() == "DEBUG":
        return
    for name in _CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def _parse_set(values: Sequence[str]) -> dict[str, str]:
    out = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep:
            raise argparse.ArgumentTypeError(f"-s expects NAME=VALUE, got {item!r}")
        out[name.strip()] = value
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crawler.process", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--config", metavar="FILE", help="yigai settings file (default: ./yigai.toml if present)"
    )
    parser.add_argument(
        "--registry",
        default=None,
        metavar="NAME|FILE",
        help="default | sample | path to a registry TOML (default: the settings' registry)",
    )
    parser.add_argument("--sample-web", metavar="URL", help="base URL substituted for {sample_web}")
    parser.add_argument("--run-id", type=int, metavar="N", help="run id: per-source stats are written for it")
    parser.add_argument("--database", "--store", metavar="FILE|URL",
                        help="the store: an SQLite file or a postgresql:// URL (default: the settings' store)")
    parser.add_argument(
        "--source", action="append", default=[], metavar="ID", help="only this source (repeatable)"
    )
    parser.add_argument(
        "-s",
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a Scrapy setting (repeatable)",
    )
    args = parser.parse_args(argv)
    try:
        overrides = _parse_set(args.set)
    except argparse.ArgumentTypeError as exc:
        parser.error(str(exc))
    return crawl_sources(
        config_path=args.config,
        registry=args.registry,
        sample_web=args.sample_web,
        run_id=args.run_id,
        source_ids=args.source or None,
        database=args.database,
        overrides=overrides,
    )


if __name__ == "__main__":
    sys.exit(main())

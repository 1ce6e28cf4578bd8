"""``RegistrySpiderLoader``: one spider per registry source (spider name = source id).

So ``scrapy list`` lists the sources and ``scrapy crawl <source_id>`` crawls one. The registry comes from
the ``YIGAI_REGISTRY`` / ``YIGAI_SAMPLE_WEB`` Scrapy settings (given by ``crawler.process``, or with ``-s``),
else from the settings file (``-s YIGAI_CONFIG=FILE``, else ``./yigai.toml``); a broken registry raises
``yigai.config.ConfigError`` with its message.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from scrapy.settings import Settings

from crawler.config import yigai_scrapy_settings
from crawler.spiders import FAMILY_SPIDERS, RegistrySpider
from yigai.config import Source, load_registry

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)


def spider_class_for(source: Source, browser_settings: dict | None = None) -> type[RegistrySpider]:
    """A ``RegistrySpider`` subclass (or the family's subclass) bound to ``source``."""
    base = FAMILY_SPIDERS.get(source.family)
    if base is None:
        logger.debug(
            "source %s: family %r has no spider code; using the generic spider", source.id, source.family
        )
        base = RegistrySpider
    attrs: dict = {
        "name": source.id,
        "source": source,
        "allowed_domains": [],
        "__module__": base.__module__,
        "__doc__": f"Spider for {source.name} ({source.id}).",
    }
    if source.browser and browser_settings:
        attrs["custom_settings"] = dict(browser_settings)
    return type(f"{base.__name__}_{source.id}", (base,), attrs)


class RegistrySpiderLoader:
    """Spider loader (``SPIDER_LOADER_CLASS``) built from the sources registry."""

    def __init__(self, settings: BaseSettings):
        if settings.get("YIGAI_DATABASE") is None:
            # Made by Scrapy's own command line (`scrapy list`) before the YigaiSettings add-on has run: the
            # selection comes from the settings file named by -s YIGAI_CONFIG (or ./yigai.toml).
            settings = Settings({
                **yigai_scrapy_settings(
                    config_path=settings.get("YIGAI_CONFIG") or None, registry=None,
                    sample_web=settings.get("YIGAI_SAMPLE_WEB") or None, run_id=None,
                ),
                **{k: v for k, v in settings.items() if k.startswith("YIGAI_") and v is not None},
            })
        registry = settings.get("YIGAI_REGISTRY") or "default"
        sample_web = settings.get("YIGAI_SAMPLE_WEB") or None
        self.sources: list[Source] = load_registry(registry, sample_web=sample_web)
        browser_settings = settings.getdict("YIGAI_BROWSER_SETTINGS")
        self._spiders: dict[str, type[RegistrySpider]] = {
            src.id: spider_class_for(src, browser_settings) for src in self.sources
        }

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> Self:
        return cls(settings)

    def load(self, spider_name: str) -> type[RegistrySpider]:
        try:
            return self._spiders[spider_name]
        except KeyError:
            raise KeyError(f"Spider not found: {spider_name} (not a source id in the registry)") from None

    def list(self) -> list[str]:
        return list(self._spiders)

    def find_by_request(self, request: Request) -> list[str]:
        host = urlsplit(request.url).hostname
        return [src.id for src in self.sources if any(urlsplit(u).hostname == host for u in src.start_urls)]

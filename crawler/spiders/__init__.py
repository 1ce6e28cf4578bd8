"""Spider classes. Every source is crawled by ``RegistrySpider`` unless its registry ``family`` names a
subclass here (add one module per family, e.g. ``crawler/spiders/trs_cms.py``, and register it below)."""

from __future__ import annotations

from crawler.spiders.registry import RegistrySpider

# registry `family` → spider class. Families without code use the generic spider.
FAMILY_SPIDERS: dict[str, type[RegistrySpider]] = {
    "generic": RegistrySpider,
}

__all__ = ["FAMILY_SPIDERS", "RegistrySpider"]

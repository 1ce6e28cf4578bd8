"""The Scrapy project: one generic, registry-driven spider per source, writing raw pages to the store.

Entry points: ``scrapy list`` / ``scrapy crawl <source_id>`` from the repository root, and
``crawler.process.crawl_sources`` (``python -m crawler.process``) for the orchestrator.
"""

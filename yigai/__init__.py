"""Yigai Watch (医改观察): a nightly crawler and static news tracker for Chinese health-reform news."""

__version__ = "0.1.0"

"""``RecentMemo``: what was made from the last few objects, for work several pages or feeds repeat."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

Source = TypeVar("Source")
Made = TypeVar("Made")

RECENT_ARTICLES = 1024  # a night's new stories and the feeds' older items around them (a story is in a dozen feeds)


class RecentMemo(Generic[Source, Made]):
    """``get(key, source)``: ``make(source)``, remembered for the last ``size`` keys. A remembered value is
    reused only for the very object it was made from (``is``), so a changed object under the same key (an
    article read again, with its text) is made anew."""

    def __init__(self, make: Callable[[Source], Made], size: int = RECENT_ARTICLES) -> None:
        self.make = make
        self.size = size
        self._recent: OrderedDict[Hashable, tuple[Source, Made]] = OrderedDict()

    def get(self, key: Hashable, source: Source) -> Made:
        found = self._recent.get(key)
        if found is not None and found[0] is source:
            self._recent.move_to_end(key)
            return found[1]
        made = self.make(source)
        self._recent[key] = (source, made)
        if len(self._recent) > self.size:
            self._recent.popitem(last=False)
        return made

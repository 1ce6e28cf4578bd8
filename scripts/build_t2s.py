"""Build templates/static/t2s.json: Traditional → Simplified, character by character, for search queries.

Usage::

    python scripts/build_t2s.py

The site's texts are Simplified (extraction converts them with OpenCC), so a reader who types or pastes a
Traditional query (醫共體) would find nothing. The search also looks a query up in its Simplified form, made
character by character with this table — by the browser (``static/search.js``, which fetches it on the first
query with a Han character) and by ``tests/support/search_reader.py`` alike. The table is OpenCC's ``t2s``
applied to every character of the Han ranges the index tokenises, kept where it gives one other character of
those ranges; a test checks it against the installed OpenCC. (Moved out of ``site_builder``: the build never
reads a query, it only copies the file with the other static files.)
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

logger = logging.getLogger(__name__)

T2S_PATH = Path(__file__).resolve().parent.parent / "templates" / "static" / "t2s.json"
# The Han ranges of the search's tokens (``search_tokens._NOT_HAN``, ``TOKEN_RUN`` in search.js).
HAN_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF))


def is_han(char: str) -> bool:
    return len(char) == 1 and any(lo <= ord(char) <= hi for lo, hi in HAN_RANGES)


def t2s_pairs() -> str:
    """Every (Traditional, Simplified) pair as two characters, concatenated, in code point order."""
    import opencc

    converter = opencc.OpenCC("t2s")
    pairs = []
    for lo, hi in HAN_RANGES:
        for code in range(lo, hi + 1):
            char = chr(code)
            simple = converter.convert(char)
            if simple != char and is_han(simple):
                pairs.append(char + simple)
    return "".join(pairs)


def t2s_file_text(pairs: str) -> str:
    return json.dumps({"pairs": pairs}, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    T2S_PATH.write_text(t2s_file_text(t2s_pairs()), "utf-8")
    logger.info("wrote %s", T2S_PATH)

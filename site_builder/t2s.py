"""Traditional → Simplified, character by character, for search queries.

The site's texts are Simplified (extraction converts them with OpenCC), so a reader who types or pastes a
Traditional query (醫共體) would find nothing. The search also looks a query up in its Simplified form, made
character by character with the table in ``templates/static/t2s.json`` — the browser (``static/search.js``,
fetched on the first query with a Han character) and ``search_tokens.query_words`` alike. The table is OpenCC's ``t2s`` applied to every character of
the Han ranges the index tokenises, kept where it gives one other character of those ranges; it is generated
(``python -m site_builder.t2s``) and a test checks it against the installed OpenCC.
"""

from __future__ import annotations

import json
import logging
from functools import lru_cache
from pathlib import Path

logger = logging.getLogger(__name__)

T2S_PATH = Path(__file__).resolve().parent.parent / "templates" / "static" / "t2s.json"
# The Han ranges of the search's tokens (``search_tokens._TOKEN_RUN``, ``TOKEN_RUN`` in search.js).
HAN_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF))


def _is_han(char: str) -> bool:
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
            if simple != char and _is_han(simple):
                pairs.append(char + simple)
    return "".join(pairs)


def t2s_file_text(pairs: str) -> str:
    return json.dumps({"pairs": pairs}, ensure_ascii=False) + "\n"


@lru_cache(maxsize=1)
def _table() -> dict[int, str]:
    pairs = json.loads(T2S_PATH.read_text("utf-8"))["pairs"]
    return {ord(pairs[i]): pairs[i + 1] for i in range(0, len(pairs) - 1, 2)}


def to_simplified(text: str) -> str:
    """``text`` with each Traditional character of the table replaced by its Simplified one."""
    return text.translate(_table())


if __name__ == "__main__":
    T2S_PATH.write_text(t2s_file_text(t2s_pairs()), "utf-8")
    logging.basicConfig(level=logging.INFO)
    logger.info("wrote %s", T2S_PATH)

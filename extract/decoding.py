"""Decode HTML bytes by evidence, not by trust in declarations.

Order: strict UTF-8 (many Chinese pages declare GBK/GB2312 in <meta> while the bytes are UTF-8) → UTF-8
with replacement characters when the bytes are UTF-8 but for a few damaged ones (a stray byte, a character
cut off at the end: decoding the whole page as GB18030 would turn it into mojibake) → the declared
encodings (HTTP header first, then <meta>), with GB2312/GBK widened to GB18030 (a superset) and Big5
widened to Big5-HKSCS with the cp950 (Microsoft Big5: €, ETEN extensions) characters HKSCS lacks → a guess
between GB18030 and Big5 by how common the decoded characters are → charset-normalizer → the least
damaged of those with replacement characters as the last resort. A declared encoding is accepted only if
the bytes decode strictly with it.
"""

from __future__ import annotations

import codecs
import logging
import re

logger = logging.getLogger(__name__)

BIG5_SUPERSET = "big5hkscs"  # the name reported for pages read with Big5-HKSCS plus cp950's extras


def _big5_fill(strict: bool):
    """A codec error handler for Big5-HKSCS: a pair HKSCS lacks is read with cp950 (Microsoft's Big5)."""

    def handler(exc: UnicodeError) -> tuple[str, int]:
        if not isinstance(exc, UnicodeDecodeError):
            raise exc
        pair = exc.object[exc.start : exc.start + 2]
        try:
            return pair.decode("cp950"), exc.start + 2
        except UnicodeDecodeError:
            if strict:
                raise exc from None
            return "\ufffd", exc.start + 1

    return handler


codecs.register_error("yigai-big5-strict", _big5_fill(strict=True))
codecs.register_error("yigai-big5-replace", _big5_fill(strict=False))


def _decode(body: bytes, enc: str, *, strict: bool = True) -> str:
    if enc == BIG5_SUPERSET:
        return body.decode(enc, "yigai-big5-strict" if strict else "yigai-big5-replace")
    return body.decode(enc, "strict" if strict else "replace")


_REPLACEMENT = "\ufffd".encode()


def mostly_utf8(body: bytes) -> bool:
    """UTF-8 but for a few damaged bytes: at least 8 well-formed multibyte characters and at most one
    malformed sequence per 100 of them (other encodings' Chinese text is almost never well-formed UTF-8)."""
    text = body.decode("utf-8", "replace")
    bad = text.count("\ufffd") - body.count(_REPLACEMENT)
    good = sum(1 for c in text if ord(c) > 0x7F) - text.count("\ufffd")
    return bad > 0 and good >= 8 and bad <= max(2, good // 100)

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.IGNORECASE)
_WIDER = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "gb18030": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "big5": "big5hkscs",
    "big5hkscs": "big5hkscs",
    "cp950": "big5hkscs",
}


def _canonical(name: str | None) -> str | None:
    """Python codec name for a declared charset, widened to its superset; None if unknown."""
    if not name:
        return None
    label = name.strip().strip("\"'").lower()
    if label in _WIDER:
        return _WIDER[label]
    try:
        codec = codecs.lookup(label).name
    except LookupError:
        return None
    return _WIDER.get(codec, codec)


def declared_encodings(body: bytes, http_encoding: str | None = None) -> list[str]:
    """Encodings the response claims, header first, then <meta> tags in the first 4 KiB."""
    found: list[str] = []
    for raw in [http_encoding] + [m.decode("ascii", "ignore") for m in _META_CHARSET.findall(body[:4096])]:
        enc = _canonical(raw)
        if enc and enc not in found:
            found.append(enc)
    return found


def decode_html(body: bytes, http_encoding: str | None = None) -> tuple[str, str]:
    """Decode page bytes; returns (text, encoding name actually used)."""
    if body.startswith(codecs.BOM_UTF8):
        return body[3:].decode("utf-8", "replace"), "utf-8"
    try:
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if mostly_utf8(body):
        logger.debug("UTF-8 with a few damaged bytes: decoded with replacement characters")
        return body.decode("utf-8", "replace"), "utf-8"
    declared = [enc for enc in declared_encodings(body, http_encoding) if enc != "utf-8"]
    for enc in declared:
        try:
            return _decode(body, enc), enc
        except (UnicodeDecodeError, LookupError):
            logger.debug("declared encoding %s does not fit the bytes", enc)
    guess = _guess(body)
    if guess:
        try:
            return _decode(body, guess), guess
        except (UnicodeDecodeError, LookupError):
            pass
    return _least_damaged(body, declared)


def _least_damaged(body: bytes, declared: list[str]) -> tuple[str, str]:
    """No encoding fits every byte: the reading with the most common characters per damaged one, declared
    encodings first on a tie (GB-family first otherwise: most Chinese pages are). Never raises."""
    best: tuple[float, str, str] | None = None
    for rank, enc in enumerate(dict.fromkeys([*declared, "gb18030", BIG5_SUPERSET])):
        try:
            text = _decode(body, enc, strict=False)
        except LookupError:
            continue
        non_ascii = sum(1 for c in text if ord(c) > 0x7F) or 1
        score = _common_ratio(text) - 5 * text.count("\ufffd") / non_ascii - 0.001 * rank
        if best is None or score > best[0]:
            best = (score, text, enc)
    assert best is not None  # gb18030 is always there
    return best[1], best[2]


# Frequent Chinese characters (Simplified and Traditional forms): a wrong GB/Big5 guess yields rare ones.
_COMMON = frozenset(
    "的是在一了不和有人这這中大为為上个個国國我以要他时時来來用们們生到作地于於出就分对對成会會可主发發年动動同工"
    "也能下过過子说說产產种種面而方后後多定行学學法所民得经經十三之进進着等部度家电電力里裡如水化高自二理起小物现現"
    "实實加量都两兩体體制机機当當使点點从從业業本去把性好应應开開它合还還因由其些然前外天政四日那社义義事平形相全表"
    "间間样樣与與关關各重新线線内內数數正心反你明看原又么利比或但质質气氣第向道命此变變条條只没沒结結解问問意建月公"
    "无無系军軍很情者最立代想已通并提直题題党黨程展五果员員位入常文总總次品式活设設及管特件长長求老头頭基资資边邊"
    "流路级級少图圖山统統接知较較将將组組见見计計别別手期根论論运運农農指区區强強放决決西被做必先回则則任取据處府"
    "研况院医醫疗療卫衛健康市县縣省委局务務报報记記网網"
)


def _common_ratio(text: str) -> float:
    han = [c for c in text if "\u4e00" <= c <= "\u9fff"]
    if not han:
        return 0.0
    return sum(c in _COMMON for c in han) / len(han)


def _guess(body: bytes) -> str | None:
    # Big5 byte pairs are almost always valid GB18030 too, so strict decoding cannot tell them apart:
    # decode with both and keep the one whose Han characters are the more common ones.
    scored: list[tuple[float, str]] = []
    for enc in ("gb18030", BIG5_SUPERSET):
        try:
            scored.append((_common_ratio(_decode(body, enc)), enc))
        except UnicodeDecodeError:
            continue
    if scored:
        return max(scored)[1]
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover
        return None
    best = from_bytes(body).best()
    return _canonical(best.encoding) if best else None

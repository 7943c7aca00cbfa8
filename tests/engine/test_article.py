"""Deriving the clean article from the page as received."""

from __future__ import annotations

import pytest

from bot.engine.article import (
    ArticleFormatError,
    clean_article,
    restore_full_width_punctuation,
    strip_pinyin,
)
from tests.engine.conftest import KNOWLEDGE

RAW = (KNOWLEDGE / "sources" / "000_e6fdde9305940f0c.txt").read_text(encoding="utf-8")


def test_pinyin_annotations_are_removed() -> None:
    """A parenthesised pinyin syllable after a character is the converter's, and goes."""
    assert strip_pinyin("大渡口區(qū)產(chǎn)業(yè)") == "大渡口區產業"


def test_real_parentheses_are_kept() -> None:
    """Parentheses around Chinese text or digits are the page's own and stay."""
    text = "網出證(渝)字第002號 渝網文(2016)4551-030號"
    assert strip_pinyin(text) == text


def test_punctuation_restored_only_between_chinese() -> None:
    """ASCII commas between Chinese become full-width; numbers keep their points and dashes."""
    assert restore_full_width_punctuation("8月14日,重庆日报") == "8月14日，重庆日报"
    assert restore_full_width_punctuation("开工率74.4%。023-61520695") == (
        "开工率74.4%。023-61520695"
    )


def test_clean_article_metadata() -> None:
    """Title, newspaper, date and time come from the page's own title and dateline."""
    article = clean_article(RAW)
    assert article.title == "大渡口区：推动五大百亿级产业高质量发展"
    assert (article.newspaper, article.date, article.time) == (
        "重庆日报",
        "2023-08-15",
        "09:23:04",
    )


def test_clean_body_is_simplified_without_header_or_footer() -> None:
    """The body is simplified Chinese with no pinyin, header or footer lines."""
    body = clean_article(RAW).body
    assert body.startswith("8月14日，重庆日报记者从大渡口区获悉")
    assert body.endswith("努力交出经济社会发展高分报表。")
    assert len(clean_article(RAW).paragraphs) == 7
    for leftover in ("(qū)", "區", "新闻热线", "版权所有", "Copyright", "ICP"):
        assert leftover not in body


def test_zhe_particle_becomes_simplified() -> None:
    """盯著 and its siblings become 盯着, which plain t2s would leave alone."""
    body = clean_article(RAW).body
    assert "盯着目标上、跟着项目干、围着企业转、拼着劲头赶" in body
    assert "著" not in body


def test_cleaning_is_deterministic() -> None:
    """The same raw text always gives the same clean text."""
    assert clean_article(RAW) == clean_article(RAW)


def test_page_without_dateline_is_refused() -> None:
    """A file that is not the article page is reported, not silently half-parsed."""
    with pytest.raises(ArticleFormatError, match="dateline"):
        clean_article("just some text\nwith no dateline\n")

"""The wording table: one module per audience, merged with every key defined once."""

from __future__ import annotations

import pytest

from bot.messages import MESSAGES, WRITTEN_LANGUAGES, merge_messages
from bot.messages.knowledge_admins import KNOWLEDGE_ADMINS
from bot.messages.replies import REPLIES
from bot.messages.telegram_admins import TELEGRAM_ADMINS
from bot.messages.telegram_users import TELEGRAM_USERS

AUDIENCES = (REPLIES, TELEGRAM_USERS, TELEGRAM_ADMINS, KNOWLEDGE_ADMINS)


def test_every_message_is_written_in_chinese_and_english() -> None:
    """Each key has a non-empty simplified Chinese and English text, and nothing else."""
    for key, texts in MESSAGES.items():
        assert sorted(texts) == sorted(WRITTEN_LANGUAGES), key
        assert all(text.strip() for text in texts.values()), key


def test_the_merged_table_holds_each_audience_key_exactly_once() -> None:
    """No key is defined in two audience modules, and none is lost merging them."""
    keys = [key for table in AUDIENCES for key in table]
    assert len(keys) == len(set(keys))
    assert set(keys) == set(MESSAGES)


def test_merging_refuses_a_key_defined_twice() -> None:
    """A key in two modules is an error naming both, not one wording silently replacing
    the other."""
    first = {"greeting": {"zh": "你好", "en": "Hello"}}
    second = {"greeting": {"zh": "您好", "en": "Hi"}}
    with pytest.raises(ValueError, match="'greeting' is defined in both first and second"):
        merge_messages({"first": first, "second": second})


def test_merging_refuses_a_message_missing_a_language() -> None:
    """A message without its English text is refused when the table is built, not when
    an English speaker first meets it."""
    with pytest.raises(ValueError, match="'greeting' in only_zh has languages"):
        merge_messages({"only_zh": {"greeting": {"zh": "你好"}}})

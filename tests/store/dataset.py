"""A small log whose every statistic is worked out by hand in the tests."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.engine.answers import Language, Status
from bot.questionlog.log import QuestionLog
from bot.questionlog.pseudonyms import hash_user
from bot.questionlog.records import Channel, QuestionRecord
from tests.store.conftest import SALT, make_record

# 20:00 in Chongqing (UTC+8).
NOW = datetime(2023, 8, 20, 12, 0, tzinfo=UTC)

ZH, HANT, EN = Language.SIMPLIFIED, Language.TRADITIONAL, Language.ENGLISH
ANSWERED, AMBIGUOUS = Status.ANSWERED, Status.AMBIGUOUS
NO_ANSWER, SMALLTALK = Status.NO_ANSWER, Status.SMALLTALK
NOODLE, HUASHAO = "noodle-target-2023", "huashao-investment"


def _row(
    utc: str,
    status: Status,
    language: Language,
    channel: Channel,
    user: int,
    entry: str | None,
    text: str,
) -> QuestionRecord:
    return make_record(
        asked_at=datetime.fromisoformat(utc).replace(tzinfo=UTC),
        status=status,
        language=language,
        channel=channel,
        user_hash=hash_user(user, SALT),
        entry_id=entry,
        text=text,
        normalized=text.lower().rstrip("？?"),
    )


P, G, S, T = Channel.PRIVATE, Channel.GROUP, Channel.SUPERGROUP, Channel.TERMINAL

# In the last 7 days (since 2023-08-13 12:00 UTC): 8 questions from users 1-4.
# UTC+8 hours: 17, 18, 19 x3, 01, 20 x2. Local days: 08-17 x2, 08-19 x1, 08-20 x5.
# Older: two from user 5.
ROWS = (
    _row("2023-08-20T11:00", ANSWERED, ZH, P, 1, NOODLE, "重庆小面今年营收目标？"),
    _row("2023-08-20T10:00", ANSWERED, ZH, P, 2, NOODLE, "小面营收目标"),
    _row("2023-08-20T09:00", ANSWERED, ZH, P, 2, NOODLE, "小面目标是多少"),
    _row("2023-08-20T11:00", ANSWERED, EN, G, 1, HUASHAO, "Huashao investment?"),
    _row("2023-08-19T17:30", AMBIGUOUS, HANT, P, 3, None, "大渡口的目標"),
    _row("2023-08-19T11:00", NO_ANSWER, ZH, S, 3, None, "沙坪坝的GDP是多少？"),
    _row("2023-08-17T12:00", SMALLTALK, EN, T, 4, "greeting", "hello"),
    _row("2023-08-17T12:30", ANSWERED, ZH, P, 4, HUASHAO, "华韶投资多少"),
    _row("2023-08-10T00:00", ANSWERED, ZH, P, 5, NOODLE, "小面目标"),
    _row("2023-08-10T00:00", NO_ANSWER, EN, P, 5, None, "Who is the mayor?"),
)


async def fill(log: QuestionLog) -> None:
    """Write ROWS to ``log``."""
    for row in ROWS:
        log.record(row)
    await log.flush()

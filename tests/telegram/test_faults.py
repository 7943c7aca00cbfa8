"""Faults of the Bot API server: 429 with retry_after, 5xx, slow and dropped responses.

The bot must lose no reply to a transient fault, honour Telegram's retry_after, and keep one
slow request from holding up everybody else.
"""

from __future__ import annotations

import logging

import pytest

from tests.telegram.conftest import BotFactory, person, private_chat
from tests.telegram.fake_bot_api import FakeBotApi, Fault, Json

USER = person(901)
CHAT = private_chat(USER)
QUESTION = "大渡口有多少个市区级重点项目"
ANSWER_START = "大渡口有80个市区级重点项目。"


async def test_429_retry_after_is_honoured(fake_api: FakeBotApi, bot_on_fake: BotFactory) -> None:
    """After a 429 with retry_after=1 the reply is sent again, no sooner than a second later."""
    fake_api.inject("sendMessage", Fault.too_many_requests(retry_after=1))
    async with bot_on_fake():
        fake_api.push_message(USER, CHAT, QUESTION)
        (reply,) = await fake_api.wait_sent(901)
    assert reply["text"].startswith(ANSWER_START)
    refused, accepted = fake_api.calls_to("sendMessage")
    assert accepted.at - refused.at >= 1.0


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_server_errors_are_retried(
    fake_api: FakeBotApi, bot_on_fake: BotFactory, status: int
) -> None:
    """Two 5xx answers in a row do not lose the reply."""
    fake_api.inject("sendMessage", Fault.server_error(status), Fault.server_error(status))
    async with bot_on_fake():
        fake_api.push_message(USER, CHAT, QUESTION)
        (reply,) = await fake_api.wait_sent(901)
    assert reply["text"].startswith(ANSWER_START)
    assert len(fake_api.calls_to("sendMessage")) == 3


async def test_dropped_request_is_retried(fake_api: FakeBotApi, bot_on_fake: BotFactory) -> None:
    """A connection closed before the server saw the request: sent again, delivered once."""
    fake_api.inject("sendMessage", Fault.dropped_request())
    async with bot_on_fake():
        fake_api.push_message(USER, CHAT, QUESTION)
        (reply,) = await fake_api.wait_sent(901)
        await fake_api.wait_fetched()
    assert reply["text"].startswith(ANSWER_START)
    assert len(fake_api.sent_to(901)) == 1


async def test_dropped_response_loses_no_reply(
    fake_api: FakeBotApi, bot_on_fake: BotFactory
) -> None:
    """A reply whose response was lost is sent again: delivered at least once (here twice)."""
    fake_api.inject("sendMessage", Fault.dropped_response())
    async with bot_on_fake():
        fake_api.push_message(USER, CHAT, QUESTION)
        await fake_api.wait_sent(901, 2)
    assert all(m["text"].startswith(ANSWER_START) for m in fake_api.sent_to(901))


async def test_slow_response_does_not_hold_up_other_users(
    fake_api: FakeBotApi, bot_on_fake: BotFactory
) -> None:
    """While one reply waits on a slow response, another user's reply goes out."""
    other = person(902)
    fake_api.inject("sendMessage", Fault.held_until_released())
    async with bot_on_fake():
        fake_api.push_message(USER, CHAT, QUESTION)
        await fake_api.wait_until(lambda: fake_api.held_requests == 1)
        fake_api.push_message(other, private_chat(other), QUESTION)
        await fake_api.wait_sent(902, within=4)
        assert fake_api.sent_to(901) == []
        fake_api.release_held()
        (slow,) = await fake_api.wait_sent(901)
    assert slow["text"].startswith(ANSWER_START)


async def test_slow_responses_within_the_timeout_are_waited_for(
    fake_api: FakeBotApi, bot_on_fake: BotFactory
) -> None:
    """A response 1.5 s late is waited for: delivered once, not retried."""
    fake_api.inject("sendMessage", Fault.slow(1.5))
    async with bot_on_fake():
        fake_api.push_message(USER, CHAT, QUESTION)
        (reply,) = await fake_api.wait_sent(901)
        await fake_api.wait_fetched()
    assert reply["text"].startswith(ANSWER_START)
    assert len(fake_api.calls_to("sendMessage")) == 1


async def test_polling_survives_get_updates_failures(
    fake_api: FakeBotApi, bot_on_fake: BotFactory
) -> None:
    """getUpdates answering 502, 429 or nothing at all delays updates but loses none."""
    async with bot_on_fake():
        fake_api.inject(
            "getUpdates",
            Fault.server_error(502),
            Fault.dropped_request(),
            Fault.too_many_requests(retry_after=1),
        )
        fake_api.push_message(USER, CHAT, QUESTION)
        (reply,) = await fake_api.wait_sent(901, within=10)
    assert reply["text"].startswith(ANSWER_START)


async def test_many_users_under_mixed_faults_all_get_answers(
    fake_api: FakeBotApi, bot_on_fake: BotFactory
) -> None:
    """Forty users ask while sends meet every kind of fault: every one of them is answered."""
    fake_api.inject(
        "sendMessage",
        Fault.too_many_requests(retry_after=1),
        Fault.server_error(502),
        Fault.dropped_request(),
        Fault.slow(0.5),
        Fault.server_error(500),
        Fault.dropped_response(),
        Fault.server_error(503),
    )
    users = [person(9000 + i) for i in range(40)]
    async with bot_on_fake():
        for user in users:
            fake_api.push_message(user, private_chat(user), QUESTION)
        await fake_api.wait_until(lambda: all(fake_api.sent_to(u["id"]) for u in users), within=15)
    for user in users:
        assert fake_api.sent_to(user["id"])[0]["text"].startswith(ANSWER_START)


@pytest.mark.error_logs_expected
async def test_persistent_failure_is_logged_and_the_bot_carries_on(
    fake_api: FakeBotApi, bot_on_fake: BotFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """When every retry fails the error is logged with its update; the next question works."""
    fake_api.inject("sendMessage", *[Fault.server_error(502)] * 4)
    async with bot_on_fake():
        fake_api.push_message(USER, CHAT, "五大产业是什么")
        await fake_api.wait_until(lambda: fake_api.pending_faults("sendMessage") == 0, within=10)
        fake_api.push_message(USER, CHAT, QUESTION)
        (reply,) = await fake_api.wait_sent(901)
    assert reply["text"].startswith(ANSWER_START)
    errors = [r for r in caplog.records if r.levelname == "ERROR"]
    assert len(errors) == 1
    assert "text '五大产业是什么'" in errors[0].getMessage()


async def test_flood_wait_of_one_chat_does_not_hold_up_other_chats(
    fake_api: FakeBotApi, bot_on_fake: BotFactory
) -> None:
    """A 429 for one chat delays only that chat: other chats' replies go out during its wait."""
    others = [person(9100 + i) for i in range(3)]
    fake_api.inject("sendMessage", Fault.too_many_requests(retry_after=2))
    async with bot_on_fake():
        fake_api.push_message(USER, CHAT, QUESTION)
        await fake_api.wait_until(lambda: fake_api.pending_faults("sendMessage") == 0)
        for other in others:
            fake_api.push_message(other, private_chat(other), QUESTION)
        await fake_api.wait_sent(901, within=10)
        await fake_api.wait_until(lambda: all(fake_api.sent_to(o["id"]) for o in others))
    chats = [call.params["chat_id"] for call in fake_api.calls_to("sendMessage")]
    # The refused send, then every other chat's reply, and only then the retry of the first.
    assert chats[0] == 901
    assert sorted(chats[1:4]) == [o["id"] for o in others]
    assert chats[4:] == [901]


async def test_malformed_success_reply_is_retried(
    fake_api: FakeBotApi, bot_on_fake: BotFactory
) -> None:
    """A 200 whose body is not the Bot API's JSON (a proxy's page) is retried: one reply."""
    fake_api.inject("sendMessage", Fault.malformed_response())
    async with bot_on_fake():
        fake_api.push_message(USER, CHAT, QUESTION)
        (reply,) = await fake_api.wait_sent(901)
        await fake_api.wait_fetched()
    assert reply["text"].startswith(ANSWER_START)
    assert len(fake_api.calls_to("sendMessage")) == 2


@pytest.mark.parametrize(
    "fault",
    [Fault.server_error(502), Fault.dropped_request()],
    ids=["502", "dropped"],
)
async def test_failed_tap_acknowledgement_still_sends_the_answer(
    fake_api: FakeBotApi, bot_on_fake: BotFactory, fault: Fault
) -> None:
    """answerCallbackQuery failing (a 5xx, a dropped request) does not stop the tapped answer."""
    async with bot_on_fake():
        fake_api.push_message(USER, CHAT, QUESTION)
        (first,) = await fake_api.wait_sent(901)
        fake_api.inject("answerCallbackQuery", fault)
        fake_api.push_callback(USER, first, "a:s:five-industries")
        _, tapped = await fake_api.wait_sent(901, 2)
    assert tapped["text"].startswith("五大百亿级产业是")


@pytest.mark.parametrize(
    ("status", "description"),
    [
        (403, "Forbidden: bot was blocked by the user"),
        (400, "Bad Request: chat not found"),
        (403, "Forbidden: user is deactivated"),
    ],
)
async def test_unreachable_users_are_an_info_line_not_an_error(
    fake_api: FakeBotApi,
    bot_on_fake: BotFactory,
    caplog: pytest.LogCaptureFixture,
    status: int,
    description: str,
) -> None:
    """A blocked, gone or deactivated user is routine: one INFO line, no ERROR, no traceback."""
    fake_api.inject("sendMessage", Fault.refused(status, description))
    with caplog.at_level(logging.INFO, logger="bot"):
        async with bot_on_fake():
            fake_api.push_message(USER, CHAT, QUESTION)
            await fake_api.wait_until(lambda: fake_api.pending_faults("sendMessage") == 0)
            await fake_api.wait_fetched()
    # PTB drops Telegram's "Bad Request: " from the description.
    said = description.removeprefix("Bad Request: ").lower()
    (line,) = [r for r in caplog.records if said in r.getMessage().lower()]
    assert line.levelno == logging.INFO
    assert line.exc_info is None
    assert "chat 901" in line.getMessage()


# Every kind of fault the fake server can inject, for the soak below.
MIXED_FAULTS = (
    Fault.too_many_requests(retry_after=1),
    Fault.server_error(502),
    Fault.dropped_request(),
    Fault.malformed_response(),
    Fault.server_error(500),
    Fault.slow(0.3),
    Fault.dropped_response(),
    Fault.server_error(503),
)


async def test_soak_of_every_fault_kind_loses_no_reply(
    fake_api: FakeBotApi, bot_on_fake: BotFactory
) -> None:
    """30 users ask, tap an answer and browse while every Bot API call they cause meets faults
    of every kind (429, 5xx, dropped, malformed, slow, lost responses): nothing is lost."""
    users = [person(9200 + i) for i in range(30)]
    async with bot_on_fake():
        # Questions: sendMessage meets every kind, three times over.
        fake_api.inject("sendMessage", *MIXED_FAULTS * 3)
        for user in users:
            fake_api.push_message(user, private_chat(user), QUESTION)
        await fake_api.wait_until(lambda: all(fake_api.sent_to(u["id"]) for u in users), 20)
        answers = {u["id"]: fake_api.sent_to(u["id"])[0] for u in users}
        # Taps on a suggestion: their acknowledgements fail too, and their answers' sends.
        fake_api.inject("answerCallbackQuery", *[Fault.server_error(502)] * 4)
        fake_api.inject("answerCallbackQuery", *[Fault.dropped_request()] * 4)
        fake_api.inject("sendMessage", *MIXED_FAULTS * 2)
        for user in users:
            fake_api.push_callback(user, answers[user["id"]], "a:s:five-industries")

        def tapped(user: Json) -> bool:
            texts = [m["text"] for m in fake_api.sent_to(user["id"])]
            return any(t.startswith("五大百亿级产业是") for t in texts)

        await fake_api.wait_until(lambda: all(tapped(u) for u in users), 20)
        # Browsing: the topic list's edits meet every kind as well.
        fake_api.inject("editMessageText", *MIXED_FAULTS * 2)
        sent_before = {u["id"]: len(fake_api.sent_to(u["id"])) for u in users}
        for user in users:
            fake_api.push_message(user, private_chat(user), "/topics")
        await fake_api.wait_until(
            lambda: all(len(fake_api.sent_to(u["id"])) > sent_before[u["id"]] for u in users), 20
        )
        listings = {u["id"]: fake_api.sent_to(u["id"])[sent_before[u["id"]]] for u in users}
        for user in users:
            fake_api.push_callback(user, listings[user["id"]], "t:s:noodles")

        def browsed(user: Json) -> bool:
            shown = [listings[user["id"]], *fake_api.sent_to(user["id"])]
            return any(m["text"] == "“重庆小面”方面可以问：" for m in shown)

        await fake_api.wait_until(lambda: all(browsed(u) for u in users), 20)
    # Every fault was met (64: 40 on sendMessage, 16 on editMessageText, 8 on the taps' answers).
    assert all(fake_api.pending_faults(m) == 0 for m in ("sendMessage", "editMessageText"))
    assert fake_api.pending_faults("answerCallbackQuery") == 0

"""A fake Telegram Bot API server on loopback, for what the emulator cannot do.

It speaks the real wire format (``/bot<token>/<method>``, form, multipart or JSON parameters,
the ``{"ok": …}`` envelope, long polling with ``offset``/``timeout``, webhooks with a secret
header, documents a user sends: ``getFile`` and the file download at
``/file/bot<token>/<file_path>``) and checks what Telegram checks and a bot most easily gets
wrong: message length, balanced HTML in HTML parse mode, callback data of at most 64 bytes,
unknown chats.

Tests drive it in-process (``push_*`` methods, ``wait_sent``); the benchmark runs it as a
separate process (``python -m tests.telegram.fake_bot_api``) and drives it over the
``/_control`` routes, so that the bot's CPU time is measured on its own.

Faults are queued per method and consumed one per request: 429 with ``retry_after``, any
HTTP status (in Telegram's envelope with its description, e.g. "Forbidden: bot was blocked by
the user", or as a reverse proxy's HTML page), a slow response, one held until the test
releases it, a request dropped before it is processed, a response dropped after it was
processed, or a 200 whose body is not the Bot API's JSON (a proxy's page) with the request not
processed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from aiohttp import ClientSession, ClientTimeout, web
from aiohttp.web_request import FileField

# Telegram's limits count UTF-16 code units of the text after entity parsing (an emoji is 2).
MAX_MESSAGE_CHARS = 4096
MAX_CAPTION_CHARS = 1024
MAX_CALLBACK_ANSWER_CHARS = 200
MAX_CALLBACK_DATA_BYTES = 64
MAX_INLINE_RESULTS = 50
# Bots may download files up to this size; getFile refuses bigger ones.
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024
# Tags Telegram accepts in HTML parse mode.
ALLOWED_TAGS = frozenset(
    {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a"}
    | {"code", "pre", "blockquote", "tg-emoji"}
)
# Parameters whose values PTB sends as plain strings (everything else is JSON-encoded).
STRING_PARAMETERS = frozenset(
    {
        "text",
        "parse_mode",
        "callback_query_id",
        "inline_query_id",
        "guest_query_id",
        "url",
        "secret_token",
        "language_code",
        "action",
        "next_offset",
        "caption",
        "ip_address",
    }
)
Json = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Fault:
    """One misbehaviour of the server for one request."""

    status: int = 0
    retry_after: int = 0
    delay: float = 0.0
    drop_request: bool = False
    drop_response: bool = False
    held: bool = False
    malformed: bool = False
    description: str = ""
    proxy_page: bool = False

    @staticmethod
    def too_many_requests(retry_after: int) -> Fault:
        """429 Too Many Requests with ``parameters.retry_after``."""
        return Fault(status=429, retry_after=retry_after)

    @staticmethod
    def server_error(status: int = 502) -> Fault:
        """A 5xx status with Telegram's error envelope."""
        return Fault(status=status)

    @staticmethod
    def refused(status: int, description: str) -> Fault:
        """An error Telegram answers with, e.g. 403 "Forbidden: bot was blocked by the user"."""
        return Fault(status=status, description=description)

    @staticmethod
    def malformed_response() -> Fault:
        """200 OK with a body that is not JSON; the request is not processed."""
        return Fault(malformed=True)

    @staticmethod
    def error(status: int) -> Fault:
        """Any status with Telegram's error envelope (401 Unauthorized, 404 Not Found…)."""
        return Fault(status=status)

    @staticmethod
    def from_proxy(status: int) -> Fault:
        """``status`` as an HTML page, as a reverse proxy in front of the Bot API sends it."""
        return Fault(status=status, proxy_page=True)

    @staticmethod
    def slow(seconds: float) -> Fault:
        """Answer normally, ``seconds`` late."""
        return Fault(delay=seconds)

    @staticmethod
    def held_until_released() -> Fault:
        """Answer normally once the test calls ``release_held()``."""
        return Fault(held=True)

    @staticmethod
    def dropped_request() -> Fault:
        """Close the connection before doing anything: the request never arrived."""
        return Fault(drop_request=True)

    @staticmethod
    def dropped_response() -> Fault:
        """Do the work, then close the connection instead of answering."""
        return Fault(drop_response=True)


@dataclass(slots=True)
class Call:
    """One Bot API request the bot made, with its decoded parameters."""

    method: str
    params: Json
    at: float


@dataclass(slots=True)
class _Webhook:
    url: str
    secret: str | None
    deliveries: list[int] = field(default_factory=list)


class BotApiError(Exception):
    """An error answer in Telegram's envelope."""

    def __init__(self, code: int, description: str, parameters: Json | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters


class _HtmlChecker(HTMLParser):
    """Validates Telegram's HTML subset: known tags, balanced, and measures the plain text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []
        self.error = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.error = self.error or f'Unsupported start tag "{tag}"'
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.error = self.error or f'Unexpected end tag "{tag}"'
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def check_html(text: str) -> str:
    """The plain text of HTML ``text``, as Telegram shows it; ``BotApiError`` like Telegram."""
    checker = _HtmlChecker()
    checker.feed(text)
    checker.close()
    if checker.stack and not checker.error:
        checker.error = f'Can\'t find end tag corresponding to start tag "{checker.stack[-1]}"'
    if checker.error:
        raise BotApiError(400, f"Bad Request: can't parse entities: {checker.error}")
    return "".join(checker.text)


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def text_entities(text: str) -> list[Json]:
    """The entities a Telegram client attaches: a leading /command and @mentions."""
    entities: list[Json] = []
    offset = 0
    for word in text.split(" "):
        if word.startswith("/") and offset == 0 and len(word) > 1:
            entities.append({"type": "bot_command", "offset": 0, "length": _utf16_length(word)})
        elif word.startswith("@") and len(word) > 1:
            entities.append(
                {
                    "type": "mention",
                    "offset": _utf16_length(text[:offset]),
                    "length": _utf16_length(word),
                }
            )
        offset += len(word) + 1
    return entities


class FakeBotApi:
    """The server. ``await start()``, point the bot at ``base_url``, ``await stop()``."""

    def __init__(
        self, token: str, *, username: str = "dadukou_test_bot", bot_id: int = 424242
    ) -> None:
        self.token = token
        self.me: Json = {
            "id": bot_id,
            "is_bot": True,
            "first_name": "大渡口问答",
            "username": username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
        }
        self.calls: list[Call] = []
        self.sent: list[Json] = []
        self.callback_answers: dict[str, Json] = {}
        self.inline_answers: dict[str, Json] = {}
        # Guest mode (Bot API 10.0): answerGuestQuery calls, by guest_query_id.
        self.guest_answers: dict[str, Json] = {}
        # The buttons of messages sent in inline mode, as the bot last edited them.
        self.inline_markups: dict[str, Json | None] = {}
        self.commands: dict[str, list[Json]] = {}
        self.webhook: _Webhook | None = None
        self.webhook_statuses: list[int] = []
        self._faults: dict[str, deque[Fault]] = defaultdict(deque)
        self._updates: list[Json] = []
        # What the bot last asked for (getUpdates or setWebhook); None: the default types.
        self.allowed_updates: list[str] | None = None
        self._confirmed = 0
        # The highest update id a getUpdates answer has carried.
        self.highest_fetched = 0
        self._update_ids = itertools.count(1)
        self._last_update_id = 0
        self._closing = False
        self._release = asyncio.Event()
        self.held_requests = 0
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._chats: dict[int, Json] = {}
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self._session: ClientSession | None = None
        self._deliveries: set[asyncio.Task[None]] = set()
        # Files users sent, by file_path; file_id -> file_path.
        self._files: dict[str, bytes] = {}
        self._file_paths: dict[str, str] = {}
        self._file_ids = itertools.count(1)
        self.downloads: list[str] = []
        self.port = 0

    # --- lifecycle -------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Listen on ``host:port`` (a free port when 0)."""
        app = web.Application(client_max_size=64 << 20)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{file_path:.+}", self._handle_download)
        app.router.add_post("/_control/updates", self._control_updates)
        app.router.add_get("/_control/stats", self._control_stats)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        server = site._server
        assert server is not None
        sockets = getattr(server, "sockets", ())
        self.port = sockets[0].getsockname()[1]
        self._session = ClientSession(timeout=ClientTimeout(total=10))

    async def stop(self) -> None:
        """Stop delivering and listening; long polls still waiting return at once."""
        self._closing = True
        self._release.set()
        async with self._changed:
            self._changed.notify_all()
        for task in list(self._deliveries):
            task.cancel()
        await asyncio.gather(*self._deliveries, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        """PTB's ``base_url``: the token is appended to it."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """PTB's ``base_file_url``."""
        return f"http://127.0.0.1:{self.port}/file/bot"

    # --- faults ----------------------------------------------------------------------------

    def inject(self, method: str, *faults: Fault) -> None:
        """Queue ``faults`` for the next requests to ``method``, one each."""
        self._faults[method].extend(faults)

    def release_held(self) -> None:
        """Let held requests go on."""
        self._release.set()

    def pending_faults(self, method: str) -> int:
        """How many queued faults ``method`` has not met yet."""
        return len(self._faults[method])

    # --- the user's side -------------------------------------------------------------------

    def remember_chat(self, chat: Json) -> None:
        """Make ``chat`` known, as Telegram knows every chat a bot is in."""
        self._chats[int(chat["id"])] = chat

    def push_update(self, body: Json) -> int:
        """Queue an update (``body`` without ``update_id``); returns its id."""
        update = {"update_id": next(self._update_ids), **body}
        self._last_update_id = int(update["update_id"])
        if self.webhook is not None:
            task = asyncio.get_running_loop().create_task(self._deliver(update, self.webhook))
            self._deliveries.add(task)
            task.add_done_callback(self._deliveries.discard)
        else:
            self._updates.append(update)
            self._notify()
        return int(update["update_id"])

    def push_message(
        self,
        user: Json,
        chat: Json,
        text: str | None = None,
        *,
        edited: bool = False,
        reply_to: Json | None = None,
        **extra: Any,
    ) -> Json:
        """A user writes ``text`` (or sends ``extra`` content) in ``chat``; returns the message."""
        self.remember_chat(chat)
        message: Json = {
            "message_id": next(self._counter(int(chat["id"]))),
            "date": int(time.time()),
            "chat": chat,
            "from": user,
            **extra,
        }
        if text is not None:
            message["text"] = text
            entities = text_entities(text)
            if entities:
                message["entities"] = entities
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        if edited:
            message["edit_date"] = int(time.time())
            self.push_update({"edited_message": message})
        else:
            self.push_update({"message": message})
        return message

    def add_file(self, content: bytes, file_name: str, *, file_size: int | None = -1) -> Json:
        """Store ``content`` as a file a user sent; returns its ``Document``.

        ``file_size`` is what the update claims (default: the true size; None: not stated),
        so a test can make it lie.
        """
        number = next(self._file_ids)
        file_id = f"file{number}"
        file_path = f"documents/file_{number}.bin"
        self._files[file_path] = content
        self._file_paths[file_id] = file_path
        document: Json = {
            "file_id": file_id,
            "file_unique_id": f"ufile{number}",
            "file_name": file_name,
            "mime_type": "application/x-yaml",
        }
        if file_size is not None:
            document["file_size"] = len(content) if file_size < 0 else file_size
        return document

    def push_document(
        self,
        user: Json,
        chat: Json,
        file_name: str,
        content: bytes,
        *,
        file_size: int | None = -1,
    ) -> Json:
        """A user sends ``content`` as a document named ``file_name``; returns the message."""
        document = self.add_file(content, file_name, file_size=file_size)
        return self.push_message(user, chat, document=document)

    def push_callback(self, user: Json, message: Json, data: str) -> str:
        """The user taps a button carrying ``data`` under the bot's ``message``."""
        query_id = f"cb{next(self._update_ids)}"
        self.push_update(
            {
                "callback_query": {
                    "id": query_id,
                    "from": user,
                    "message": message,
                    "chat_instance": f"ci{message['chat']['id']}",
                    "data": data,
                }
            }
        )
        return query_id

    def push_reaction(
        self, user: Json, message: Json, new: Sequence[str], old: Sequence[str] = ()
    ) -> int:
        """The user changes their reaction on ``message`` from ``old`` emoji to ``new``."""
        return self.push_update(
            {
                "message_reaction": {
                    "chat": message["chat"],
                    "message_id": message["message_id"],
                    "user": user,
                    "date": int(time.time()),
                    "old_reaction": [{"type": "emoji", "emoji": e} for e in old],
                    "new_reaction": [{"type": "emoji", "emoji": e} for e in new],
                }
            }
        )

    def push_inline_callback(self, user: Json, data: str) -> str:
        """The user taps a button carrying ``data`` under a message sent in inline mode."""
        query_id = f"cb{next(self._update_ids)}"
        self.push_update(
            {
                "callback_query": {
                    "id": query_id,
                    "from": user,
                    "inline_message_id": f"im{query_id}",
                    "chat_instance": "ci-inline",
                    "data": data,
                }
            }
        )
        return query_id

    def push_inline_query(self, user: Json, query: str) -> str:
        """The user types ``@bot query`` in some chat."""
        query_id = f"iq{next(self._update_ids)}"
        self.push_update(
            {
                "inline_query": {
                    "id": query_id,
                    "from": user,
                    "query": query,
                    "offset": "",
                    "chat_type": "private",
                }
            }
        )
        return query_id

    def push_guest_message(self, user: Json, chat: Json, text: str) -> str:
        """The user mentions the bot in ``chat``, which the bot is not in (guest mode)."""
        query_id = f"gq{next(self._update_ids)}"
        message: Json = {
            "message_id": next(self._counter(int(chat["id"]))),
            "date": int(time.time()),
            "chat": chat,
            "from": user,
            "text": text,
            "guest_query_id": query_id,
        }
        entities = text_entities(text)
        if entities:
            message["entities"] = entities
        self.push_update({"guest_message": message})
        return query_id

    # --- waiting ---------------------------------------------------------------------------

    async def wait_until(self, condition: Callable[[], bool], within: float = 5.0) -> None:
        """Wait until ``condition()`` holds after some request; TimeoutError otherwise."""
        async with asyncio.timeout(within), self._changed:
            await self._changed.wait_for(condition)

    @property
    def waiting_updates(self) -> int:
        """Updates pushed and not yet confirmed by the bot (polling)."""
        return len(self._updates)

    @property
    def last_update_id(self) -> int:
        """The id of the update pushed last."""
        return self._last_update_id

    async def wait_fetched(self, update_id: int | None = None, within: float = 5.0) -> None:
        """Wait until the bot has taken update ``update_id`` (default: the last one pushed).

        Polling: a later getUpdates confirmed it; webhook: it was delivered. Once the bot has
        it, stopping the bot waits for its handler, so silence can then be asserted.
        """
        wanted = self._last_update_id if update_id is None else update_id

        def fetched() -> bool:
            delivered = self.webhook is not None and wanted in self.webhook.deliveries
            return self._confirmed > wanted or delivered

        await self.wait_until(fetched, within)

    def sent_to(self, chat_id: int) -> list[Json]:
        """Messages the bot sent to ``chat_id`` so far."""
        return [m for m in self.sent if m["chat"]["id"] == chat_id]

    async def wait_sent(self, chat_id: int, count: int = 1, within: float = 5.0) -> list[Json]:
        """The first ``count`` messages sent to ``chat_id``, waiting for them to arrive."""
        await self.wait_until(lambda: len(self.sent_to(chat_id)) >= count, within)
        return self.sent_to(chat_id)[:count]

    def calls_to(self, method: str) -> list[Call]:
        """Requests the bot made to ``method``."""
        return [c for c in self.calls if c.method == method]

    def _notify(self) -> None:
        async def notify() -> None:
            async with self._changed:
                self._changed.notify_all()

        task = asyncio.get_running_loop().create_task(notify())
        self._deliveries.add(task)
        task.add_done_callback(self._deliveries.discard)

    def _counter(self, chat_id: int) -> itertools.count[int]:
        return self._message_ids.setdefault(chat_id, itertools.count(1))

    # --- the Bot API ----------------------------------------------------------------------

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return _envelope_error(BotApiError(401, "Unauthorized"))
        method = request.match_info["method"]
        fault = self._faults[method].popleft() if self._faults[method] else Fault()
        if fault.drop_request:
            return _drop(request)
        if fault.delay:
            await asyncio.sleep(fault.delay)
        if fault.held:
            self.held_requests += 1
            self._notify()
            await self._release.wait()
        try:
            params = await _parameters(request)
        except BotApiError as error:
            return _envelope_error(error)
        self.calls.append(Call(method, params, time.monotonic()))
        if fault.malformed:
            self._notify()
            return web.Response(text="<html><body>502 Bad Gateway</body></html>")
        if fault.proxy_page:
            self._notify()
            page = f"<html><body><h1>{fault.status}</h1>nginx</body></html>"
            return web.Response(status=fault.status, text=page, content_type="text/html")
        if fault.status:
            self._notify()
            parameters = {"retry_after": fault.retry_after} if fault.retry_after else None
            description = fault.description or {
                401: "Unauthorized",
                404: "Not Found",
                429: f"Too Many Requests: retry after {fault.retry_after}",
                502: "Bad Gateway",
            }.get(fault.status, "Internal Server Error")
            return _envelope_error(BotApiError(fault.status, description, parameters))
        handler = self._methods().get(method)
        try:
            if handler is None:
                raise BotApiError(404, "Not Found: method not found")
            result = await handler(params)
        except BotApiError as error:
            self._notify()
            return _envelope_error(error)
        self._notify()
        if fault.drop_response:
            return _drop(request)
        return web.json_response({"ok": True, "result": result})

    def _methods(self) -> dict[str, Callable[[Json], Awaitable[Any]]]:
        return {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "sendMessage": self._send_message,
            "sendDocument": self._send_document,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "answerCallbackQuery": self._answer_callback_query,
            "answerInlineQuery": self._answer_inline_query,
            "answerGuestQuery": self._answer_guest_query,
            "setMyCommands": self._set_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "sendChatAction": self._send_chat_action,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "getFile": self._get_file,
        }

    async def _get_me(self, params: Json) -> Json:
        return self.me

    async def _get_updates(self, params: Json) -> list[Json]:
        if self.webhook is not None:
            raise BotApiError(409, "Conflict: can't use getUpdates method while webhook is active")
        offset = int(params.get("offset", 0))
        if offset > self._confirmed:
            self._confirmed = offset
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            self._notify()
        if "allowed_updates" in params:
            self.allowed_updates = list(params["allowed_updates"])
        # As Telegram: reactions only reach a bot that asked for them by name.
        self._updates = [u for u in self._updates if self._is_allowed(u)]
        limit = int(params.get("limit", 100))
        timeout = float(params.get("timeout", 0))
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout), self._changed:
                await self._changed.wait_for(lambda: bool(self._updates) or self._closing)
        handed = self._updates[:limit]
        if handed:
            self.highest_fetched = max(self.highest_fetched, int(handed[-1]["update_id"]))
        return handed

    def _is_allowed(self, update: Json) -> bool:
        """Telegram sends message_reaction updates only when allowed_updates names them, and
        no update of a type a given allowed_updates list leaves out (checked for guest
        messages)."""
        if "guest_message" in update:
            return self.allowed_updates is None or "guest_message" in self.allowed_updates
        if "message_reaction" not in update:
            return True
        return self.allowed_updates is not None and "message_reaction" in self.allowed_updates

    def _chat(self, params: Json) -> Json:
        chat_id = int(params.get("chat_id", 0))
        chat = self._chats.get(chat_id)
        if chat is None:
            raise BotApiError(400, "Bad Request: chat not found")
        return chat

    def _check_text(self, params: Json) -> str:
        """The message's plain text, checked as Telegram checks it."""
        text = str(params.get("text", ""))
        if params.get("parse_mode") == "HTML":
            text = check_html(text)
        if not text.strip():
            raise BotApiError(400, "Bad Request: message text is empty")
        if _utf16_length(text) > MAX_MESSAGE_CHARS:
            raise BotApiError(400, "Bad Request: message is too long")
        return text

    def _check_markup(self, markup: Any) -> None:
        if markup is None:
            return
        rows = markup.get("inline_keyboard") if isinstance(markup, dict) else None
        if rows is None:
            return
        for row in rows:
            for button in row:
                if not str(button.get("text", "")).strip():
                    raise BotApiError(400, "Bad Request: text buttons are unallowed")
                data = button.get("callback_data")
                if data is not None and not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA_BYTES:
                    raise BotApiError(400, "Bad Request: BUTTON_DATA_INVALID")

    async def _send_message(self, params: Json) -> Json:
        chat = self._chat(params)
        text = self._check_text(params)
        self._check_markup(params.get("reply_markup"))
        message: Json = {
            "message_id": next(self._counter(int(chat["id"]))),
            "date": int(time.time()),
            "chat": chat,
            "from": {k: self.me[k] for k in ("id", "is_bot", "first_name", "username")},
            "text": text,
            # Not part of Telegram's answer: what the bot sent, for the tests to check.
            "html": params.get("text") if params.get("parse_mode") == "HTML" else None,
        }
        if "reply_markup" in params:
            message["reply_markup"] = params["reply_markup"]
        if "reply_parameters" in params:
            message["reply_parameters"] = params["reply_parameters"]
        self.sent.append(message)
        return message

    async def _send_document(self, params: Json) -> Json:
        chat = self._chat(params)
        upload = params.get("document")
        if not isinstance(upload, dict):
            raise BotApiError(400, "Bad Request: there is no document in the request")
        message: Json = {
            "message_id": next(self._counter(int(chat["id"]))),
            "date": int(time.time()),
            "chat": chat,
            "from": {k: self.me[k] for k in ("id", "is_bot", "first_name", "username")},
            "document": {
                "file_id": f"doc{len(self.sent)}",
                "file_unique_id": f"udoc{len(self.sent)}",
                "file_name": upload["file_name"],
                "file_size": len(upload["content"]),
            },
            # Not part of Telegram's answer: the uploaded bytes, for the tests to check.
            "content": upload["content"].decode("utf-8", "replace"),
        }
        if "caption" in params:
            caption = str(params["caption"])
            if params.get("parse_mode") == "HTML":
                caption = check_html(caption)
            if _utf16_length(caption) > MAX_CAPTION_CHARS:
                raise BotApiError(400, "Bad Request: message caption is too long")
            message["caption"] = params["caption"]
        self.sent.append(message)
        return message

    def _find_sent(self, params: Json) -> Json:
        chat_id = int(params.get("chat_id", 0))
        message_id = int(params.get("message_id", 0))
        for message in self.sent:
            if message["chat"]["id"] == chat_id and message["message_id"] == message_id:
                return message
        raise BotApiError(400, "Bad Request: message to edit not found")

    async def _edit_message_text(self, params: Json) -> Json:
        message = self._find_sent(params)
        text = self._check_text(params)
        self._check_markup(params.get("reply_markup"))
        if text == message["text"] and params.get("reply_markup") == message.get("reply_markup"):
            raise BotApiError(400, "Bad Request: message is not modified")
        html = params.get("text") if params.get("parse_mode") == "HTML" else None
        message.update(text=text, html=html)
        message["edit_date"] = int(time.time())
        if "reply_markup" in params:
            message["reply_markup"] = params["reply_markup"]
        else:
            message.pop("reply_markup", None)
        return message

    async def _edit_message_reply_markup(self, params: Json) -> Json | bool:
        self._check_markup(params.get("reply_markup"))
        inline_message_id = params.get("inline_message_id")
        if inline_message_id is not None:
            # A message sent in inline mode (or posted for a guest query): Telegram answers
            # True; the fake keeps its latest buttons, by inline message id.
            if self.inline_markups.get(str(inline_message_id)) == params.get("reply_markup"):
                raise BotApiError(400, "Bad Request: message is not modified")
            self.inline_markups[str(inline_message_id)] = params.get("reply_markup")
            return True
        message = self._find_sent(params)
        if params.get("reply_markup") == message.get("reply_markup"):
            raise BotApiError(400, "Bad Request: message is not modified")
        if "reply_markup" in params:
            message["reply_markup"] = params["reply_markup"]
        else:
            message.pop("reply_markup", None)
        return message

    async def _answer_callback_query(self, params: Json) -> bool:
        query_id = str(params.get("callback_query_id"))
        if query_id in self.callback_answers:
            raise BotApiError(400, "Bad Request: query is too old and response timeout expired")
        if _utf16_length(str(params.get("text", ""))) > MAX_CALLBACK_ANSWER_CHARS:
            raise BotApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        self.callback_answers[query_id] = params
        return True

    async def _answer_inline_query(self, params: Json) -> bool:
        results = params.get("results", [])
        if len(results) > MAX_INLINE_RESULTS:
            raise BotApiError(400, "Bad Request: RESULTS_TOO_MUCH")
        ids = [r.get("id") for r in results]
        if len(set(ids)) != len(ids):
            raise BotApiError(400, "Bad Request: RESULT_ID_DUPLICATE")
        for result in results:
            content = result.get("input_message_content", {})
            self._check_text(
                {"text": content.get("message_text"), "parse_mode": content.get("parse_mode")}
            )
            self._check_markup(result.get("reply_markup"))
        self.inline_answers[str(params.get("inline_query_id"))] = params
        return True

    async def _answer_guest_query(self, params: Json) -> Json:
        query_id = str(params.get("guest_query_id"))
        if query_id in self.guest_answers:
            raise BotApiError(400, "Bad Request: query is too old and response timeout expired")
        result = params.get("result")
        if not isinstance(result, dict):
            raise BotApiError(400, "Bad Request: result is required")
        content = result.get("input_message_content", {})
        self._check_text(
            {"text": content.get("message_text"), "parse_mode": content.get("parse_mode")}
        )
        self._check_markup(result.get("reply_markup"))
        self.guest_answers[query_id] = params
        return {"inline_message_id": f"gm{query_id}"}

    async def _set_my_commands(self, params: Json) -> bool:
        self.commands[str(params.get("language_code", ""))] = list(params.get("commands", []))
        return True

    async def _delete_my_commands(self, params: Json) -> bool:
        self.commands.pop(str(params.get("language_code", "")), None)
        return True

    async def _send_chat_action(self, params: Json) -> bool:
        self._chat(params)
        return True

    async def _set_webhook(self, params: Json) -> bool:
        url = str(params.get("url", ""))
        if not url:
            return await self._delete_webhook(params)
        secret = params.get("secret_token")
        self.webhook = _Webhook(url, str(secret) if secret is not None else None)
        if "allowed_updates" in params:
            self.allowed_updates = list(params["allowed_updates"])
        # Updates waiting for getUpdates go to the webhook now, as Telegram would send them.
        waiting, self._updates = self._updates, []
        if params.get("drop_pending_updates"):
            waiting = []
        for update in waiting:
            task = asyncio.get_running_loop().create_task(self._deliver(update, self.webhook))
            self._deliveries.add(task)
            task.add_done_callback(self._deliveries.discard)
        return True

    async def _delete_webhook(self, params: Json) -> bool:
        self.webhook = None
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _get_webhook_info(self, params: Json) -> Json:
        return {
            "url": self.webhook.url if self.webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    async def _get_file(self, params: Json) -> Json:
        file_id = str(params.get("file_id", ""))
        file_path = self._file_paths.get(file_id)
        if file_path is None:
            raise BotApiError(400, "Bad Request: invalid file_id")
        content = self._files[file_path]
        if len(content) > MAX_DOWNLOAD_BYTES:
            raise BotApiError(400, "Bad Request: file is too big")
        return {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_size": len(content),
            "file_path": file_path,
        }

    async def _handle_download(self, request: web.Request) -> web.StreamResponse:
        """``GET /file/bot<token>/<file_path>``: the bytes of a file getFile described."""
        if request.match_info["token"] != self.token:
            return web.Response(status=401, text="Unauthorized")
        file_path = request.match_info["file_path"]
        content = self._files.get(file_path)
        self.downloads.append(file_path)
        self._notify()
        if content is None:
            return web.Response(status=404, text="Not Found")
        return web.Response(body=content, content_type="application/octet-stream")

    async def _deliver(self, update: Json, webhook: _Webhook) -> None:
        """POST one update to the webhook, retrying a few times as Telegram does."""
        assert self._session is not None
        if not self._is_allowed(update):
            return
        headers = {"Content-Type": "application/json"}
        if webhook.secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = webhook.secret
        for attempt in range(5):
            try:
                async with self._session.post(webhook.url, json=update, headers=headers) as reply:
                    self.webhook_statuses.append(reply.status)
                    if reply.status < 300:
                        webhook.deliveries.append(int(update["update_id"]))
                        self._notify()
                        return
            except OSError:
                self.webhook_statuses.append(0)
            await asyncio.sleep(0.1 * (attempt + 1))

    # --- control routes for a driver in another process ------------------------------------

    async def _control_updates(self, request: web.Request) -> web.Response:
        """Queue ``{"chats": [...], "updates": [...]}``; chats become known first."""
        body = await request.json()
        for chat in body.get("chats", []):
            self.remember_chat(chat)
        ids = [self.push_update(update) for update in body.get("updates", [])]
        return web.json_response({"ok": True, "result": ids})

    async def _control_stats(self, request: web.Request) -> web.Response:
        """Counts of sent messages and calls; ``?sent=N`` first waits for N sent (60 s)."""
        wanted = int(request.query.get("sent", 0))
        with contextlib.suppress(TimeoutError):
            await self.wait_until(lambda: len(self.sent) >= wanted, within=60)
        calls: dict[str, int] = defaultdict(int)
        for call in self.calls:
            calls[call.method] += 1
        return web.json_response({"sent": len(self.sent), "calls": calls})


async def _parameters(request: web.Request) -> Json:
    """Decode a Bot API request's parameters the way Telegram does."""
    content_type = request.content_type
    if content_type == "application/json":
        body = await request.json() if request.can_read_body else {}
        return dict(body)
    raw: dict[str, str] = dict(request.query)
    params: Json = {}
    if request.can_read_body:
        for name, value in (await request.post()).items():
            if isinstance(value, FileField):
                # An upload (multipart): what a test may want to check of it.
                content = value.file.read()
                params[name] = {"file_name": value.filename, "content": content}
            else:
                raw[name] = str(value)
    for name, value in raw.items():
        if name in STRING_PARAMETERS:
            params[name] = value
            continue
        try:
            params[name] = json.loads(value)
        except ValueError:
            params[name] = value
    return params


def _envelope_error(error: BotApiError) -> web.Response:
    body: Json = {"ok": False, "error_code": error.code, "description": error.description}
    if error.parameters:
        body["parameters"] = error.parameters
    return web.json_response(body, status=error.code)


def _drop(request: web.Request) -> web.StreamResponse:
    """Close the connection without an answer, as a broken network would."""
    transport = request.transport
    if transport is not None:
        transport.abort()
    return web.Response(status=204)


async def _serve(token: str, port: int) -> None:
    server = FakeBotApi(token)
    await server.start(port=port)
    print(f"listening {server.port}", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await server.stop()


def main() -> None:
    """Run the server alone (for the benchmark): ``--token`` and ``--port`` (0: any)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--token", required=True)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args.token, args.port))


if __name__ == "__main__":
    main()

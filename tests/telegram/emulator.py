"""telegram-test-api (npm), an independent Bot API emulator, and what the tests put around it.

- ``EmulatorProcess`` runs it with node on a free loopback port.
- ``CompatProxy`` sits between the bot and the emulator and fixes the emulator's known
  deviations from the Bot API, so that python-telegram-bot sees what Telegram would send:
  ``getMe`` lacks ``is_bot``; sent messages carry ``date`` in milliseconds and echo the
  request's parameters as strings (``link_preview_options`` …); ``editMessage*``
  (and the boolean methods) return null; callback updates lack ``chat_instance``; it has no
  ``setMyCommands``/``getMyCommands``/``deleteMyCommands``/``sendChatAction`` (answered here
  and recorded) and no files or multipart (refused here, loudly). ``getUpdates`` ignores
  ``offset`` and ``timeout`` but marks what it returned as read, so the bot polls it with a
  poll interval.
- ``EmulatorUser`` is a Telegram user, speaking the emulator's own client API.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

from aiohttp import ClientSession, ClientTimeout, web

REPO = Path(__file__).resolve().parents[2]
LAUNCHER = Path(__file__).with_name("start_emulator.js")
Json = dict[str, Any]

# Bot API methods whose result is True on Telegram but null on the emulator.
BOOLEAN_METHODS = frozenset(
    {"answerCallbackQuery", "deleteMessage", "setWebhook", "deleteWebhook"}
)


def free_port() -> int:
    """A port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class EmulatorProcess:
    """The emulator as a node subprocess."""

    def __init__(self) -> None:
        self.process: subprocess.Popen[str] | None = None
        self.url = ""

    def start(self, attempts: int = 3) -> None:
        """Start on a free port, retrying when another process took the port meanwhile."""
        if not (REPO / "node_modules" / "telegram-test-api").is_dir():
            raise RuntimeError("node_modules is missing: run `npm ci --no-audit --no-fund`")
        for _ in range(attempts):
            port = free_port()
            process = subprocess.Popen(
                ["node", str(LAUNCHER), str(port)],
                cwd=REPO,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env={**os.environ, "DEBUG": ""},
            )
            assert process.stdout is not None
            line = process.stdout.readline()
            if line.startswith("listening"):
                self.process = process
                self.url = f"http://127.0.0.1:{port}"
                return
            process.kill()
            process.wait()
        raise RuntimeError("telegram-test-api did not start")

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it lingers."""
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()


class CompatProxy:
    """Bot API on loopback, forwarded to the emulator with its deviations fixed."""

    def __init__(self, emulator_url: str) -> None:
        self.emulator_url = emulator_url
        self.commands: dict[str, list[Json]] = {}
        self.chat_actions: list[Json] = []
        # The emulator returns null for edits; Telegram returns the edited message.
        self._messages: dict[tuple[int, int], Json] = {}
        self._runner: web.AppRunner | None = None
        self._session: ClientSession | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        """PTB's ``base_url``."""
        return f"http://127.0.0.1:{self.port}/bot"

    async def start(self) -> None:
        """Listen on a free loopback port."""
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._forward)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = getattr(server, "sockets", ())[0].getsockname()[1]
        self._session = ClientSession(timeout=ClientTimeout(total=10))

    async def stop(self) -> None:
        """Stop listening."""
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _forward(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.content_type.startswith("multipart/"):
            return _error(400, "Bad Request: the emulator has no file uploads")
        form = dict(await request.post()) if request.can_read_body else {}
        params: Json = {**request.query, **{k: str(v) for k, v in form.items()}}
        if method in ("setMyCommands", "deleteMyCommands"):
            commands = params.get("commands", "[]") if method == "setMyCommands" else "[]"
            self.commands[str(params.get("language_code", ""))] = _json(commands)
            return web.json_response({"ok": True, "result": True})
        if method == "getMyCommands":
            result = self.commands.get(str(params.get("language_code", "")), [])
            return web.json_response({"ok": True, "result": result})
        if method == "sendChatAction":
            self.chat_actions.append(params)
            return web.json_response({"ok": True, "result": True})
        assert self._session is not None
        url = f"{self.emulator_url}/bot{request.match_info['token']}/{method}"
        async with self._session.post(url, data=params) as reply:
            status = reply.status
            body = await reply.json(content_type=None)
        if status >= 300 or not body.get("ok"):
            return _error(status if status >= 400 else 400, str(body.get("message", body)))
        body["result"] = self._fix_result(method, params, body.get("result"))
        return web.json_response(body)

    @staticmethod
    def _as_message(result: Json) -> Json:
        """A Message as Telegram returns it, from the emulator's echo of the request.

        The emulator answers with the request's own parameters mixed in, as strings
        (``chat_id``, ``parse_mode``, ``link_preview_options`` …), and ``date`` in ms.
        """
        message: Json = {
            "message_id": result["message_id"],
            "date": int(result["date"]) // 1000,
            "chat": result["chat"],
            "from": {"id": 666, "is_bot": True, "first_name": "Bot", "username": "TestNameBot"},
            "text": result.get("text", ""),
        }
        if result.get("reply_markup"):
            message["reply_markup"] = result["reply_markup"]
        return message

    def _fix_result(self, method: str, params: Json, result: Any) -> Any:
        if method == "getMe":
            return {
                "is_bot": True,
                "can_join_groups": True,
                "can_read_all_group_messages": False,
                "supports_inline_queries": False,
                **result,
            }
        if method == "getUpdates":
            for update in result:
                query = update.get("callback_query")
                if query is not None and "chat_instance" not in query:
                    query["chat_instance"] = f"ci{query['message']['chat']['id']}"
            return result
        if method == "sendMessage":
            message = self._as_message(result)
            self._messages[(int(message["chat"]["id"]), int(message["message_id"]))] = message
            return message
        if method in ("editMessageText", "editMessageReplyMarkup") and result is None:
            key = (int(params["chat_id"]), int(params["message_id"]))
            message = dict(self._messages.get(key) or {})
            if "text" in params:
                message["text"] = params["text"]
            markup = params.get("reply_markup")
            if markup is None:
                message.pop("reply_markup", None)
            else:
                message["reply_markup"] = _json(markup)
            self._messages[key] = message
            return message
        if method in BOOLEAN_METHODS and result is None:
            return True
        return result


class EmulatorUser:
    """A Telegram user in a private chat with the bot, through the emulator's client API."""

    def __init__(
        self,
        emulator_url: str,
        token: str,
        session: ClientSession,
        *,
        user_id: int,
        language_code: str | None = None,
        first_name: str = "测试用户",
    ) -> None:
        self.url = emulator_url
        self.token = token
        self.session = session
        self.user: Json = {"id": user_id, "is_bot": False, "first_name": first_name}
        if language_code is not None:
            self.user["language_code"] = language_code
        self.chat: Json = {"id": user_id, "type": "private", "first_name": first_name}

    def _message(self, text: str) -> Json:
        return {
            "botToken": self.token,
            "from": self.user,
            "chat": self.chat,
            "date": int(time.time()),
            "text": text,
        }

    async def _post(self, route: str, body: Json) -> Json:
        async with self.session.post(f"{self.url}/{route}", json=body) as reply:
            reply.raise_for_status()
            result: Json = await reply.json()
            return result

    async def say(self, text: str) -> None:
        """Send a text message."""
        await self._post("sendMessage", self._message(text))

    async def command(self, text: str) -> None:
        """Send ``/command args``, with the bot_command entity a Telegram client adds."""
        body = self._message(text)
        name = text.split(" ", 1)[0]
        body["entities"] = [{"type": "bot_command", "offset": 0, "length": len(name)}]
        await self._post("sendCommand", body)

    async def tap(self, reply: Json, callback_data: str) -> None:
        """Tap the button carrying ``callback_data`` under the bot's ``reply``."""
        message = {
            "message_id": reply["messageId"],
            "date": int(reply["time"] // 1000),
            "chat": self.chat,
            "from": {"id": 666, "is_bot": True, "first_name": "Bot"},
            "text": reply["message"]["text"],
        }
        body = {"botToken": self.token, "from": self.user, "message": message}
        await self._post("sendCallback", {**body, "data": callback_data})

    async def replies(self, count: int = 1, within: float = 5.0) -> list[Json]:
        """The bot's next ``count`` messages to this chat, in order (``message`` as sent)."""
        collected: list[Json] = []
        async with asyncio.timeout(within):
            while len(collected) < count:
                body = {"token": self.token, "chatId": self.chat["id"]}
                result = (await self._post("getUpdates", body))["result"]
                collected.extend(result)
                if len(collected) < count:
                    await asyncio.sleep(0.02)
        return collected

    async def no_more_replies(self, wait: float = 0.3) -> list[Json]:
        """Whatever the bot sends within ``wait`` seconds (expected: nothing)."""
        await asyncio.sleep(wait)
        body = {"token": self.token, "chatId": self.chat["id"]}
        result: list[Json] = (await self._post("getUpdates", body))["result"]
        return result


def _json(value: Any) -> Any:
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return json.loads(value)
    return value


def _error(code: int, description: str) -> web.Response:
    return web.json_response(
        {"ok": False, "error_code": code, "description": description}, status=code
    )

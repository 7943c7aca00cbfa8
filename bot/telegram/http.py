"""The Bot API over HTTP: ``AiohttpRequest`` (PTB's request interface on aiohttp) and
``StatusRecordingRequest`` (which remembers each response's HTTP status).

aiohttp rather than PTB's default httpx, for CPU; lone surrogates (a user's name may carry
one) are replaced, since UTF-8 cannot carry them. A body that is not the Bot API's JSON is a
transient ``MalformedReply``, retried like a dropped connection.
"""

from __future__ import annotations

import contextlib
import json
from http import HTTPStatus
from typing import Any

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from bot.engine.render import replace_lone_surrogates


class AiohttpRequest(BaseRequest):
    """python-telegram-bot's HTTP client interface, on aiohttp.

    PTB's default, ``HTTPXRequest``, spends about 1.9 ms of CPU per Bot API call here
    (pure-Python HTTP parsing and connection-pool bookkeeping); aiohttp, with its C parser,
    about 0.5 ms. At a few hundred updates a second that is most of a core. Timeouts keep
    PTB's meaning, except that aiohttp has no separate write timeout.
    """

    def __init__(
        self,
        *,
        connection_pool_size: int,
        read_timeout: float = 5.0,
        connect_timeout: float = 5.0,
        pool_timeout: float = 1.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        """The default read timeout (PTB adds the long-poll time to it for getUpdates)."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Open the connection pool."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                headers={"User-Agent": self.USER_AGENT},
                # Honour HTTPS_PROXY / NO_PROXY as PTB's default client does.
                trust_env=True,
            )

    async def shutdown(self) -> None:
        """Close the connection pool."""
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """One request: the status and the body; PTB turns both into results or errors."""
        if self._session is None or self._session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        read = _seconds(read_timeout, self._read_timeout)
        connect = _seconds(connect_timeout, self._connect_timeout)
        pool = _seconds(pool_timeout, self._pool_timeout)
        timeout = aiohttp.ClientTimeout(
            total=None,
            # aiohttp's connect timeout includes waiting for a free connection.
            connect=None if connect is None or pool is None else connect + pool,
            sock_connect=connect,
            sock_read=read,
        )
        body: aiohttp.FormData | dict[str, str] | None = None
        if request_data is not None:
            body = _wire_parameters(request_data)
            if request_data.contains_files:
                form = aiohttp.FormData(body)
                for name, (filename, content, mime) in request_data.multipart_data.items():
                    form.add_field(name, content, filename=filename, content_type=mime)
                body = form
        try:
            async with self._session.request(method, url, data=body, timeout=timeout) as reply:
                return reply.status, await reply.read()
        except TimeoutError as error:
            raise TimedOut(f"aiohttp: {type(error).__name__}") from error
        except aiohttp.ClientError as error:
            # The URL holds the token: keep it out of the message.
            detail = str(error).replace(url, "<Bot API URL>")
            raise NetworkError(f"aiohttp.{type(error).__name__}: {detail}") from error

    @staticmethod
    def parse_json_payload(payload: bytes) -> dict[str, Any]:
        """The Bot API's JSON answer; a body that is not one is a transient ``MalformedReply``.

        A proxy's error page or a cut-off body with status 200 says nothing about the request;
        as a network failure it is retried like a dropped connection (PTB's default raises a
        plain ``TelegramError``, which nothing retries, and logs the body at ERROR).
        """
        try:
            data = json.loads(payload.decode("utf-8", "replace"))
        except ValueError as error:
            raise MalformedReply(f"not JSON: {payload[:80]!r}") from error
        if not isinstance(data, dict) or ("result" not in data and data.get("ok") is not False):
            raise MalformedReply(f"not a Bot API answer: {payload[:80]!r}")
        return data


class MalformedReply(NetworkError):
    """The Bot API answered with a body that is not its JSON envelope."""


def _wire_parameters(request_data: RequestData) -> dict[str, str]:
    """The request's parameters as sent: strings as they are, the rest JSON-encoded, with any
    lone surrogate replaced (a user's name may carry one; UTF-8 cannot encode it)."""
    return {
        name: value if isinstance(value, str) else json.dumps(value)
        for name, value in _without_lone_surrogates(request_data.parameters).items()
    }


def _without_lone_surrogates(value: Any) -> Any:
    """``value`` (JSON-like: str, list, dict, scalars) with every string made encodable."""
    if isinstance(value, str):
        return replace_lone_surrogates(value)
    if isinstance(value, dict):
        return {_without_lone_surrogates(k): _without_lone_surrogates(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_without_lone_surrogates(item) for item in value]
    return value


def _seconds(value: object, default: float) -> float | None:
    """A timeout PTB passed (seconds, or None for none), or ``default`` when it passed none."""
    if value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    return default


class StatusRecordingRequest(BaseRequest):
    """A ``BaseRequest`` that remembers the HTTP status of its last response.

    PTB raises the same ``InvalidToken`` for 401 (a revoked token: give up) and for 404 (a
    proxy or a self-hosted Bot API server restarting: wait); the status tells them apart. An
    error page that is not the Bot API's JSON (a reverse proxy's HTML) is passed on as the Bot
    API's error envelope, so that PTB reports the status rather than logging a JSON error with
    a traceback at every retry.
    """

    def __init__(self, inner: BaseRequest) -> None:
        self._inner = inner
        self.last_status = 0

    @property
    def read_timeout(self) -> float | None:
        """The wrapped request's default read timeout."""
        return self._inner.read_timeout

    async def initialize(self) -> None:
        """Initialise the wrapped request."""
        await self._inner.initialize()

    async def shutdown(self) -> None:
        """Shut the wrapped request down."""
        await self._inner.shutdown()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """The wrapped request's answer; its status is kept (0 when there was none)."""
        self.last_status = 0
        status, body = await self._inner.do_request(
            url,
            method,
            request_data,
            read_timeout=read_timeout,
            write_timeout=write_timeout,
            connect_timeout=connect_timeout,
            pool_timeout=pool_timeout,
        )
        self.last_status = status
        if status >= 400:
            body = _as_envelope(status, body)
        return status, body


def _as_envelope(status: int, body: bytes) -> bytes:
    """``body`` if it is JSON, else Telegram's error envelope describing it."""
    with contextlib.suppress(ValueError):
        json.loads(body)
        return body
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "HTTP error"
    page = " ".join(body.decode("utf-8", "replace").split())[:80]
    description = f"{phrase} (not from the Bot API: {page!r})"
    envelope = {"ok": False, "error_code": status, "description": description}
    return json.dumps(envelope).encode()

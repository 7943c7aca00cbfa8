"""Ctrl-C and SIGTERM for the terminal chat, delivered even when readline's wait misses them.

CPython's ``input()`` with readline waits for a key in ``select()`` and looks at signals only
when that wait is interrupted (python/cpython#112585). A signal that lands just before the wait
starts (Ctrl-C pressed as a key is being echoed), or on another thread (the question log's),
trips Python's flag but interrupts nothing: the chat sits at its prompt until the next key. In
a pty test that sends Ctrl-C the moment "小面" is echoed, 2 runs in 100 were stuck this way.

``StopRequests`` catches both cases. Python writes every caught signal's number to a wakeup
pipe, whichever thread the signal lands on; a watcher thread reads it and, until the chat says
it has acted on it, sends the signal again to the main thread every ``REDELIVERY_S`` seconds. Only
a signal that arrives while the chat waits for a line raises ``KeyboardInterrupt``; at any
other time it is a request the chat reads between lines, so a reply is never cut in half, its
log row is always written, and a second Ctrl-C cannot break off the goodbye.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType, TracebackType

# The signals that end the chat: Ctrl-C, and what `docker stop` and systemd send.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
# How long the watcher waits for the chat to notice a signal before sending it again.
REDELIVERY_S = 0.1


class StopRequests:
    """While entered: Ctrl-C and SIGTERM end the chat, whatever moment and thread they hit.

    Use it in the main thread, around the whole chat; wrap only the wait for a line in
    ``waiting_for_a_line()``, and check ``requested`` before each wait.
    """

    def __init__(self) -> None:
        self._requested = threading.Event()
        # Set once the main thread has acted on a request: no more signals need resending.
        self._noticed = threading.Event()
        self._waiting = False
        self._main = threading.main_thread().ident
        self._previous: dict[int, signal._HANDLER] = {}
        self._previous_wakeup_fd = -1
        self._pipe: tuple[int, int] | None = None
        self._watcher: threading.Thread | None = None

    @property
    def requested(self) -> bool:
        """Whether Ctrl-C or SIGTERM has come since the chat started."""
        return self._requested.is_set()

    @contextmanager
    def waiting_for_a_line(self) -> Iterator[None]:
        """Around ``input()``: a stop signal now raises ``KeyboardInterrupt`` to leave it."""
        self._waiting = True
        try:
            if self.requested:  # it came just before: leave now, without waiting for a key
                self._noticed.set()
                raise KeyboardInterrupt
            yield
        finally:
            self._waiting = False

    def __enter__(self) -> StopRequests:
        read_end, write_end = os.pipe()
        # The C-level handler writes without blocking; a full pipe drops bytes, not signals.
        os.set_blocking(write_end, False)
        self._pipe = (read_end, write_end)
        self._previous_wakeup_fd = signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)
        for signum in STOP_SIGNALS:
            self._previous[signum] = signal.signal(signum, self._on_signal)
        self._watcher = threading.Thread(
            target=self._redeliver, args=(read_end,), name="stop-requests", daemon=True
        )
        self._watcher.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._noticed.set()
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        signal.set_wakeup_fd(self._previous_wakeup_fd)
        assert self._pipe is not None
        assert self._watcher is not None
        read_end, write_end = self._pipe
        os.close(write_end)  # the watcher's read ends (no handler writes to it any more)
        self._watcher.join(timeout=1)
        if not self._watcher.is_alive():
            os.close(read_end)

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        """The Python-level handler (main thread): a request, and an interrupt while waiting."""
        self._requested.set()
        if self._waiting:
            self._waiting = False
            self._noticed.set()
            raise KeyboardInterrupt

    def _redeliver(self, read_end: int) -> None:
        """Watcher thread: resend a stop signal to the main thread until the chat acts on it."""
        while received := os.read(read_end, 64):
            for signum in received:
                if signum not in STOP_SIGNALS:
                    continue
                # The main thread had its chance; a wait it is stuck in needs the signal again.
                if not self._noticed.wait(REDELIVERY_S) and self._main is not None:
                    signal.pthread_kill(self._main, signum)

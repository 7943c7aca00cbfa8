"""StopRequests: Ctrl-C and SIGTERM end the chat's wait for a line, and only that wait."""

from __future__ import annotations

import signal

import pytest

from bot.interrupts import StopRequests


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_stop_signal_while_waiting_for_a_line_raises_keyboard_interrupt(signum: int) -> None:
    """A stop signal during the wait for a line leaves it with KeyboardInterrupt."""
    with StopRequests() as stop:
        with pytest.raises(KeyboardInterrupt), stop.waiting_for_a_line():
            signal.raise_signal(signum)
        assert stop.requested


def test_a_stop_signal_between_lines_is_kept_for_the_next_wait() -> None:
    """A Ctrl-C while a reply is made interrupts nothing, and the next wait ends at once."""
    with StopRequests() as stop:
        signal.raise_signal(signal.SIGINT)  # no KeyboardInterrupt here, outside the wait
        assert stop.requested
        with pytest.raises(KeyboardInterrupt), stop.waiting_for_a_line():
            pytest.fail("the wait for a line started although Ctrl-C had come")


def test_no_stop_signal_means_no_request() -> None:
    """Without a signal the wait for a line is left normally and nothing is requested."""
    with StopRequests() as stop:
        with stop.waiting_for_a_line():
            pass
        assert not stop.requested


def test_leaving_restores_the_handlers_and_the_wakeup_fd() -> None:
    """After the chat, SIGINT and SIGTERM have their old handlers and no wakeup fd is left."""
    before = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    previous_fd = signal.set_wakeup_fd(-1)
    signal.set_wakeup_fd(previous_fd)
    with StopRequests():
        assert signal.getsignal(signal.SIGINT) is not before[signal.SIGINT]
    assert {signum: signal.getsignal(signum) for signum in before} == before
    assert signal.set_wakeup_fd(previous_fd) == previous_fd

"""Keep secrets out of log output.

The bot token is part of every Bot API URL, and python-telegram-bot logs its base URL (token
included) at DEBUG, as well as every request's parameters (the webhook secret among them).
``SecretRedactor`` replaces each secret in a record's message and traceback before any
handler writes it; it is installed on the root logger's handlers, where every record ends up.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

REDACTED = "[REDACTED]"
_exception_formatter = logging.Formatter()


class SecretRedactor(logging.Filter):
    """A handler filter that replaces ``secrets`` in messages and tracebacks."""

    def __init__(self, secrets: Iterable[str | None]) -> None:
        super().__init__()
        # Longest first, so a secret that contains another is replaced whole.
        self.secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        """``text`` with every secret replaced."""
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite ``record`` in place; never drops it."""
        message = record.getMessage()
        redacted = self.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            # Formatters reuse exc_text when it is set: format the traceback once, redacted.
            record.exc_text = _exception_formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        return True


def redact_secrets_in_logs(secrets: Iterable[str | None]) -> SecretRedactor:
    """Install a ``SecretRedactor`` on every handler of the root logger; returns it."""
    redactor = SecretRedactor(secrets)
    for handler in logging.getLogger().handlers:
        handler.addFilter(redactor)
    return redactor

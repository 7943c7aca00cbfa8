"""python-telegram-bot's generic types, spelled once for the whole glue."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, BaseHandler, ContextTypes

App = Application[Any, Any, Any, Any, Any, Any]
Context = ContextTypes.DEFAULT_TYPE
Handler = BaseHandler[Any, Any, Any]

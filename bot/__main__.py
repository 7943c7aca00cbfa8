"""``python -m bot``: the one command line."""

from bot.cli import main

raise SystemExit(main())

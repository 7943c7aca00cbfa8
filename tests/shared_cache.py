"""The semantic signal's cache that test processes share (rebuildable, never committed).

Every process that loads the encoder writes ~90 MB of caches on its first start; tests that
start the bot in a temporary folder point it here instead, so the suite builds them once.
"""

from pathlib import Path

SEMANTIC_CACHE = Path(__file__).resolve().parents[1] / "data" / "semantic-cache"

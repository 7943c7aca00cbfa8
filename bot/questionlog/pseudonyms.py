"""Users' pseudonyms: the question log stores a salted HMAC of each Telegram id, never the id."""

from __future__ import annotations

import functools
import hashlib
import hmac

USER_HASH_HEX_CHARS = 16


@functools.lru_cache(maxsize=4096)
def hash_user(user_id: int, salt: str) -> str:
    """The user's pseudonym: HMAC-SHA256 of the id keyed with ``salt``, truncated to 64 bits.

    Telegram ids are small enough to enumerate, so an unsalted hash would be no protection;
    an empty salt is refused. Cached, as most users ask more than once (the cache lives in
    memory only, like the update the id came in).
    """
    if not salt:
        raise ValueError("a salt is required to hash user ids (set BOT_USER_HASH_SALT)")
    keyed = _keyed_hmac(salt).copy()
    keyed.update(str(user_id).encode("ascii"))
    return keyed.hexdigest()[:USER_HASH_HEX_CHARS]


@functools.lru_cache(maxsize=8)
def _keyed_hmac(salt: str) -> hmac.HMAC:
    # Keying HMAC is most of its cost; copying a keyed one halves the time of each reply's hash.
    return hmac.new(salt.encode("utf-8"), digestmod=hashlib.sha256)

-- replies (0005) keyed the bot's messages by the raw chat id. From here they are keyed by the
-- chat's pseudonym, chat_hash: pseudonyms.hash_user(chat id, BOT_USER_HASH_SALT), the key of
-- answer_messages (0006). The pseudonym needs the salt, and a migration is plain SQL applied
-- by whatever opens the file first (the bot, `bot report`, the health check; not all of them
-- have the salt), so the old rows cannot be converted: they are dropped. The cost: a reaction
-- on a reply sent before the upgrade, or a did-you-mean choice tapped under one, no longer
-- finds its question (a tapped 👍/👎 carries its record id and still counts). The writer's
-- secure_delete zeroes the dropped pages, and the open that applies this checkpoints the WAL.
-- keyboard: on the one message of a reply that carries the 👍/👎 row, the reply's keyboard as
-- Telegram echoed it (JSON), and language the answer's; NULL on the other parts. A reaction
-- names only a message, so this is what lets the bot redraw the counts under it.
DROP TABLE replies;
CREATE TABLE replies (
    chat_hash TEXT NOT NULL,
    message_id INTEGER NOT NULL,
    record_id TEXT NOT NULL,
    sent_at TEXT NOT NULL,
    keyboard TEXT,
    language TEXT,
    PRIMARY KEY (chat_hash, message_id)
) STRICT;
CREATE INDEX replies_by_time ON replies (sent_at);
CREATE INDEX replies_by_record ON replies (record_id);
-- 👍/👎 on inline and guest cards (bot.telegram.card_votes). Telegram caches a card and shows
-- it to anyone, so a tap is about the card's entry, not one asker's question: one vote per
-- user per entry, whoever asked.
CREATE TABLE card_votes (
    entry_id TEXT NOT NULL,
    user_hash TEXT NOT NULL,
    vote INTEGER NOT NULL CHECK (vote IN (-1, 1)),
    voted_at TEXT NOT NULL,
    PRIMARY KEY (entry_id, user_hash)
) STRICT;
CREATE INDEX card_votes_by_time ON card_votes (voted_at);

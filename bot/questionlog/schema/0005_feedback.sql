-- Users' feedback (bot.questionlog.feedback). replies: which logged question each message the
-- bot sent answers, so a reaction or a tap on it finds the question. votes: one 👍 (1) or
-- 👎 (-1) per user per answer. suggestion_taps: the did-you-mean choice a user tapped under an
-- unsure reply, one per user per question.
CREATE TABLE replies (
    chat_id INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    record_id TEXT NOT NULL,
    sent_at TEXT NOT NULL,
    PRIMARY KEY (chat_id, message_id)
) STRICT;
CREATE INDEX replies_by_time ON replies (sent_at);
CREATE TABLE votes (
    record_id TEXT NOT NULL,
    user_hash TEXT NOT NULL,
    vote INTEGER NOT NULL CHECK (vote IN (-1, 1)),
    voted_at TEXT NOT NULL,
    PRIMARY KEY (record_id, user_hash)
) STRICT;
CREATE TABLE suggestion_taps (
    record_id TEXT NOT NULL,
    user_hash TEXT NOT NULL,
    entry_id TEXT NOT NULL,
    tapped_at TEXT NOT NULL,
    PRIMARY KEY (record_id, user_hash)
) STRICT;

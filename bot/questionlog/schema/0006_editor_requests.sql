-- bot.questionlog.conversations: the bot's answers in chats (for follow-ups), questions
-- sent to the editors and their notices. reply_chat_id is the one raw Telegram id the log
-- holds: only until a reply is delivered, or at most EDITOR_ROUTING_DAYS (the daily purge).
CREATE TABLE answer_messages (
    chat_hash TEXT NOT NULL,
    message_id INTEGER NOT NULL,
    sent_at TEXT NOT NULL,
    question TEXT NOT NULL,
    language TEXT NOT NULL,
    status TEXT NOT NULL,
    PRIMARY KEY (chat_hash, message_id)
) STRICT;
CREATE INDEX answer_messages_by_time ON answer_messages (sent_at);
CREATE TABLE editor_requests (
    id INTEGER PRIMARY KEY,
    chat_hash TEXT NOT NULL,
    message_id INTEGER NOT NULL,
    requested_at TEXT NOT NULL,
    user_hash TEXT NOT NULL,
    question TEXT NOT NULL,
    language TEXT NOT NULL,
    reply_chat_id INTEGER,
    answered_at TEXT,
    answered_by TEXT,
    reply TEXT,
    outcome TEXT,
    UNIQUE (chat_hash, message_id)
) STRICT;
CREATE INDEX editor_requests_by_time ON editor_requests (requested_at);
CREATE TABLE editor_notices (
    admin_hash TEXT NOT NULL,
    message_id INTEGER NOT NULL,
    request_id INTEGER NOT NULL,
    PRIMARY KEY (admin_hash, message_id)
) STRICT;

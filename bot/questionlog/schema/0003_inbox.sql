-- body: the update as Telegram sent it (JSON), until it is answered; then NULL, and the row
-- stays as long as Telegram might send the update again (INBOX_REMEMBERS).
        CREATE TABLE inbox (
            update_id INTEGER PRIMARY KEY,
            received_at TEXT NOT NULL,
            body TEXT,
            answered_at TEXT
        ) STRICT;

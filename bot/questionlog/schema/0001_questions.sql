-- Every question asked: one row per record, record_id unique so a row written twice is kept once.
        CREATE TABLE questions (
            id INTEGER PRIMARY KEY,
            record_id TEXT NOT NULL UNIQUE,
            asked_at TEXT NOT NULL,
            channel TEXT NOT NULL,
            user_hash TEXT NOT NULL,
            text TEXT NOT NULL,
            normalized TEXT NOT NULL,
            language TEXT NOT NULL,
            status TEXT NOT NULL,
            entry_id TEXT,
            confidence REAL NOT NULL,
            latency_ms REAL NOT NULL,
            knowledge_version TEXT NOT NULL
        ) STRICT;
        CREATE INDEX questions_by_time ON questions (asked_at);

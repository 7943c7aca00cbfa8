-- The admins' audit trail: knowledge versions made live, and unanswered questions dealt with.
        CREATE TABLE knowledge_versions (
            id INTEGER PRIMARY KEY,
            version TEXT NOT NULL,
            applied_at TEXT NOT NULL,
            applied_by TEXT NOT NULL,
            action TEXT NOT NULL,
            previous TEXT
        ) STRICT;
        CREATE TABLE dismissed_questions (
            normalized TEXT PRIMARY KEY,
            text TEXT NOT NULL,
            dismissed_at TEXT NOT NULL,
            dismissed_by TEXT NOT NULL,
            resolution TEXT NOT NULL
        ) STRICT;

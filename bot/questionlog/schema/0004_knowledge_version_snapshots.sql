-- The history folder is the record of knowledge versions and this
-- table its copy: each row names its snapshot, so copying it again adds nothing.
        ALTER TABLE knowledge_versions ADD COLUMN snapshot TEXT;
        CREATE UNIQUE INDEX knowledge_versions_by_snapshot ON knowledge_versions (snapshot);

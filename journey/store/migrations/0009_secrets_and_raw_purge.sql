-- name: per-database secrets; when an import's raw text was purged
-- app_secrets holds random keys made once per database file (the salt of customer pseudonyms in exports,
-- the key that signs sign-in cookies); raw_purged_at marks imports whose raw text was replaced by its
-- masked form, their customers by pseudonyms.
CREATE TABLE app_secrets (
    name VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);
ALTER TABLE imports ADD COLUMN raw_purged_at TIMESTAMP;

-- name: automatic tags without primary-key indexes
-- Every re-tag replaces all automatic tags at once (save_tags), so their keys are unique by
-- construction; the primary-key indexes only cost time (a third of a 100k-unit re-tag).
ALTER TABLE tags RENAME TO tags_old;
CREATE TABLE tags (
    unit_id BIGINT NOT NULL,
    taxonomy_version INTEGER NOT NULL,
    model_id VARCHAR NOT NULL,
    stage VARCHAR NOT NULL,
    stage_score DOUBLE NOT NULL,
    stage_margin DOUBLE NOT NULL,
    touchpoint VARCHAR NOT NULL,
    touchpoint_score DOUBLE NOT NULL,
    touchpoint_margin DOUBLE NOT NULL,
    sentiment VARCHAR NOT NULL,
    sentiment_score DOUBLE NOT NULL
);
INSERT INTO tags SELECT * FROM tags_old;
DROP TABLE tags_old;
ALTER TABLE comment_tags RENAME TO comment_tags_old;
CREATE TABLE comment_tags (
    comment_id BIGINT NOT NULL,
    taxonomy_version INTEGER NOT NULL,
    model_id VARCHAR NOT NULL,
    stage VARCHAR NOT NULL,
    stage_score DOUBLE NOT NULL,
    stage_margin DOUBLE NOT NULL,
    stages VARCHAR NOT NULL,
    touchpoint VARCHAR NOT NULL,
    touchpoint_score DOUBLE NOT NULL,
    sentiment VARCHAR NOT NULL,
    sentiment_score DOUBLE NOT NULL
);
INSERT INTO comment_tags SELECT * FROM comment_tags_old;
DROP TABLE comment_tags_old;

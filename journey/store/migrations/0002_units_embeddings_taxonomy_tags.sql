-- name: units, embedding cache, taxonomy versions, tags, human tags
CREATE TABLE units (
    id BIGINT PRIMARY KEY,
    comment_id BIGINT NOT NULL,
    seq INTEGER NOT NULL,
    text VARCHAR NOT NULL,
    text_hash VARCHAR NOT NULL
);
CREATE INDEX units_comment ON units(comment_id);
CREATE TABLE embeddings (
    model_id VARCHAR NOT NULL,
    text_hash VARCHAR NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (model_id, text_hash)
);
CREATE TABLE taxonomy (
    version INTEGER PRIMARY KEY,
    preset VARCHAR NOT NULL,
    data JSON NOT NULL,
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);
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
    sentiment_score DOUBLE NOT NULL,
    PRIMARY KEY (unit_id, taxonomy_version)
);
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
    sentiment_score DOUBLE NOT NULL,
    PRIMARY KEY (comment_id, taxonomy_version)
);
CREATE TABLE human_tags (
    comment_id BIGINT PRIMARY KEY,
    stage VARCHAR,
    touchpoint VARCHAR,
    sentiment VARCHAR,
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);

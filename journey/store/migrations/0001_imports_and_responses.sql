-- name: imports, responses, scores, segments, comments, rejected rows
CREATE TABLE imports (
    id INTEGER PRIMARY KEY,
    file_name VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL,
    source_key VARCHAR NOT NULL,
    file_format VARCHAR NOT NULL,
    encoding VARCHAR,
    delimiter VARCHAR,
    mapping JSON NOT NULL,
    rows INTEGER NOT NULL,
    loaded INTEGER NOT NULL,
    duplicates INTEGER NOT NULL,
    rejected INTEGER NOT NULL,
    mask_pii BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);
CREATE TABLE responses (
    id BIGINT PRIMARY KEY,
    import_id INTEGER NOT NULL,
    line_no INTEGER NOT NULL,
    external_id VARCHAR,
    dedup_key VARCHAR NOT NULL,
    content_hash VARCHAR NOT NULL,
    responded_at TIMESTAMP,
    customer VARCHAR,
    touchpoint VARCHAR
);
CREATE INDEX responses_import ON responses(import_id);
CREATE TABLE scores (
    response_id BIGINT NOT NULL,
    question VARCHAR NOT NULL,
    scale VARCHAR NOT NULL,
    value DOUBLE NOT NULL,
    raw VARCHAR
);
CREATE TABLE segments (
    response_id BIGINT NOT NULL,
    name VARCHAR NOT NULL,
    value VARCHAR NOT NULL
);
CREATE TABLE comments (
    id BIGINT PRIMARY KEY,
    response_id BIGINT NOT NULL,
    question VARCHAR NOT NULL,
    text VARCHAR NOT NULL,
    masked_text VARCHAR NOT NULL,
    lang VARCHAR NOT NULL
);
CREATE TABLE rejected_rows (
    import_id INTEGER NOT NULL,
    line_no INTEGER NOT NULL,
    raw VARCHAR,
    code VARCHAR NOT NULL,
    column_name VARCHAR,
    value VARCHAR,
    reason VARCHAR NOT NULL
);

-- name: funnel counts: count tables per period and stage, with their imports and rejected rows
CREATE TABLE funnel_imports (
    id INTEGER PRIMARY KEY,
    file_name VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL,
    encoding VARCHAR,
    delimiter VARCHAR,
    mapping JSON NOT NULL,
    granularity VARCHAR NOT NULL,
    rows INTEGER NOT NULL,
    loaded INTEGER NOT NULL,
    rejected INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);
CREATE TABLE funnel_counts (
    import_id INTEGER NOT NULL,
    line_no INTEGER NOT NULL,
    period_start DATE NOT NULL,
    period_end DATE NOT NULL,
    stage VARCHAR NOT NULL,
    column_name VARCHAR NOT NULL,
    count BIGINT NOT NULL
);
CREATE TABLE funnel_rejected (
    import_id INTEGER NOT NULL,
    line_no INTEGER NOT NULL,
    raw VARCHAR,
    code VARCHAR NOT NULL,
    column_name VARCHAR,
    value VARCHAR,
    reason VARCHAR NOT NULL
);

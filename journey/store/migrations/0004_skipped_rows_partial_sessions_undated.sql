-- name: skipped rows and values left empty, partial sessions, dates given to undated rows, import warnings
-- A row is now loaded, a duplicate, skipped (nothing to analyse, or a partial session left out) or rejected
-- (unreadable); a bad value in a readable row is left empty. Skipped rows and values left empty are kept
-- in row_notes with line and reason, like rejected rows in rejected_rows.
CREATE TABLE row_notes (
    import_id INTEGER NOT NULL,
    line_no INTEGER NOT NULL,
    outcome VARCHAR NOT NULL,      -- 'skipped' (row not loaded) or 'value_left_empty' (row loaded)
    code VARCHAR NOT NULL,
    column_name VARCHAR,
    value VARCHAR,
    reason VARCHAR NOT NULL,
    raw VARCHAR
);
ALTER TABLE imports ADD COLUMN skipped INTEGER DEFAULT 0;
ALTER TABLE imports ADD COLUMN partial INTEGER DEFAULT 0;
ALTER TABLE imports ADD COLUMN values_left_empty INTEGER DEFAULT 0;
ALTER TABLE imports ADD COLUMN undated INTEGER DEFAULT 0;
ALTER TABLE imports ADD COLUMN undated_source VARCHAR;
ALTER TABLE imports ADD COLUMN undated_date DATE;
ALTER TABLE imports ADD COLUMN warnings JSON;
ALTER TABLE responses ADD COLUMN partial BOOLEAN DEFAULT FALSE;
ALTER TABLE responses ADD COLUMN date_assumed BOOLEAN DEFAULT FALSE;

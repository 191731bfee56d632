-- name: report runs: each scheduled report's period and the flags it raised
CREATE TABLE report_runs (
    id INTEGER PRIMARY KEY,
    since DATE NOT NULL,
    until DATE NOT NULL,
    baseline_since DATE,
    baseline_until DATE,
    flags JSON NOT NULL,
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);

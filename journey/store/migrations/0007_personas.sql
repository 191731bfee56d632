-- name: personas: named, described sets of segment filters
CREATE TABLE personas (
    id INTEGER PRIMARY KEY,
    name VARCHAR NOT NULL,
    description VARCHAR NOT NULL DEFAULT '',
    rules JSON NOT NULL,
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);

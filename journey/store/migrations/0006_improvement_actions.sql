-- name: improvement actions: what the owner changed, when, at which stage and touchpoint
CREATE TABLE improvement_actions (
    id INTEGER PRIMARY KEY,
    acted_on DATE NOT NULL,
    stage VARCHAR,
    touchpoint VARCHAR,
    title VARCHAR NOT NULL,
    owner VARCHAR,
    note VARCHAR,
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);

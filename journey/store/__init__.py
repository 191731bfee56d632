"""The only package that talks to DuckDB, one module per concern. Callers import the module they use
(`from journey.store import connection, dashboard`) and call through it (`dashboard.comment_facts(con, f)`).

- connection: Database, open_connection (short-lived, lock retry, migrated on open), scalar
- migrations: numbered .sql files applied in order and recorded in _journey_migrations
- imports: save an import in one transaction, history, rejected rows, delete with its rows
- overview: table counts, scores, monthly volume, latest comments
- embeddings: units and the embedding cache
- tags: taxonomy versions, automatic tags, the owner's corrections
- dashboard: filtered facts for the dashboards, comment detail, the data export
- funnel: funnel count tables (counts per period and stage), their history and rejected rows
- actions: improvement actions (date, stage and/or touchpoint, what was changed)
- personas: named sets of segment filters
- reports: the scheduled report's runs and the flags they raised
"""

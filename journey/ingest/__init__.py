"""Ingest exports: read (decode, sniff, parse), map columns to roles, normalise, store in one transaction."""

from journey.ingest.load import ImportResult, build_batch, import_file, mapping_summary
from journey.ingest.mapping import (ROLES, ColumnRole, apply_overrides, roles_from_dicts, roles_from_table,
                                    roles_table, suggest_mapping)
from journey.ingest.read import RawTable, Rejected, read_export

__all__ = ["ROLES", "ColumnRole", "ImportResult", "RawTable", "Rejected", "apply_overrides", "build_batch",
           "roles_from_table", "roles_table",
           "import_file", "mapping_summary", "read_export", "roles_from_dicts", "suggest_mapping"]

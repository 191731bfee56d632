"""Ingest exports: read (decode, sniff, parse, find the header), map columns to roles, normalise, store in one
transaction."""

from journey.ingest.load import (UNDATED_CHOICES, DateFallback, ImportResult, build_batch, import_file,
                                 mapping_summary, resolve_undated)
from journey.ingest.mapping import (ROLES, ColumnRole, apply_overrides, explain, roles_from_dicts, roles_from_table,
                                    roles_table, suggest_mapping)
from journey.ingest.read import Notice, RawTable, Rejected, read_export

__all__ = ["ROLES", "UNDATED_CHOICES", "ColumnRole", "DateFallback", "ImportResult", "Notice", "RawTable",
           "Rejected", "apply_overrides", "build_batch", "explain", "import_file", "mapping_summary", "read_export",
           "resolve_undated", "roles_from_dicts", "roles_from_table", "roles_table", "suggest_mapping"]

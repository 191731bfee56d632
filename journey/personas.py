"""Personas (ペルソナ): a named, described set of segment filters (家族連れ = 同行者: 家族, 年代: 30代–40代).
Within a segment column any listed value matches; across columns all must match."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

import pandas as pd

from journey.errors import BadPersona
from journey.filters import Filters

MAX_COMPARED = 5
MAX_NAME = 60

Rules = tuple[tuple[str, tuple[str, ...]], ...]


@dataclass(frozen=True)
class Persona:
    """A saved persona; `rules` is hashable so filters carrying it can key a cache."""

    name: str
    description: str
    rules: Rules
    id: int | None = None

    def rules_dict(self) -> dict[str, list[str]]:
        return {column: list(values) for column, values in self.rules}

    def describe_rules(self) -> str:
        """"年代: 30代, 40代 · 同行者: 家族"."""
        return " · ".join(f"{column}: {', '.join(values)}" for column, values in self.rules)


def to_rules(rules: dict[str, list[str]]) -> Rules:
    """Rules in a stable, hashable order (columns and values sorted)."""
    return tuple((column, tuple(sorted(set(values)))) for column, values in sorted(rules.items()) if values)


def check_persona(name: str, description: str, rules: dict[str, list[str]],
                  segments: dict[str, list[str]], persona_id: int | None = None) -> Persona:
    """A valid Persona. Raises BadPersona (with the field or segment column) when the name is empty or
    too long, no segment value is chosen, or a column or value is not in the data (`segments`: column →
    its values, as the filters offer them)."""
    name, description = (name or "").strip(), (description or "").strip()
    if not name:
        raise BadPersona("give the persona a name (e.g. 家族連れ).", column="name")
    if len(name) > MAX_NAME:
        raise BadPersona(f"the name is {len(name)} characters; keep it under {MAX_NAME} and describe the rest.",
                         column="name")
    kept = {column: [v for v in values if v] for column, values in (rules or {}).items()}
    kept = {column: values for column, values in kept.items() if values}
    if not kept:
        raise BadPersona("choose at least one segment value (e.g. 年代: 30代).", column="segments",
                         hint="Personas are built from segment columns of the imported exports.")
    for column, values in kept.items():
        if column not in segments:
            raise BadPersona(f"there is no segment column '{column}' in the data.", column=column,
                             hint=f"Segment columns: {', '.join(segments) or 'none yet'}.")
        unknown = [v for v in values if v not in segments[column]]
        if unknown:
            raise BadPersona(f"'{unknown[0]}' is not a value of '{column}'.", column=column)
    return Persona(name, description, to_rules(kept), persona_id)


def from_frame(frame: pd.DataFrame) -> list[Persona]:
    """Personas as the store lists them."""
    return [Persona(row.name, row.description or "", to_rules(row.rules if isinstance(row.rules, dict)
                                                            else json.loads(row.rules)), int(row.id))
            for row in frame.itertuples(index=False)]


def with_persona(filters: Filters, persona: Persona | None) -> Filters:
    """`filters` narrowed to `persona` (or with no persona)."""
    if persona is None:
        return replace(filters, persona=None, persona_rules=())
    return replace(filters, persona=persona.name, persona_rules=persona.rules)


def matching_responses(segments: pd.DataFrame, persona: Persona) -> set[int]:
    """The response ids a persona keeps, from (response_id, name, value) rows: for every rule column, a
    value among the rule's values."""
    kept: set[int] | None = None
    for column, values in persona.rules:
        ids = set(segments.loc[(segments["name"] == column) & segments["value"].isin(values), "response_id"])
        kept = ids if kept is None else kept & ids
    return kept or set()

"""Journey stages and touchpoints: presets (ja/en labels, descriptions, example phrases) and versions."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from importlib import resources
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

UNCLASSIFIED = "unclassified"
PRESET_KEYS = ["default", "five_stage", "restaurant", "retail", "hotel", "beauty", "clinic", "software",
               "transport"]


@dataclass
class Category:
    """A stage or touchpoint: key (stable, used in exports), labels, description and examples per language."""

    key: str
    label: dict[str, str]
    description: dict[str, str] = field(default_factory=dict)
    examples: dict[str, list[str]] = field(default_factory=dict)
    # The trained heads' classes this category stands for (journey/heads.py); empty: its own key. The
    # 5-stage preset's "retention" covers usage and support, for example. A category whose key and
    # covers the heads do not know learns from its examples.
    covers: list[str] = field(default_factory=list)

    def prototype_texts(self) -> list[str]:
        """Texts whose embeddings stand for this category: both descriptions and every example phrase."""
        texts = [self.description.get(lang, "") for lang in ("ja", "en")]
        for lang in ("ja", "en"):
            texts.extend(self.examples.get(lang, []))
        return [t for t in texts if t.strip()]


@dataclass
class Taxonomy:
    """A preset or the owner's edited copy of one."""

    key: str
    label: dict[str, str]
    stages: list[Category]
    touchpoints: list[Category]
    description: dict[str, str] = field(default_factory=dict)
    version: int = 1
    # Survey question → stage, set by the owner where a question's answers all belong to one stage
    # ("What would you recommend?" → loyalty). Those comments take that stage; their sentences keep
    # their own, so a comment's `stages` still shows what else it talks about.
    question_stages: dict[str, str] = field(default_factory=dict)

    def stage_keys(self) -> list[str]:
        return [c.key for c in self.stages]

    def touchpoint_keys(self) -> list[str]:
        return [c.key for c in self.touchpoints]

    def stage_label(self, key: str, lang: str) -> str:
        return _label(self.stages, key, lang)

    def touchpoint_label(self, key: str, lang: str) -> str:
        return _label(self.touchpoints, key, lang)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: dict) -> "Taxonomy":
        return cls(key=data["key"], label=data["label"], description=data.get("description", {}),
                   version=int(data.get("version", 1)),
                   stages=[Category(**_category(c)) for c in data["stages"]],
                   touchpoints=[Category(**_category(c)) for c in data["touchpoints"]],
                   question_stages=dict(data.get("question_stages", {})))

    @classmethod
    def from_json(cls, text: str) -> "Taxonomy":
        return cls.from_dict(json.loads(text))


def _category(data: dict) -> dict:
    return {"key": data["key"], "label": data["label"], "description": data.get("description", {}),
            "examples": data.get("examples", {}), "covers": list(data.get("covers", []))}


def _label(categories: list[Category], key: str, lang: str) -> str:
    if key == UNCLASSIFIED:
        return {"ja": "未分類", "en": "Unclassified"}.get(lang, key)
    for c in categories:
        if c.key == key:
            return c.label.get(lang) or c.label.get("en") or key
    return key


def load_preset(key: str) -> Taxonomy:
    """A bundled preset by key (default, five_stage, restaurant, retail, hotel, beauty, clinic, software,
    transport). Raises KeyError for an unknown key."""
    if key not in PRESET_KEYS:
        raise KeyError(f"unknown preset '{key}': choose one of {', '.join(PRESET_KEYS)}")
    text = resources.files("journey.presets").joinpath(f"{key}.json").read_text(encoding="utf-8")
    return Taxonomy.from_json(text)


def switch_preset(current: Taxonomy | None, key: str) -> Taxonomy:
    """Preset `key`, keeping the owner's question → stage settings (they describe the survey, not the
    trade) where the preset has those stages."""
    preset = load_preset(key)
    if current is not None:
        keys = set(preset.stage_keys())
        preset.question_stages = {q: s for q, s in current.question_stages.items() if s in keys}
    return preset


def preset_labels(lang: str) -> dict[str, str]:
    """Preset key → its label in `lang`, in menu order."""
    return {key: load_preset(key).label.get(lang, key) for key in PRESET_KEYS}


def sentiment_phrases() -> dict[str, list[str]]:
    """Generic positive and negative phrases (ja + en) that anchor the sentiment axis."""
    data = json.loads(resources.files("journey.presets").joinpath("sentiment.json").read_text(encoding="utf-8"))
    return {polarity: data[polarity]["ja"] + data[polarity]["en"] for polarity in ("positive", "negative")}


EXAMPLE_SEPARATOR = " / "


def to_table(taxonomy: Taxonomy, kind: str) -> "pd.DataFrame":
    """Stages or touchpoints as an editable table (examples joined with ' / ')."""
    import pandas as pd

    rows = []
    for c in getattr(taxonomy, kind):
        rows.append({"key": c.key, "label_ja": c.label.get("ja", ""), "label_en": c.label.get("en", ""),
                     "description_ja": c.description.get("ja", ""), "description_en": c.description.get("en", ""),
                     "examples_ja": EXAMPLE_SEPARATOR.join(c.examples.get("ja", [])),
                     "examples_en": EXAMPLE_SEPARATOR.join(c.examples.get("en", []))})
    return pd.DataFrame(rows)


def from_table(taxonomy: Taxonomy, kind: str, table: "pd.DataFrame") -> Taxonomy:
    """A copy of `taxonomy` whose stages or touchpoints come from an edited table (keys stay fixed)."""
    def split(text: object) -> list[str]:
        return [t.strip() for t in str(text or "").split(EXAMPLE_SEPARATOR.strip()) if t.strip()]

    covers = {c.key: c.covers for c in getattr(taxonomy, kind)}
    categories = [Category(key=str(r["key"]),
                           label={"ja": str(r["label_ja"] or r["key"]), "en": str(r["label_en"] or r["key"])},
                           description={"ja": str(r["description_ja"] or ""), "en": str(r["description_en"] or "")},
                           examples={"ja": split(r["examples_ja"]), "en": split(r["examples_en"])},
                           covers=list(covers.get(str(r["key"]), [])))
                  for _, r in table.iterrows()]
    data = json.loads(taxonomy.to_json())
    copy = Taxonomy.from_dict(data)
    setattr(copy, kind, categories)
    return copy

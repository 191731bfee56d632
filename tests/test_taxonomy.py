"""Taxonomy presets: every preset loads with the contract keys; tables round-trip for editing."""

import pytest

from journey.taxonomy import PRESET_KEYS, from_table, load_preset, sentiment_phrases, to_table

STAGES = ["awareness", "interest", "consideration", "purchase", "usage", "support", "loyalty"]
TOUCHPOINTS = ["web", "app", "sns", "ads_media", "review_sites", "word_of_mouth", "store_facility", "staff",
               "support_contact", "email", "delivery", "transport", "product", "price_payment", "signage_info",
               "events"]


@pytest.mark.parametrize("key", PRESET_KEYS)
def test_presets_have_contract_keys_and_bilingual_examples(key):
    taxonomy = load_preset(key)
    expected = ["awareness", "consideration", "purchase", "retention", "advocacy"] if key == "five_stage" else STAGES
    assert taxonomy.stage_keys() == expected
    assert taxonomy.touchpoint_keys() == TOUCHPOINTS
    for category in taxonomy.stages + taxonomy.touchpoints:
        assert category.label["ja"] and category.label["en"]
        assert len(category.examples["ja"]) >= 5 and len(category.examples["en"]) >= 5


def test_required_industry_presets_exist():
    assert {"restaurant", "retail", "hotel", "beauty", "clinic", "software", "transport"} <= set(PRESET_KEYS)


def test_unknown_preset():
    with pytest.raises(KeyError, match="unknown preset 'bakery'"):
        load_preset("bakery")


def test_edit_table_round_trip_changes_only_what_was_edited():
    taxonomy = load_preset("restaurant")
    table = to_table(taxonomy, "stages")
    table.loc[0, "label_en"] = "Discovery"
    table.loc[0, "examples_en"] = "Saw you on TV / A friend told me"
    edited = from_table(taxonomy, "stages", table)
    assert edited.stages[0].label["en"] == "Discovery"
    assert edited.stages[0].examples["en"] == ["Saw you on TV", "A friend told me"]
    assert edited.stages[1] == taxonomy.stages[1]
    assert edited.touchpoints == taxonomy.touchpoints


def test_sentiment_phrases_are_bilingual():
    phrases = sentiment_phrases()
    assert any("満足" in p for p in phrases["positive"]) and any("disappointed" in p for p in phrases["negative"])


def test_question_stages_survive_json_edits_and_a_preset_switch():
    from journey.taxonomy import Taxonomy, switch_preset

    taxonomy = load_preset("hotel")
    taxonomy.question_stages = {"推奨項目": "loyalty", "当店を知ったきっかけ": "awareness"}
    again = Taxonomy.from_json(taxonomy.to_json())
    assert again.question_stages == taxonomy.question_stages
    assert from_table(again, "stages", to_table(again, "stages")).question_stages == taxonomy.question_stages
    assert switch_preset(again, "restaurant").question_stages == taxonomy.question_stages
    # The 5-stage preset has no "loyalty": that setting cannot carry over.
    assert "推奨項目" not in switch_preset(again, "five_stage").question_stages
    assert load_preset("default").question_stages == {}  # presets and older versions have none

"""Personas: checks on what the owner saves, the segment filters applied in SQL against the same set
worked out by hand, the store, and the persona in the filters' description."""

from __future__ import annotations

import pytest

from journey import personas
from journey.cli import main as cli
from journey.errors import BadPersona
from journey.filters import Filters
from journey.store import connection, dashboard
from journey.store import personas as persona_store

SEGMENTS = {"年代": ["20代", "30代", "40代"], "同行者": ["一人", "家族"]}


def test_check_persona_keeps_the_chosen_values_in_a_stable_order():
    persona = personas.check_persona(" 家族連れ ", "週末に家族で", {"同行者": ["家族"], "年代": ["40代", "30代"],
                                                                "性別": []}, SEGMENTS | {"性別": ["女性"]})
    assert persona.name == "家族連れ" and persona.rules == (("同行者", ("家族",)), ("年代", ("30代", "40代")))
    assert persona.describe_rules() == "同行者: 家族 · 年代: 30代, 40代"


@pytest.mark.parametrize("name, rules, column, words", [
    ("", {"年代": ["30代"]}, "name", "give the persona a name"),
    ("x" * 61, {"年代": ["30代"]}, "name", "keep it under 60"),
    ("家族連れ", {"年代": []}, "segments", "choose at least one segment value"),
    ("家族連れ", {"地域": ["京都"]}, "地域", "no segment column '地域'"),
    ("家族連れ", {"年代": ["90代"]}, "年代", "'90代' is not a value of '年代'"),
])
def test_check_persona_says_what_is_wrong(name, rules, column, words):
    with pytest.raises(BadPersona, match=words) as caught:
        personas.check_persona(name, "", rules, SEGMENTS)
    assert caught.value.column == column


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    db = tmp_path_factory.mktemp("personas") / "journey.duckdb"
    assert cli(["demo", "--db", str(db)]) == 0
    return db


def test_persona_filter_in_sql_matches_the_set_worked_out_by_hand(demo):
    with connection.Database(demo).connect() as con:
        options = dashboard.filter_options(con)["segments"]
        persona = personas.check_persona("Instagram 20〜30代", "", {"当店を知ったきっかけ": ["Instagram"],
                                                                  "年代": ["20代", "30代"]}, options)
        rows = con.execute("SELECT response_id, name, value FROM segments").fetchdf()
        filtered = dashboard.response_facts(con, personas.with_persona(Filters(), persona))
        comments = dashboard.comment_facts(con, personas.with_persona(Filters(), persona))
    by_hand = set(rows.loc[(rows["name"] == "当店を知ったきっかけ") & (rows["value"] == "Instagram"), "response_id"]) & \
        set(rows.loc[(rows["name"] == "年代") & rows["value"].isin(["20代", "30代"]), "response_id"])
    assert by_hand and set(filtered["response_id"]) == by_hand == personas.matching_responses(rows, persona)
    assert set(comments["response_id"]) <= by_hand and len(comments) > 0


def test_the_demo_brings_two_personas_and_the_store_edits_them(demo):
    with connection.Database(demo).connect() as con:
        saved = personas.from_frame(persona_store.list_personas(con))
        assert [p.name for p in saved] == ["Instagramで知った20〜30代", "紹介・口コミで来た40代以上"]
        persona_store.save_persona(con, "改名", "説明", {"年代": ["20代"]}, saved[0].id)
        assert personas.from_frame(persona_store.list_personas(con))[0].rules == (("年代", ("20代",)),)
        assert persona_store.delete_persona(con, saved[1].id) and not persona_store.delete_persona(con, 999)


def test_filters_name_the_persona():
    persona = personas.Persona("家族連れ", "", (("同行者", ("家族",)),), 3)
    described = personas.with_persona(Filters(), persona).describe()
    assert described == "persona: 家族連れ"
    assert personas.with_persona(personas.with_persona(Filters(), persona), None) == Filters()

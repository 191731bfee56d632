"""Pages under trouble and hostile data: a database held by another process shows one translated line
(never a traceback, a path or a process id); text from data never renders as Markdown."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from journey.cli import main as cli
from journey.ui import plain
from tests.conftest import ROOT, held_by_another_process

APP = str(ROOT / "app.py")
PAGES = ["pages/1_journey.py", "pages/2_stage.py", "pages/3_trends.py", "pages/4_weekly.py", "pages/5_overview.py",
         "pages/6_review.py", "pages/7_taxonomy.py", "pages/8_import.py", "pages/9_funnel.py", "pages/10_actions.py",
         "pages/11_personas.py"]


@pytest.fixture
def held_demo(db_path: Path, monkeypatch) -> Path:
    """The demo database, held by another process for longer than the app waits (two short tries here)."""
    assert cli(["demo", "--db", str(db_path)]) == 0
    with held_by_another_process(db_path, monkeypatch):
        yield db_path


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("lang, words", [("en", "is in use by another program"), ("ja", "を別のプログラム")])
def test_a_busy_database_is_one_translated_line_on_every_page(held_demo, page, lang, words):
    at = AppTest.from_file(str(ROOT / page), default_timeout=60)  # reached by its URL, as a deep link
    at.session_state["lang"] = lang
    at.run()
    assert not at.exception, at.exception
    [error] = [e.value for e in at.error]
    assert words in error.replace("\\", "") and "journey" in error
    assert "PID" not in error and str(held_demo.parent) not in error and "Traceback" not in error


@pytest.mark.parametrize("text", [
    "![x](http://127.0.0.1:9/x.png)", "**太字**", "[link](https://example.invalid/)", ":red[赤] :material/home:",
    "<b>html</b>", "$x^2$", "www.example.invalid", "a@example.invalid", "# 見出し", "1. item", "~~消し~~ `code`",
])
def test_plain_text_survives_markdown_unchanged(text):
    """What plain() returns is `text` itself once Markdown's escapes are read (the word joiners stop
    autolinks and are invisible)."""
    import re

    escaped = plain(text)
    assert re.sub(r"\\(.)", r"\1", escaped).replace("\u2060", "") == text
    assert not re.search(r"(?<!\\)[!\[\]()*:<>$#`~]", escaped)


def test_a_header_file_name_and_segment_values_from_data_render_as_text(db_path, tmp_path):
    """A column header '![x](http://…)' made the Taxonomy page load an external image; file names and
    segment values rendered bold or as links. Here each reaches its page escaped."""
    header = "![x](http://127.0.0.1:9/header.png)"
    export = tmp_path / "**bold** [l](http:⁄⁄e.invalid).csv"
    export.write_text(f"Date,Region,{header}\n" + "".join(
        f"2026-05-0{d},{region},とても美味しかったです。また来ます {d}\n"
        for d, region in zip(range(1, 7), ["**東京**", "[link](https://example.invalid/)"] * 3)),
        encoding="utf-8")
    assert cli(["ingest", str(export), "--db", str(db_path), "--map", f"comment={header}",
                "--map", "segment=Region"]) == 0
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["lang"] = "en"
    at.run()
    at.switch_page("pages/7_taxonomy.py").run()
    assert not at.exception, at.exception
    label = next(s.label for s in at.selectbox if "header" in s.label)
    assert label.startswith(plain(header))
    at.switch_page("pages/8_import.py").run()
    at.selectbox(key="delete-pick").set_value(at.selectbox(key="delete-pick").options[0]).run()
    warning = at.warning[0].value
    assert plain(export.name) in warning and export.name not in warning


def test_a_database_path_that_cannot_be_used_is_one_translated_line(tmp_path, monkeypatch):
    (tmp_path / "a-file").write_text("x")
    monkeypatch.setenv("JOURNEY_DB", str(tmp_path / "a-file" / "journey.duckdb"))
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["lang"] = "ja"
    at.run()
    assert not at.exception, at.exception
    [error] = [e.value for e in at.error]
    assert "フォルダーではなくファイル" in error and str(tmp_path) not in error

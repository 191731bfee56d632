"""Which industry preset a file's words point at: real exports of a trade get its preset, a mixed file the
generic one."""

from __future__ import annotations

import pandas as pd
import pytest

from journey.preset_suggestion import GENERIC, suggest_preset, trade_hits
from tests.conftest import CLOTHING, FUKUI, require_real_data


def test_trade_words_are_found_in_japanese_and_english():
    assert trade_hits("温泉がよくて、客室も広かった") == {"hotel": {"温泉", "客室"}}
    assert "retail" in trade_hits("The dress runs small, order one size up")
    assert trade_hits("便利でした") == {}  # 便 alone is no flight: words every trade uses never count


def test_a_mixed_or_wordless_file_gets_the_generic_preset():
    assert suggest_preset(["とても良かったです", "また来ます", "ありがとう"]).preset == GENERIC
    assert suggest_preset(["the app crashed", "great latte", "lovely room"]).preset == GENERIC
    assert suggest_preset([]).preset == GENERIC


@pytest.mark.realdata
def test_real_exports_get_their_trades_preset():
    require_real_data()
    clothing = pd.read_csv(CLOTHING, usecols=["Review Text"])["Review Text"].dropna().tolist()
    found = suggest_preset(clothing)
    assert found.preset == "retail" and found.share > 0.5
    fukui = pd.read_csv(sorted(FUKUI.glob("2026*.csv"))[0], dtype=str, encoding="utf-8-sig")
    texts = [t for column in fukui.columns for t in fukui[column].dropna() if isinstance(t, str) and len(t) > 8]
    found = suggest_preset(texts)
    assert found.preset == "hotel", found.shares

"""Privacy: the purge of an import's raw text (gone from the database file itself), rejected rows masked
like comments, and customer pseudonyms keyed by the database's own secret."""

from __future__ import annotations

import hashlib

import pandas as pd
import pytest

from journey import privacy, tagging
from journey.cli import main as cli
from journey.embed import HashingEmbedder
from journey.ingest import import_file
from journey.store import connection, dashboard, imports, keys

# Raw strings that must leave the file: long and repeated so that DuckDB stores them where a byte search
# sees them (the test checks that it does, before the purge).
PHONE, MAIL, CUSTOMER, REJECTED = "090-7777-1234", "hanako.private@example.jp", "taro.customer@example.jp", \
    "jiro.rejected@example.jp"
NOTED = "saburo.noted@example.jp"


OTHER_PHONE = "080-6666-4321"


def export_with_personal_data(path, rows: int = 60, other: str = "") -> None:
    """A review export whose comments, customer column and one rejected row hold personal data; `other`
    changes every value (and the ids) for a second, different export."""
    lines = ["Review ID,Star Rating,Review Date,Customer Email,Review Text"]
    phone = OTHER_PHONE if other else PHONE
    for n in range(rows):
        lines.append(f"R{other}-{n},5,2026-03-{n % 28 + 1:02d},{other}{CUSTOMER},山田様の対応が良かった。"
                     f"連絡は {phone} か {other}{MAIL} へお願いします。コメント番号 {n}")
    lines.append(f"R{other}-bad,5,2026-02-30,{other}{CUSTOMER},{other}{REJECTED} に返信ください")  # no such day: rejected
    lines.append(f"R{other}-odd,9,2026-03-02,{other}{CUSTOMER},{other}{NOTED} 宛てにどうぞ")  # 9 stars: left empty, noted
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture
def personal(db_path, tmp_path):
    source = tmp_path / "reviews.csv"
    export_with_personal_data(source)
    kept = tmp_path / "other.csv"
    export_with_personal_data(kept, rows=5, other="k")
    roles = ["customer=Customer Email", "score:stars_1_5=Star Rating"]
    purged = import_file(source, db_path, mask=False, overrides=roles)  # masking off: the purge masks anyway
    assert purged.rejected == 1
    purged_id = purged.import_id
    kept_id = import_file(kept, db_path, overrides=roles).import_id
    with connection.Database(db_path).connect() as con:
        tagging.tag_database(con, HashingEmbedder())
    return db_path, purged_id, kept_id


def file_bytes(db_path) -> bytes:
    return db_path.read_bytes() + (db_path.with_name(db_path.name + ".wal").read_bytes()
                                   if db_path.with_name(db_path.name + ".wal").exists() else b"")


def test_purge_removes_raw_text_from_the_database_file(personal, capsys):
    db_path, purged_id, kept_id = personal
    before = file_bytes(db_path)
    for raw in (PHONE, MAIL, CUSTOMER, REJECTED, "," + NOTED):
        assert raw.encode() in before, raw  # stored where a byte search sees it, before the purge
    with connection.Database(db_path).connect() as con:
        refs_before = dashboard.export_comments(con).groupby("import_id")["customer_ref"].first()

    assert cli(["purge-raw", "--import", str(purged_id), "--db", str(db_path)]) == 0
    assert "raw text purged from 61 comments" in capsys.readouterr().out

    with connection.Database(db_path).connect() as con:
        texts = con.execute("SELECT c.text, c.masked_text FROM comments c JOIN responses r ON r.id = c.response_id "
                            "WHERE r.import_id = ?", [purged_id]).fetchall()
        assert all(text == masked and "[email]" in text for text, masked in texts)
        assert all("[phone]" in text and "[name]様" in text for text, _ in texts if "コメント番号" in text)
        rejected = imports.rejected_rows(con, purged_id)
        assert len(rejected) == 1 and rejected["raw"].isna().all() and rejected.loc[0, "line_no"] == 62
        export = dashboard.export_comments(con)
        # One customer keeps one pseudonym through the purge.
        assert export.groupby("import_id")["customer_ref"].first().equals(refs_before)
        kept_text = connection.scalar(con, "SELECT c.text FROM comments c JOIN responses r ON r.id = c.response_id "
                                            "WHERE r.import_id = ? LIMIT 1", [kept_id])
        assert OTHER_PHONE in kept_text  # the other import keeps its raw text
        assert imports.get_import(con, purged_id)["raw_purged_at"] is not None
        # Masking was off for the purged import: its sentences are split again from the masked text.
        assert connection.scalar(con, "SELECT count(*) FROM units WHERE contains(text, ?)", [PHONE]) == 0
        assert tagging.tag_database(con, HashingEmbedder()).new_units >= 60
    after = file_bytes(db_path)
    for raw in (PHONE + " ", " " + MAIL, "," + CUSTOMER, " " + REJECTED, "," + NOTED):  # the purged import's, as written
        assert raw.encode() not in after, raw
    assert OTHER_PHONE.encode() in after  # the kept import's raw text is still stored as it was


def test_purge_of_a_missing_import_says_so(db_path, capsys):
    assert cli(["purge-raw", "--import", "42", "--db", str(db_path)]) == 1
    assert "no import with id 42" in capsys.readouterr().err


def test_rejected_rows_are_masked_like_comments(db_path, tmp_path):
    """The rejected-row download returned raw rows with phone numbers and e-mails while masking was on."""
    source = tmp_path / "reviews.csv"
    export_with_personal_data(source, rows=3)
    result = import_file(source, db_path, overrides=["score:stars_1_5=Star Rating"])
    with connection.Database(db_path).connect() as con:
        rejected = imports.rejected_rows(con, result.import_id)
        stored = con.execute("SELECT raw FROM rejected_rows").fetchall()
        noted = con.execute("SELECT raw FROM row_notes WHERE raw IS NOT NULL").fetchall()
    assert len(rejected) == 1
    assert REJECTED not in rejected.to_csv() and CUSTOMER not in rejected.to_csv()
    assert "[email] に返信ください" in rejected.loc[0, "raw"]
    assert all(REJECTED not in raw for (raw,) in stored)  # masked before it reached the database
    assert all(NOTED not in raw and CUSTOMER not in raw for (raw,) in noted)  # and so are noted rows


def test_customer_pseudonyms_are_keyed_by_the_database(db_path, tmp_path):
    """customer_ref was an unsalted SHA-256 prefix: hashing a guessed e-mail address found it."""
    source = tmp_path / "reviews.csv"
    export_with_personal_data(source, rows=3)
    import_file(source, db_path, overrides=["customer=Customer Email"])
    other = tmp_path / "other.duckdb"
    import_file(source, other, overrides=["customer=Customer Email"])
    refs = []
    for path in (db_path, other):
        with connection.Database(path).connect() as con:
            refs.append(set(dashboard.export_comments(con)["customer_ref"]))
    assert len(refs[0]) == 1 and refs[0] != refs[1]  # one customer, one ref; another database, another ref
    guessed = hashlib.sha256(CUSTOMER.encode()).hexdigest()
    assert not any(guessed.startswith(ref) or ref in guessed for ref in refs[0])
    with connection.Database(db_path).connect() as con:
        assert keys.secret(con, keys.PSEUDONYM_KEY) == keys.secret(con, keys.PSEUDONYM_KEY)  # made once


def test_exported_segment_values_are_masked(db_path, tmp_path):
    source = tmp_path / "staff.csv"
    source.write_text("Date,Staff,Comment\n" + "".join(
        f"2026-03-0{d},{who},とても良い接客でした {d}\n"
        for d, who in zip(range(1, 7), ["sato@example.jp", "店舗A"] * 3)), encoding="utf-8")
    import_file(source, db_path, overrides=["segment=Staff"])
    with connection.Database(db_path).connect() as con:
        values = set(dashboard.export_comments(con)["segment: Staff"])
    assert values == {"[email]", "店舗A"}


def test_purge_waits_for_nobody_else_in_the_process_and_keeps_the_file_whole(personal, monkeypatch):
    db_path, purged_id, _ = personal
    with connection.Database(db_path).connect() as con:
        counts = pd.Series(dict(con.execute("SELECT 'comments', count(*) FROM comments UNION ALL "
                                            "SELECT 'units', count(*) FROM units").fetchall()))
        from journey.errors import DatabaseBusy

        with pytest.raises(DatabaseBusy):  # a unit of work of this process still holds the file
            connection.Database(db_path).rewrite(wait_s=0.1)
    done = privacy.purge_raw_text(db_path, [purged_id])
    assert [p.comments for p in done] == [61]
    with connection.Database(db_path).connect() as con:
        assert connection.scalar(con, "SELECT count(*) FROM comments") == counts["comments"]

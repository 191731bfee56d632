"""Column roles: suggest what each column of an export is, from header words (ja/en) and values."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

import pandas as pd

from journey.errors import BadMapping
from journey.ingest import dates, scales
from journey.ingest.read import RawTable

ROLES = ["id", "date", "comment", "title", "score", "customer", "segment", "touchpoint", "ignore"]
# Roles a file may have once; the rest may repeat.
SINGLE_ROLES = {"id", "date", "title", "customer", "touchpoint"}

_ID = re.compile(r"^(?:#|id|.*\b(?:response|respondent|review|submission|answer|entry|order)\s*id)$"
                 r"|レビューid|回答id|回答番号|レビュー番号|^no\.?$|^番号$|^token$", re.I)
_DATE = re.compile(r"date|time|timestamp|submitted|created|日時|日付|タイムスタンプ|投稿日|レビュー日|回答日"
                   r"|受付日|記入日|送信日", re.I)
_DATE_SECONDARY = re.compile(r"update|reply|返信|last|millis|birth|生まれ|誕生", re.I)
# Among several date columns, the one that says when the answer was given wins.
_DATE_PREFERRED = re.compile(r"submit|end|timestamp|回答|投稿|送信|タイムスタンプ|レビュー日", re.I)
_DATE_LATER = re.compile(r"start|開始|created", re.I)
_COMMENT = re.compile(r"comment|feedback|review text|^text$|^review$|body|tell us|anything else|reason|opinion"
                      r"|suggestion|why|explain|describe|コメント|ご意見|意見|感想|理由|本文|内容|自由記述|自由回答"
                      r"|要望|求める|推奨項目|改善|お聞かせ|お書き|ご記入", re.I)
_REPLY = re.compile(r"reply|response from|返信|回答者への|developer|owner|店舗からの", re.I)
_TITLE = re.compile(r"title|タイトル|件名|見出し|headline|summary", re.I)
_CUSTOMER = re.compile(r"customer|user|member|reviewer|respondent name|author|e-?mail|名前|氏名|お名前|会員"
                       r"|顧客|ユーザー|投稿者|メールアドレス|ニックネーム|first name|last name", re.I)
# Ids, e-mails, codes: one ASCII run with a digit or symbol in it ("Great" is a word, not a token).
_TOKEN = re.compile(r"^(?=[^\s]*[0-9@_=/#:])[A-Za-z0-9_.@+\-=/:#]+$")
_TOUCHPOINT = re.compile(r"channel|touchpoint|チャネル|チャンネル|タッチポイント|接点|ご利用.*サービス"
                         r"|利用.*サービス|利用したもの|購入方法|ご利用方法", re.I)
_SEGMENT_WORDS = re.compile(r"age|年代|年齢|gender|性別|sex|region|prefecture|都道府県|エリア|area|地域|店舗"
                            r"|store|shop|branch|segment|department|division|class|category|カテゴリ"
                            r"|プラン|plan|device|language|言語|version|バージョン|同行者|persona", re.I)
_NOISE = re.compile(r"ip address|millis|link|url|network id|collector id|custom data|package name"
                    r"|version code|^ua$|user agent", re.I)

SAMPLE_ROWS = 1500


@dataclass
class ColumnRole:
    """One column's role; `scale` only for scores; `reason` says why it was suggested."""

    column: str
    role: str
    scale: str | None = None
    reason: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class _Stats:
    filled: int
    distinct_ratio: float
    distinct: int
    mean_len: float
    unique_all: bool
    flag: bool
    token_like: float
    top_repeats: bool


def _stats(values: pd.Series, total_unique: bool) -> _Stats:
    filled = values[values.str.strip() != ""]
    n = len(filled)
    distinct = filled.nunique()
    return _Stats(
        filled=n,
        distinct=distinct,
        distinct_ratio=distinct / n if n else 0.0,
        mean_len=float(filled.str.len().mean()) if n else 0.0,
        unique_all=total_unique,
        flag=n > 0 and set(filled.unique()) <= {"0", "1"},
        token_like=float(filled.str.match(_TOKEN.pattern).mean()) if n else 0.0,
        top_repeats=n >= 5 and int(filled.value_counts().iloc[0]) >= 2,
    )


def _sample(table: RawTable) -> pd.DataFrame:
    rows = table.rows
    if len(rows) > SAMPLE_ROWS:
        step = len(rows) / SAMPLE_ROWS
        rows = [rows[int(i * step)] for i in range(SAMPLE_ROWS)]
    return pd.DataFrame(rows, columns=table.header, dtype="str")


def suggest_mapping(table: RawTable) -> list[ColumnRole]:
    """Suggest a role for every column of `table`, in header order."""
    frame = _sample(table)
    stats = [_stats(frame[name], _is_unique(table, i) if _ID.search(name) or i == 0 else False)
             for i, name in enumerate(table.header)]
    many_flags = sum(st.flag for st in stats) > 5
    roles = [_suggest_one(name, frame[name], st, many_flags) for name, st in zip(table.header, stats)]
    return _resolve_singles(roles)


def _is_unique(table: RawTable, index: int) -> bool:
    values = table.column(index)
    return all(v.strip() for v in values) and len(set(values)) == len(values)


def _suggest_one(name: str, values: pd.Series, st: _Stats, many_flags: bool) -> ColumnRole:
    if st.filled == 0:
        return ColumnRole(name, "ignore", reason="empty column")
    if _NOISE.search(name):
        return ColumnRole(name, "ignore", reason="technical column")
    id_header = bool(_ID.search(name))
    if id_header and st.distinct_ratio >= 0.8 and st.token_like >= 0.9 and st.mean_len <= 64:
        return ColumnRole(name, "id", reason="id header, one value per row")
    if st.unique_all and name.startswith("column_") and st.token_like >= 0.9:
        return ColumnRole(name, "id", reason="unique value on every row")
    date_share = dates.looks_like_dates(values)
    if date_share >= 0.8:
        if _DATE.search(name) and not _DATE_SECONDARY.search(name):
            return ColumnRole(name, "date", reason="date header and date values")
        return ColumnRole(name, "ignore", reason="another date column")
    # Long, varied answers are never scores: skip the (slower) scale check for them.
    guess = None if st.mean_len > 20 and st.distinct > 20 else scales.detect_scale(name, values)
    if guess:
        return ColumnRole(name, "score", scale=guess.scale, reason=guess.reason)
    if _REPLY.search(name):
        return ColumnRole(name, "ignore", reason="reply written by the business, not the customer")
    if _TITLE.search(name) and st.mean_len < 60:
        return ColumnRole(name, "title", reason="review title (joined to the comment)")
    texty = st.token_like < 0.5
    if _COMMENT.search(name) and texty and st.mean_len >= 3 and st.distinct_ratio >= 0.5:
        return ColumnRole(name, "comment", reason="comment header")
    if _CUSTOMER.search(name) and not st.flag and not re.search(r"language|言語", name, re.I):
        return ColumnRole(name, "customer", reason="customer/member header")
    categorical = st.top_repeats and st.distinct_ratio < 0.9
    if texty and not categorical and st.distinct_ratio >= 0.85 and st.mean_len >= 12:
        return ColumnRole(name, "comment", reason="free text")
    if _TOUCHPOINT.search(name) and st.distinct <= 30:
        return ColumnRole(name, "touchpoint", reason="channel/touchpoint header")
    if st.flag:
        if many_flags:
            return ColumnRole(name, "ignore", reason="0/1 flag of a multi-choice question")
        return ColumnRole(name, "segment", reason="yes/no column")
    numeric = pd.to_numeric(values[values.str.strip() != ""], errors="coerce").notna().mean() > 0.9
    if numeric and not _SEGMENT_WORDS.search(name):
        return ColumnRole(name, "ignore", reason="number column")
    if st.distinct <= 100 and (st.distinct_ratio <= 0.5 or _SEGMENT_WORDS.search(name)):
        return ColumnRole(name, "segment", reason=f"{st.distinct} categories")
    return ColumnRole(name, "ignore", reason="not recognised")


def _resolve_singles(roles: list[ColumnRole]) -> list[ColumnRole]:
    """Keep one column per single-use role (for dates the submit/answer time); others become ignore."""
    def rank(col: ColumnRole) -> int:
        if col.role != "date":
            return 0
        return (-2 if _DATE_PREFERRED.search(col.column) else 0) + (1 if _DATE_LATER.search(col.column) else 0)

    chosen: dict[str, ColumnRole] = {}
    for col in sorted(roles, key=rank):
        if col.role in SINGLE_ROLES and col.role not in chosen:
            chosen[col.role] = col
    for col in roles:
        if col.role in SINGLE_ROLES and chosen[col.role] is not col:
            col.reason = f"'{chosen[col.role].column}' is the {col.role} column"
            col.role = "ignore"
    return roles


def apply_overrides(roles: list[ColumnRole], overrides: list[str] | dict[str, str],
                    table: RawTable | None = None) -> list[ColumnRole]:
    """Apply ROLE=COLUMN overrides (CLI `--map`, e.g. comment=本文, score:nps_0_10=Q3, ignore=Title).

    For single-use roles the previously suggested column is demoted to ignore. Raises BadMapping.
    """
    pairs = overrides.items() if isinstance(overrides, dict) else [_split(o) for o in overrides]
    by_name = {c.column: c for c in roles}
    for role_spec, column in pairs:
        role, _, scale = role_spec.partition(":")
        if role not in ROLES:
            raise BadMapping(f"unknown role '{role}'.", column=column,
                             hint=f"Use one of: {', '.join(ROLES)}.")
        if column not in by_name:
            raise BadMapping(f"there is no column named '{column}'.",
                             file=table.file_name if table else None,
                             hint=f"Columns are: {', '.join(by_name)}.")
        if role == "score":
            scale = scale or _guess_scale(column, table) or ""
            if scale not in scales.SCALES:
                raise BadMapping(f"say which scale the score column '{column}' uses.", column=column,
                                 hint=f"e.g. score:nps_0_10={column}; scales: {', '.join(scales.SCALES)}.")
        if role in SINGLE_ROLES:
            for other in roles:
                if other.role == role and other.column != column:
                    other.role, other.reason = "ignore", f"replaced by '{column}'"
        target = by_name[column]
        target.role, target.scale, target.reason = role, (scale or None) if role == "score" else None, "chosen"
    return roles


def _split(text: str) -> tuple[str, str]:
    role, sep, column = text.partition("=")
    if not sep or not column:
        raise BadMapping(f"'{text}' is not ROLE=COLUMN.", hint="e.g. --map comment=ご意見 --map date=回答日時")
    return role.strip(), column.strip()


def _guess_scale(column: str, table: RawTable | None) -> str | None:
    if table is None:
        return None
    values = pd.Series(table.column(table.header.index(column)), dtype="str")
    guess = scales.detect_scale(column + " score", values)
    return guess.scale if guess else None


def validate(roles: list[ColumnRole], file_name: str) -> None:
    """Raise NoTextColumn when no column is a comment, BadMapping on scoreless score columns."""
    from journey.errors import NoTextColumn

    if not any(c.role == "comment" for c in roles):
        raise NoTextColumn("no column holds free-text comments.", file=file_name,
                           hint="Choose one: in the app set a column's role to 'comment', or on the command "
                                "line add --map comment=COLUMN.")
    for col in roles:
        if col.role == "score" and col.scale not in scales.SCALES:
            raise BadMapping("a score column needs a scale.", file=file_name, column=col.column,
                             hint=f"Pick one of: {', '.join(scales.SCALES)}.")


def roles_from_dicts(items: list[dict]) -> list[ColumnRole]:
    """Rebuild roles from their JSON form (as stored in imports.mapping)."""
    return [ColumnRole(**item) for item in items]


def roles_table(roles: list[ColumnRole], table: RawTable, samples: int = 3) -> pd.DataFrame:
    """Roles as an editable table: column, role, scale, reason, and a few sample values."""
    rows = []
    for index, col in enumerate(roles):
        values = [v.replace("\n", " ⏎ ")[:40] for v in table.column(index)[:200] if v.strip()]
        rows.append({"column": col.column, "role": col.role, "scale": col.scale or "",
                     "reason": col.reason, "sample": " | ".join(list(dict.fromkeys(values))[:samples])})
    return pd.DataFrame(rows)


def roles_from_table(frame: pd.DataFrame) -> list[ColumnRole]:
    """Roles back from an edited roles_table; a score column with no scale keeps '' (validate() says so)."""
    return [ColumnRole(str(r["column"]), str(r["role"]), (str(r["scale"]) or None) if r["role"] == "score" else None,
                       str(r["reason"])) for _, r in frame.iterrows()]


# Why a role was suggested, for the Import page in the owner's language. `reason` stays English (the CLI's
# JSON and the stored mapping carry it); each wording above and in scales.py has an i18n key here.
_REASON_KEYS: list[tuple[re.Pattern, str]] = [(re.compile(pattern), key) for pattern, key in [
    (r"empty column", "empty"), (r"technical column", "technical"),
    (r"id header, one value per row", "id_header"), (r"unique value on every row", "unique"),
    (r"date header and date values", "date"), (r"another date column", "other_date"),
    (r"reply written by the business, not the customer", "reply"),
    (r"review title \(joined to the comment\)", "title"), (r"comment header", "comment_header"),
    (r"customer/member header", "customer"), (r"free text", "free_text"),
    (r"channel/touchpoint header", "touchpoint"), (r"0/1 flag of a multi-choice question", "flag"),
    (r"yes/no column", "yes_no"), (r"number column", "number"), (r"(?P<n>\d+) categories", "categories"),
    (r"not recognised", "unknown"), (r"'(?P<column>.*)' is the (?P<role>\w+) column", "single"),
    (r"replaced by '(?P<column>.*)'", "replaced"), (r"chosen", "chosen"),
    (r"5-level satisfaction labels", "labels"), (r"range (?P<low>\d+)–(?P<high>\d+) stated in the header", "range"),
    (r"(?P<words>star/rating|recommend/NPS|effort/ease|score) wording, values (?P<low>\d+)–(?P<high>\d+)",
     "wording"),
]]


def reason_text(reason: str, lang: str) -> str:
    """A suggestion's reason in `lang` (the English wording when it has no translation)."""
    from journey.i18n import t

    for pattern, key in _REASON_KEYS:
        found = pattern.fullmatch(reason)
        if found:
            values = found.groupdict()
            if "role" in values:
                values["role"] = t(f"role.{values['role']}", lang)
            if "words" in values:
                values["words"] = t(f"mapping.words.{values['words']}", lang)
            return t(f"mapping.reason.{key}", lang, **values)
    return reason

"""Column roles: suggest what each column of an export is, from header words (ja/en), the columns every survey
tool adds, and the values themselves (prose is a comment whatever its header; names and titles are not)."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

import pandas as pd

from journey.errors import BadMapping
from journey.i18n import t
from journey.ingest import dates, scales
from journey.ingest.read import RawTable

ROLES = ["id", "date", "comment", "title", "score", "customer", "segment", "touchpoint", "status", "ignore"]
# Roles a file may have once; the rest may repeat.
SINGLE_ROLES = {"id", "date", "title", "customer", "touchpoint", "status"}

_ID = re.compile(r"^(?:#|id|.*\b(?:response|respondent|review|submission|answer|entry|order)\s*id)$"
                 r"|^responseid$|^_recordid$|レビューid|回答id|回答番号|レビュー番号|^no\.?$|^番号$|^token$", re.I)
_DATE = re.compile(r"date|time|timestamp|submitted|created|recorded|日時|日付|タイムスタンプ|投稿日|レビュー日|回答日"
                   r"|受付日|記入日|送信日|published|updated", re.I)
_DATE_SECONDARY = re.compile(r"update|reply|返信|last|millis|birth|生まれ|誕生", re.I)
# Among several date columns, the one that says when the answer was given wins.
_DATE_PREFERRED = re.compile(r"submit|end|recorded|timestamp|回答|投稿|送信|タイムスタンプ|レビュー日|published", re.I)
_DATE_LATER = re.compile(r"start|開始|created|stage", re.I)
_COMMENT = re.compile(r"comment|feedback|review text|^text$|^review$|body|tell us|anything else|reason|opinion"
                      r"|suggestion|why|explain|describe|improve|コメント|ご意見|意見|感想|理由|本文|内容|自由記述"
                      r"|自由回答|要望|求める|推奨項目|改善|お聞かせ|お書き|ご記入|困った|不便|不満な点|良かった点", re.I)
_REPLY = re.compile(r"reply|response from|返信|回答者への|developer|owner|店舗からの", re.I)
_TITLE = re.compile(r"title|タイトル|件名|見出し|headline|summary", re.I)
_CUSTOMER = re.compile(r"customer|user|member|reviewer|respondent name|author|e-?mail|名前|氏名|お名前|会員"
                       r"|顧客|ユーザー|投稿者|メールアドレス|ニックネーム|first name|last name|recipient", re.I)
# Short answers that name something (a course, an instructor, a page) are not comments.
_NAMES = re.compile(r"\bnames?\b|\btitle\b|\burl\b|\blink\b|website|名称|名前|氏名|講師名|タイトル", re.I)
# Ids, e-mails, codes: one ASCII run with a digit or symbol in it ("Great" is a word, not a token).
_TOKEN = re.compile(r"^(?=[^\s]*[0-9@_=/#:])[A-Za-z0-9_.@+\-=/:#]+$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_URL = re.compile(r"^(?:https?://|www\.)\S+$", re.I)
_TOUCHPOINT = re.compile(r"channel|touchpoint|チャネル|チャンネル|タッチポイント|接点|ご利用.*サービス"
                         r"|利用.*サービス|利用したもの|購入方法|ご利用方法", re.I)
_SEGMENT_WORDS = re.compile(r"age|年代|年齢|gender|性別|sex|region|prefecture|都道府県|エリア|area|地域|店舗"
                            r"|store|shop|branch|segment|department|division|class|category|カテゴリ"
                            r"|プラン|plan|device|language|言語|version|バージョン|同行者|persona", re.I)

# Columns survey tools add (Qualtrics, SurveyGizmo/Alchemer, Typeform, SurveyMonkey, Google Forms), by their
# header with case, spaces, underscores and brackets ignored: the role they get and why.
_METADATA = {
    **dict.fromkeys(["ipaddress", "ip"], ("ignore", "ip")),
    **dict.fromkeys(["duration", "durationinseconds", "timetaken"], ("ignore", "duration")),
    **dict.fromkeys(["locationlatitude", "locationlongitude", "locationaccuracy", "latitude", "longitude",
                     "lat", "lng", "geocoordinates"], ("ignore", "location")),
    **dict.fromkeys(["distributionchannel", "collectorid", "collector", "responseset", "externalreference",
                     "externaldatareference", "externalid", "contactid", "legacycomments", "tags", "referer",
                     "referrer", "extendedreferer", "useragent", "extendeduseragent", "ua", "sessionid",
                     "networkid", "customdata1", "customdata", "packagename", "versioncode", "ending",
                     "responsetype", "qballotboxstuffing", "qrecaptchascore", "qrelevantidduplicate",
                     "qrelevantidfraudscore", "qrelevantidlaststartdate"], ("ignore", "technical")),
    **dict.fromkeys(["userlanguage", "language", "言語"], ("segment", "language")),
    **dict.fromkeys(["recipientfirstname", "recipientlastname", "firstname", "lastname", "name"],
                    ("customer", "recipient_name")),
    **dict.fromkeys(["recipientemail", "emailaddress", "email", "メールアドレス"], ("customer", "customer_email")),
}
_METADATA_PATTERN = re.compile(r"millis|link$|url$|^link|^url|version code|user agent", re.I)
_STATUS_HEADER = re.compile(r"^(?:status|response status|completion status|finished|completed?|complete\?|progress"
                            r"|回答状況|回答ステータス|ステータス|完了|回答完了|進捗)$", re.I)
COMPLETE_WORDS = {"complete", "completed", "finished", "true", "1", "yes", "完了", "回答済み", "回答完了", "済"}
PARTIAL_WORDS = {"partial", "incomplete", "false", "0", "no", "disqualified", "terminated", "途中", "未完了",
                 "回答中", "中断"}
_STATUS_ONLY_WORDS = (COMPLETE_WORDS | PARTIAL_WORDS) - {"true", "false", "1", "0", "yes", "no"}
# Answers that say "nothing" do not make a column prose or not: they are left out of the measure.
NON_ANSWERS = {"n/a", "na", "n.a.", "none", "no", "nope", "nothing", "nil", "-", "--", "—", "x", ".", "no comment",
               "no comments", "not applicable", "nothing to add", "なし", "無し", "特になし", "特に無し", "とくになし",
               "ない", "特にない", "特にありません", "ありません", "なし。", "特になし。", "ー", "－", "無"}
_FUNCTION_WORDS = {"the", "a", "an", "and", "but", "or", "was", "were", "is", "are", "it", "i", "we", "my", "our",
                   "to", "of", "for", "with", "in", "on", "at", "not", "very", "so", "too", "this", "that", "they",
                   "you", "be", "had", "have", "has", "would", "could", "there", "as", "me", "us", "no", "all",
                   "will", "can", "if", "when", "because"}
_KANA = re.compile(r"[\u3041-\u30ff]")
_CJK_OR_KANA = re.compile(r"[\u3041-\u30ff\u3400-\u9fff]")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’]*")

SAMPLE_ROWS = 1500


@dataclass
class ColumnRole:
    """One column's role; `scale` only for scores. `reason` says why in English; `why` and `params` name the
    same reason for translation (i18n key `why.<why>`)."""

    column: str
    role: str
    scale: str | None = None
    reason: str = ""
    why: str = ""
    params: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


def _role(column: str, role: str, why: str, scale: str | None = None, **params) -> ColumnRole:
    """A ColumnRole whose English reason is the `why.<why>` text."""
    return ColumnRole(column, role, scale, explain(why, params, "en"), why, params)


def explain(why: str, params: dict | None, lang: str) -> str:
    """A role's reason in `lang` (a score's bad values added); '' for roles from before reasons had keys."""
    if not why:
        return ""
    params = dict(params or {})
    if "role" in params:
        params["role"] = t(f"role.{params['role']}", lang)
    if why.startswith("scale_"):
        text = t(f"why.{why}", lang, **params)
        if params.get("invalid"):
            text += t("why.bad_values", lang, invalid=params["invalid"])
        return text
    return t(f"why.{why}", lang, **params)


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
    constant: bool


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
        constant=n >= 3 and distinct == 1,
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
    roles = []
    for name, st in zip(table.header, stats):
        hint = table.hints.get(name)
        if hint and st.filled:
            role, scale, _ = hint
            roles.append(_role(name, role, "document", scale, layout=table.layout or ""))
        else:
            roles.append(_suggest_one(name, frame[name], st, many_flags))
    return _resolve_singles(roles)


def _is_unique(table: RawTable, index: int) -> bool:
    values = table.column(index)
    return all(v.strip() for v in values) and len(set(values)) == len(values)


def _key(name: str) -> str:
    return re.sub(r"[\s_\-()（）.:?]", "", name.lower())


def _suggest_one(name: str, values: pd.Series, st: _Stats, many_flags: bool) -> ColumnRole:
    if st.filled == 0:
        return _role(name, "ignore", "empty")
    key = _key(name)
    meta = _METADATA.get(key)
    if meta and meta[0] == "ignore" or _METADATA_PATTERN.search(name):
        return _role(name, "ignore", meta[1] if meta else "technical")
    id_header = bool(_ID.search(name))
    if id_header and st.distinct_ratio >= 0.8 and st.token_like >= 0.9 and st.mean_len <= 64:
        return _role(name, "id", "id_header")
    if st.unique_all and name.startswith("column_") and st.token_like >= 0.9:
        return _role(name, "id", "id_unique")
    status = _status(name, values)
    if status:
        return status
    date_share = dates.looks_like_dates(values)
    if date_share >= 0.8:
        if _DATE.search(name) and not _DATE_SECONDARY.search(name):
            return _role(name, "date", "date_header")
        return _role(name, "ignore", "date_other")
    if meta:
        return _metadata_role(name, values, st, meta)
    # Long, varied answers are never scores: skip the (slower) scale check for them.
    guess = None if st.mean_len > 20 and st.distinct > 20 else scales.detect_scale(name, values)
    if guess:
        return _role(name, "score", guess.why or "scale_generic", guess.scale, **(guess.params or {}),
                     invalid=guess.invalid)
    if _REPLY.search(name):
        return _role(name, "ignore", "reply")
    if _TITLE.search(name) and st.mean_len < 60:
        return _role(name, "title", "title")
    texty = st.token_like < 0.5
    prose, substantive = prose_share(values)
    varied = _varied(values)
    if texty and varied and not _NAMES.search(name) and not _multiple_choice(values):
        # A comment header takes short answers too ("Great", "遅い"); any header takes sentences.
        if _COMMENT.search(name) and st.mean_len >= 3:
            return _role(name, "comment", "comment_header")
        if prose >= 0.5 and substantive >= 2:
            return _role(name, "comment", "free_text")
    if _CUSTOMER.search(name) and not st.flag and not re.search(r"language|言語", name, re.I):
        if st.constant:
            return _role(name, "ignore", "same_everywhere")
        if _short_header(name) or _emails(values) >= 0.8:
            return _role(name, "customer", "customer_header")
    if _TOUCHPOINT.search(name) and st.distinct <= 30:
        return _role(name, "touchpoint", "touchpoint")
    if st.flag:
        if many_flags:
            return _role(name, "ignore", "flag_multi")
        return _role(name, "segment", "yes_no")
    numeric = pd.to_numeric(values[values.str.strip() != ""], errors="coerce").notna().mean() > 0.9
    if numeric and not _SEGMENT_WORDS.search(name):
        return _role(name, "ignore", "number")
    if st.distinct <= 100 and (st.distinct_ratio <= 0.5 or _SEGMENT_WORDS.search(name)
                               or (st.top_repeats and prose < 0.3)):
        return _role(name, "segment", "categories", n=st.distinct)
    if texty and _NAMES.search(name) and st.distinct <= 100:
        return _role(name, "segment", "names")
    if texty and (_NAMES.search(name) or prose < 0.5):
        return _role(name, "ignore", "short_answers")
    return _role(name, "ignore", "not_recognised")


def _metadata_role(name: str, values: pd.Series, st: _Stats, meta: tuple[str, str]) -> ColumnRole:
    """A survey tool's own column (language, recipient name or e-mail): its role, or ignore when empty of use."""
    role, why = meta
    if role == "customer":
        if st.constant:
            return _role(name, "ignore", "same_everywhere")
        if why == "customer_email" and _emails(values) < 0.5:
            return _role(name, "ignore", "not_recognised")
    return _role(name, role, why)


def _status(name: str, values: pd.Series) -> ColumnRole | None:
    """A completion column (Status: Complete/Partial, Finished: True/False, Progress: 0–100), or None."""
    if not _STATUS_HEADER.match(name.strip()):
        return None
    filled = values[values.str.strip() != ""].str.strip().str.lower()
    if filled.empty:
        return None
    words = set(filled.unique())
    key = _key(name)
    if key in {"finished", "completed", "complete", "完了", "回答完了"} and words <= COMPLETE_WORDS | PARTIAL_WORDS:
        return _role(name, "status", "status_finished")
    if key == "progress" or key == "進捗":
        numbers = pd.to_numeric(filled, errors="coerce")
        if numbers.notna().all() and numbers.between(0, 100).all():
            return _role(name, "status", "status_progress")
        return None
    if words <= COMPLETE_WORDS | PARTIAL_WORDS | {"test", "spam", "deleted"} and words & _STATUS_ONLY_WORDS:
        return _role(name, "status", "status_words")
    # Qualtrics' Status is the response type (0, IP Address, Survey Preview): survey metadata.
    return _role(name, "ignore", "response_type")


def prose_share(values: pd.Series) -> tuple[float, int]:
    """(share of substantive answers that read as sentences, number of substantive answers); answers that
    say nothing (n/a, none, 特になし) are left out."""
    filled = [v.strip() for v in values if v.strip()]
    substantive = [v for v in filled if v.lower().rstrip(".。!！") not in NON_ANSWERS]
    if not substantive:
        return 0.0, 0
    return sum(map(is_prose, substantive)) / len(substantive), len(substantive)


def is_prose(value: str) -> bool:
    """True for a sentence someone wrote; False for names, titles, codes, URLs and one-word answers."""
    if _URL.match(value) or _EMAIL.match(value):
        return False
    if _KANA.search(value):
        return len(_CJK_OR_KANA.findall(value)) >= 8
    words = _WORD.findall(value)
    if len(words) < 4:
        return False
    long_words = [w for w in words if len(w) >= 4]
    # Title Case throughout ("Introduction to Specialty Coffee", "Prof. Mei Ito") names something.
    if long_words and sum(w[0].isupper() for w in long_words) / len(long_words) >= 0.7:
        return False
    return any(w.lower() in _FUNCTION_WORDS for w in words) or len(value) >= 60


def _varied(values: pd.Series) -> bool:
    """Answers that differ from row to row (not a handful of options picked again and again)."""
    substantive = [v.strip() for v in values if v.strip() and v.strip().lower() not in NON_ANSWERS]
    if not substantive:
        return False
    return len(set(substantive)) / len(substantive) >= 0.5 or len(substantive) < 3


def _multiple_choice(values: pd.Series) -> bool:
    """Options joined by line breaks ("景色\\n食事"): few distinct lines, repeated across rows."""
    multi = [v for v in values if "\n" in v.strip()]
    if len(multi) < max(3, len(values) * 0.1):
        return False
    lines = [line.strip() for v in multi for line in v.split("\n") if line.strip()]
    return len(set(lines)) / len(lines) < 0.3 and sum(map(len, lines)) / len(lines) < 25


def _emails(values: pd.Series) -> float:
    filled = values[values.str.strip() != ""].str.strip()
    return float(filled.str.match(_EMAIL.pattern).mean()) if len(filled) else 0.0


def _short_header(name: str) -> bool:
    """A label ("Customer", "Reviewer Name"), not a question ("Are you a new or returning customer?")."""
    return "?" not in name and "？" not in name and len(name.split()) <= 4 and len(name) <= 40


def _resolve_singles(roles: list[ColumnRole]) -> list[ColumnRole]:
    """Keep one column per single-use role (the submit/answer time for dates, an e-mail over a name for the
    customer, Finished over Progress for the status); the others become ignore."""
    def rank(col: ColumnRole) -> int:
        if col.role == "date":
            return (-2 if _DATE_PREFERRED.search(col.column) else 0) + (1 if _DATE_LATER.search(col.column) else 0)
        if col.role == "customer":
            return -1 if col.why == "customer_email" else 0
        if col.role == "status":
            return {"status_finished": -2, "status_words": -1}.get(col.why, 0)
        return 0

    chosen: dict[str, ColumnRole] = {}
    for col in sorted(roles, key=rank):
        if col.role in SINGLE_ROLES and col.role not in chosen:
            chosen[col.role] = col
    for col in roles:
        if col.role in SINGLE_ROLES and chosen[col.role] is not col:
            role, other = col.role, chosen[col.role].column
            col.role, col.scale = "ignore", None
            col.why, col.params = "single", {"other": other, "role": role}
            col.reason = explain(col.why, col.params, "en")
    return roles


def apply_overrides(roles: list[ColumnRole], overrides: list[str] | dict[str, str],
                    table: RawTable | None = None) -> list[ColumnRole]:
    """Apply ROLE=COLUMN overrides (CLI `--map`, e.g. comment=本文, score:nps_0_10=Q3, ignore=Title, status=Finished).

    COLUMN may be a tool's short code (Qualtrics Q3) as well as the column's name. For single-use roles the
    previously suggested column is demoted to ignore. Raises BadMapping.
    """
    pairs = overrides.items() if isinstance(overrides, dict) else [_split(o) for o in overrides]
    by_name = {c.column: c for c in roles}
    aliases = table.aliases if table else {}
    for role_spec, column in pairs:
        role, _, scale = role_spec.partition(":")
        if role not in ROLES:
            raise BadMapping(f"unknown role '{role}'.", column=column,
                             hint=f"Use one of: {', '.join(ROLES)}.")
        column = column if column in by_name else aliases.get(column, column)
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
                    other.role, other.why, other.params = "ignore", "replaced", {"column": column}
                    other.reason = explain(other.why, other.params, "en")
        target = by_name[column]
        target.role, target.scale = role, (scale or None) if role == "score" else None
        target.why, target.params = "chosen", {}
        target.reason = explain(target.why, target.params, "en")
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


def roles_table(roles: list[ColumnRole], table: RawTable, samples: int = 3, lang: str = "en") -> pd.DataFrame:
    """Roles as an editable table: column, role, scale, reason (in `lang`), and a few sample values."""
    rows = []
    for index, col in enumerate(roles):
        values = [v.replace("\n", " ⏎ ")[:40] for v in table.column(index)[:200] if v.strip()]
        rows.append({"column": col.column, "role": col.role, "scale": col.scale or "",
                     "reason": explain(col.why, col.params, lang) or col.reason,
                     "sample": " | ".join(list(dict.fromkeys(values))[:samples])})
    return pd.DataFrame(rows)


def roles_from_table(frame: pd.DataFrame, suggested: list[ColumnRole] | None = None) -> list[ColumnRole]:
    """Roles back from an edited roles_table; a score column with no scale keeps '' (validate() says so).

    With the `suggested` roles, a row the owner left unchanged keeps its reason's key; a changed one is 'chosen'.
    """
    before = {c.column: c for c in suggested or []}
    out = []
    for _, r in frame.iterrows():
        role = str(r["role"])
        scale = (str(r["scale"]) or None) if role == "score" else None
        old = before.get(str(r["column"]))
        if old is not None and old.role == role and (old.scale or None) == scale:
            out.append(ColumnRole(old.column, role, scale, old.reason, old.why, dict(old.params)))
        else:
            out.append(_role(str(r["column"]), role, "chosen", scale) if suggested is not None
                       else ColumnRole(str(r["column"]), role, scale, str(r["reason"])))
    return out

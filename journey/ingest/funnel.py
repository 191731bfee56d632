"""Funnel count tables (月, 訪問者, 問い合わせ, 予約, 来店, 再来店): read like any export (encoding, delimiter,
XLSX), one column of periods and one column per stage, mapped to the active taxonomy's stages; every row
checked, bad rows kept with line, column and reason; stored in one transaction."""

from __future__ import annotations

import re
import unicodedata
from calendar import monthrange
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from journey.config import load_settings
from journey.errors import BadMapping, NoDataRows, NoPeriodColumn, NoStageColumns
from journey.i18n import t
from journey.ingest import dates
from journey.ingest.read import RawTable, read_export
from journey.store import connection
from journey.store import funnel as funnel_store
from journey.taxonomy import Taxonomy

PERIOD = "period"
IGNORE = "ignore"
GRANULARITIES = ("month", "week", "day")

_PERIOD_HEADER = re.compile(r"^(?:年月|月|月度|期間|週|日|日付|年月日|集計期間|対象月|month|year ?month|period|week"
                            r"|date|day)$|月$|期間|period|month", re.I)
# Header words per stage, most specific first ("再来店" before "来店"); each names the stages it may mean,
# in order of preference, so a 5-stage taxonomy still finds "再来店" (retention) and "紹介" (advocacy).
_STAGE_WORDS: list[tuple[re.Pattern, tuple[str, ...]]] = [
    (re.compile(r"再来店|再来場|再訪|再購入|再予約|再注文|再利用|リピート|継続|定期|2回目|二回目|repeat|returning"
                r"|retention|retained|re-?order|re-?purchase", re.I), ("loyalty", "retention")),
    (re.compile(r"紹介|推奨|推薦|口コミ投稿|レビュー投稿|referr|recommend|advoca", re.I), ("advocacy", "loyalty")),
    (re.compile(r"問い?合わ?せ|お問合せ|相談|見積|資料請求|カート|比較|検討|試着|試飲|来店予約前|inquir|enquir|contact|lead"
                r"|quote|cart|consider|trial", re.I), ("consideration",)),
    (re.compile(r"予約|購入|注文|申込|申し込み|成約|契約|決済|会計|受注|checkout|order|purchase|booking|reservation"
                r"|sale|transaction|conversion|signup|sign-up", re.I), ("purchase",)),
    (re.compile(r"来店|来場|来院|来館|入店|入館|宿泊|チェックイン|受診|施術|乗車|利用者|利用数|体験|visit(?!or)|check-?in|stay"
                r"|usage", re.I), ("usage",)),
    (re.compile(r"サポート|返品|交換|問合せ対応|苦情|support|return|refund|ticket|complaint", re.I), ("support",)),
    (re.compile(r"閲覧|商品ページ|詳細ページ|詳細|興味|お気に入り|クリック|page ?view|product ?view|view|click|interest"
                r"|engag|wishlist|favo", re.I), ("interest", "consideration")),
    (re.compile(r"訪問|ユーザー|セッション|表示回数|インプレッション|リーチ|認知|流入|アクセス|フォロワー|visitor|user"
                r"|session|impression|reach|traffic|awareness|follower|pv", re.I), ("awareness",)),
]
_NUMBER_NOISE = re.compile(r"[,\s]|(?:人|件|名|回|組|人数|件数|pcs)$", re.I)
_EMPTY = {"", "-", "—", "–", "ー", "n/a", "na", "none"}
_YEAR_MONTH = re.compile(r"^(\d{4})\s*(?:[-/.年]\s*(\d{1,2})\s*月?|(0[1-9]|1[0-2]))$")
_ISO_WEEK = re.compile(r"^(\d{4})-?w(\d{1,2})$", re.I)
MIN_YEAR, MAX_YEAR = 1990, 2100


@dataclass
class FunnelColumn:
    """One column's role in a count table: the period, a stage (`stage` holds its key) or ignore;
    `reason` (a key of journey.i18n, with `reason_args`) says why it was suggested."""

    column: str
    role: str                # "period", "stage" or "ignore"
    stage: str | None = None
    reason: str = "funnel.reason.none"
    reason_args: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)

    def why(self, lang: str = "en") -> str:
        """The reason in `lang`."""
        return t(self.reason, lang, **self.reason_args)


@dataclass
class FunnelImportResult:
    """What one count table did; `to_dict()` is the CLI's --json record."""

    file: str
    import_id: int
    rows: int
    loaded: int
    rejected: int
    granularity: str
    stages: dict[str, str]   # stage key → column

    def to_dict(self) -> dict:
        return asdict(self)


def _normal(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def parse_count(value: str) -> int | None:
    """A count as exports write it (4,210 / ４２１０ / 4210人 / 4210.0); None for an empty cell.

    Raises ValueError for anything else, negative numbers included."""
    text = _NUMBER_NOISE.sub("", _normal(value))
    if text.lower() in _EMPTY:
        return None
    match = re.fullmatch(r"(\d+)(?:\.0+)?", text)
    if not match:
        raise ValueError(value)
    return int(match.group(1))


def _month(year: int, month: int) -> tuple[date, date]:
    if not (MIN_YEAR <= year <= MAX_YEAR and 1 <= month <= 12):
        raise ValueError(f"{year}-{month}")
    return date(year, month, 1), date(year, month, monthrange(year, month)[1])


def parse_periods(values: list[str], header: str = "") -> tuple[list[tuple[date, date] | None], str]:
    """Each value as (first day, last day) of its period, None where unreadable; and the granularity.

    Months: 2026-05, 2026/5, 2026年5月, 202605, May 2026. Weeks: 2026-W19. Dates (any format feedback
    dates take) are months when every one is the 1st and the header does not say week or day, weeks
    when they are 7 days apart or the header says 週/week, days otherwise."""
    text = [_normal(v) for v in values]
    out: list[tuple[date, date] | None] = [None] * len(text)
    kinds = set()
    rest = []
    for i, value in enumerate(text):
        try:
            if m := _YEAR_MONTH.match(value):
                out[i] = _month(int(m.group(1)), int(m.group(2) or m.group(3)))
                kinds.add("month")
            elif m := _ISO_WEEK.match(value):
                year, week = int(m.group(1)), int(m.group(2))
                if not MIN_YEAR <= year <= MAX_YEAR:
                    raise ValueError(value)
                first = date.fromisocalendar(year, week, 1)
                out[i] = (first, first + timedelta(days=6))
                kinds.add("week")
            elif value:
                rest.append(i)
        except ValueError:
            continue
    if rest:
        words = pd.Series([text[i] for i in rest])
        english_months = pd.to_datetime(words, format="%B %Y", errors="coerce").fillna(
            pd.to_datetime(words, format="%b %Y", errors="coerce"))
        parsed, _ = dates.parse_dates(words.where(english_months.isna(), ""))
        days = [None if pd.isna(d) and pd.isna(m) else (m if pd.notna(m) else d)
                for d, m in zip(parsed, english_months)]
        given = [d for d in days if d is not None]
        named_month = any(pd.notna(m) for m in english_months)
        granularity = _date_granularity([d.date() for d in given], header) if given else "month"
        if named_month:
            granularity = "month"
        for i, day in zip(rest, days):
            if day is None or not MIN_YEAR <= day.year <= MAX_YEAR:
                continue
            first = day.date()
            if granularity == "month":
                out[i] = _month(first.year, first.month)
            elif granularity == "week":
                out[i] = (first, first + timedelta(days=6))
            else:
                out[i] = (first, first)
        kinds.add(granularity)
    if len(kinds) > 1:
        # One table, one kind of period: the minority kind is unreadable here.
        main = max(kinds, key=lambda k: sum(1 for p in out if p and _kind(p) == k))
        out = [p if p and _kind(p) == main else None for p in out]
        kinds = {main}
    return out, (kinds.pop() if kinds else "month")


def _kind(period: tuple[date, date]) -> str:
    length = (period[1] - period[0]).days
    return "day" if length == 0 else "week" if length == 6 else "month"


def _date_granularity(days: list[date], header: str) -> str:
    words = _normal(header).lower()
    if "週" in words or "week" in words:
        return "week"
    if words in ("日", "日付", "年月日", "date", "day"):
        distinct = sorted(set(days))
        if len(distinct) > 1 and all(d.day == 1 for d in distinct) and "日" not in words.replace("日付", ""):
            return "month"
        return "day" if not _weekly(distinct) else "week"
    distinct = sorted(set(days))
    if all(d.day == 1 for d in distinct):
        return "month"
    return "week" if _weekly(distinct) else "day"


def _weekly(distinct: list[date]) -> bool:
    return len(distinct) > 1 and all((b - a).days % 7 == 0 for a, b in zip(distinct, distinct[1:]))


def stage_candidates(header: str, taxonomy: Taxonomy) -> tuple[str | None, str, dict]:
    """The stage a column header names, and why (an i18n key and its values): a stage label or key of the
    active taxonomy first (予約 → 予約・注文), then the built-in header words; stage None when none fits."""
    name = _normal(header).lower()
    keys = taxonomy.stage_keys()
    for stage in taxonomy.stages:
        parts = {stage.key.lower()}
        for label in stage.label.values():
            parts.update(p.strip().lower() for p in re.split(r"[・/、,&()（）]| and ", label) if len(p.strip()) >= 2)
        for part in sorted(parts, key=len, reverse=True):
            if part and (name == part or (len(part) >= 2 and part in name and not _more_specific(name, stage.key))):
                return stage.key, "funnel.reason.label", {"stage": stage.key}
    for pattern, wanted in _STAGE_WORDS:
        if pattern.search(name):
            for key in wanted:
                if key in keys:
                    return key, "funnel.reason.word", {"stage": key}
            return None, "funnel.reason.missing_stage", {"stage": wanted[0]}
    return None, "funnel.reason.none", {}


def _more_specific(name: str, key: str) -> bool:
    """True when a more specific header word points elsewhere (再来店 holds 来店 but is a repeat count)."""
    pattern, wanted = _STAGE_WORDS[0]
    return key not in wanted and bool(pattern.search(name))


def suggest_columns(table: RawTable, taxonomy: Taxonomy) -> list[FunnelColumn]:
    """A role for every column: the period column (by header, else by values), one column per stage whose
    values are counts, ignore for the rest; each stage taken once (the first column that names it)."""
    roles: list[FunnelColumn] = []
    period_index = _period_column(table)
    taken: set[str] = set()
    for i, name in enumerate(table.header):
        if i == period_index:
            roles.append(FunnelColumn(name, PERIOD, None, "funnel.reason.period"))
            continue
        stage, reason, args = stage_candidates(name, taxonomy)
        if stage is not None and not _mostly_counts(table.column(i)):
            stage, reason, args = None, "funnel.reason.not_counts", {}
        if stage is not None and stage in taken:
            stage, reason, args = None, "funnel.reason.taken", {"stage": stage}
        if stage is None:
            roles.append(FunnelColumn(name, IGNORE, None, reason, args))
        else:
            taken.add(stage)
            roles.append(FunnelColumn(name, "stage", stage, reason, args))
    return roles


def _period_column(table: RawTable) -> int | None:
    """The column a header names as the period (its unreadable values become rejected rows, each with its
    reason), else the first column whose values read as periods and are not counts."""
    by_header = [i for i, name in enumerate(table.header) if _PERIOD_HEADER.search(_normal(name))]
    for i in by_header + [i for i in range(len(table.header)) if i not in by_header]:
        values = [v for v in table.column(i)[:200] if v.strip()]
        readable = sum(p is not None for p in parse_periods(values, table.header[i])[0]) if values else 0
        if values and (i in by_header or readable >= 0.8 * len(values)) and not _mostly_counts(table.column(i)):
            return i
    return None


def _mostly_counts(values: tuple[str, ...]) -> bool:
    good = bad = 0
    for value in values[:200]:
        try:
            good += parse_count(value) is not None
        except ValueError:
            bad += 1
    return good > 0 and bad <= 0.2 * (good + bad)


def apply_overrides(roles: list[FunnelColumn], overrides: list[str] | dict[str, str], table: RawTable,
                    taxonomy: Taxonomy) -> list[FunnelColumn]:
    """Set roles by hand, as ROLE=COLUMN: period=月, purchase=予約 (a stage key), ignore=メモ. A stage or the
    period moves from the column that had it. Raises BadMapping for an unknown column or role."""
    pairs = overrides.items() if isinstance(overrides, dict) else [_split(o) for o in overrides]
    by_name = {r.column: r for r in roles}
    keys = taxonomy.stage_keys()
    for role, column in pairs:
        if column not in by_name:
            raise BadMapping(f"there is no column named '{column}'.", file=table.file_name,
                             hint=f"The columns are: {', '.join(table.header)}.")
        if role not in (PERIOD, IGNORE) and role not in keys:
            raise BadMapping(f"'{role}' is neither period, ignore nor a stage of the active taxonomy.",
                             file=table.file_name, column=column, hint=f"Stages: {', '.join(keys)}.")
        for other in roles:
            if (role == PERIOD and other.role == PERIOD) or (other.role == "stage" and other.stage == role):
                other.role, other.stage = IGNORE, None
                other.reason, other.reason_args = "funnel.reason.moved", {"role": role, "column": column}
        target = by_name[column]
        if role in (PERIOD, IGNORE):
            target.role, target.stage = role, None
        else:
            target.role, target.stage = "stage", role
        target.reason, target.reason_args = "funnel.reason.manual", {}
    return roles


def _split(text: str) -> tuple[str, str]:
    if "=" not in text:
        raise BadMapping(f"'{text}' is not ROLE=COLUMN.", hint="e.g. --map period=月 --map purchase=予約")
    role, column = text.split("=", 1)
    return role.strip(), column.strip()


def build_funnel(table: RawTable, roles: list[FunnelColumn], taxonomy: Taxonomy) -> funnel_store.FunnelBatch:
    """Check every row: a readable period, counts that are whole numbers, one row per period. A bad row is
    rejected with its line, column and reason; the others load.

    Raises NoPeriodColumn, NoStageColumns, BadMapping (a stage twice, or one the taxonomy lacks), and
    NoDataRows naming the first problem when no row can be read."""
    name = table.file_name
    period_cols = [r for r in roles if r.role == PERIOD]
    if not period_cols:
        raise NoPeriodColumn("no column holds the months, weeks or dates of the counts.", file=name,
                             hint="Add a column such as 月 (2026-05, 2026年5月) or choose it as the period.")
    stage_cols = [r for r in roles if r.role == "stage"]
    if not stage_cols:
        raise NoStageColumns("no column is mapped to a journey stage.", file=name,
                             hint="Put one column per stage (訪問者, 問い合わせ, 予約, …) and choose its stage.")
    seen: dict[str, str] = {}
    for col in stage_cols:
        if col.stage not in taxonomy.stage_keys():
            raise BadMapping(f"'{col.stage}' is not a stage of the active taxonomy.", file=name, column=col.column,
                             hint=f"Stages: {', '.join(taxonomy.stage_keys())}.")
        if col.stage in seen:
            raise BadMapping(f"the stage '{col.stage}' is mapped twice (also from '{seen[col.stage]}').",
                             file=name, column=col.column, hint="Map each stage from one column only.")
        seen[col.stage] = col.column
    index_of = {h: i for i, h in enumerate(table.header)}
    period_name = period_cols[0].column
    periods, granularity = parse_periods(list(table.column(index_of[period_name])), period_name)
    rejected = [{"line_no": r.line_no, "raw": r.raw, "code": r.code, "column_name": r.column, "value": r.value,
                 "reason": r.reason} for r in table.rejected]
    counts, seen_periods = [], {}
    for row, line, period in zip(table.rows, table.line_nos, periods):
        raw = (table.delimiter or "\t").join(row)
        value = row[index_of[period_name]]
        if period is None:
            rejected.append(_reject(line, raw, "bad_period", period_name, value,
                                    f"'{value}' is not a month, week or date we can read (e.g. 2026-05, "
                                    "2026年5月, 2026-05-01)."))
            continue
        if period[0] in seen_periods:
            rejected.append(_reject(line, raw, "duplicate_period", period_name, value,
                                    f"{period[0]} already came on line {seen_periods[period[0]]}; one row per "
                                    "period."))
            continue
        parsed, problem = {}, None
        for col in stage_cols:
            cell = row[index_of[col.column]]
            try:
                number = parse_count(cell)
            except ValueError:
                problem = _reject(line, raw, "bad_count", col.column, cell,
                                  f"'{cell}' is not a count (a whole number of 0 or more).")
                break
            if number is not None:
                parsed[col.column] = (col.stage, number)
        if problem is None and not parsed:
            problem = _reject(line, raw, "empty_row", stage_cols[0].column, "", "no count in this row.")
        if problem is not None:
            rejected.append(problem)
            continue
        seen_periods[period[0]] = line
        counts.extend({"line_no": line, "period_start": period[0], "period_end": period[1], "stage": stage,
                       "column_name": column, "count": number} for column, (stage, number) in parsed.items())
    if not counts:
        first = min(rejected, key=lambda r: r["line_no"]) if rejected else None
        raise NoDataRows("no row could be read" + (f" ({first['reason']})." if first else "."), file=name,
                         hint="Fix the rows and import the file again; nothing was saved.")
    return funnel_store.FunnelBatch(
        file_name=name, sha256=table.sha256, encoding=table.encoding, delimiter=table.delimiter,
        mapping=[r.to_dict() for r in roles], granularity=granularity, rows=table.records,
        counts=pd.DataFrame(counts, columns=["line_no", "period_start", "period_end", "stage", "column_name",
                                             "count"]),
        rejected=pd.DataFrame(rejected, columns=["line_no", "raw", "code", "column_name", "value", "reason"])
        .sort_values("line_no", kind="stable"))


def _reject(line: int, raw: str, code: str, column: str, value: str, reason: str) -> dict:
    """A rejected row whose reason names its line and column, like the feedback import's."""
    return {"line_no": line, "raw": raw, "code": code, "column_name": column, "value": value,
            "reason": f"line {line}: column '{column}': {reason}"}


def typed_table(rows: list[dict[str, object]], stage_columns: dict[str, str], period_header: str = "月",
                name: str = "typed-in") -> RawTable:
    """A count table the owner typed in (one dict per row: the period header and one key per column) as a
    RawTable, so it takes the same checks as a file."""
    import hashlib

    header = [period_header] + list(stage_columns)
    body = [["" if row.get(h) is None or (isinstance(row.get(h), float) and pd.isna(row.get(h)))
             else str(row.get(h)) for h in header] for row in rows]
    body = [r for r in body if any(cell.strip() for cell in r)]
    digest = hashlib.sha256(repr(body).encode()).hexdigest()
    return RawTable(name, digest, "typed", None, None, header, body, list(range(2, len(body) + 2)))


def import_funnel(path: str | Path | None, db_path: str | Path | None = None, taxonomy: Taxonomy | None = None,
                  overrides: list[str] | dict[str, str] | None = None, data: bytes | None = None,
                  file_name: str | None = None, roles: list[FunnelColumn] | None = None,
                  table: RawTable | None = None) -> FunnelImportResult:
    """Read, map and store one count table in a single transaction (a file, bytes, or a typed-in table).

    Raises the errors of journey.errors; on any error the database is left as it was."""
    from journey.store import tags

    settings = load_settings()
    target = Path(db_path or settings.db_path)
    if taxonomy is None:
        with connection.Database(target).connect() as con:
            active = tags.active_taxonomy(con)
        from journey.taxonomy import load_preset

        taxonomy = Taxonomy.from_json(active[2]) if active else load_preset("default")
    if table is None:
        name = file_name or Path(path).name
        table = read_export(data if data is not None else path, name, max_bytes=settings.max_upload_mb * 1_000_000)
    roles = roles or suggest_columns(table, taxonomy)
    if overrides:
        roles = apply_overrides(roles, overrides, table, taxonomy)
    batch = build_funnel(table, roles, taxonomy)
    with connection.Database(target).connect() as con:
        saved = funnel_store.save_funnel(con, batch)
    return FunnelImportResult(table.file_name, saved.import_id, saved.rows, saved.loaded, saved.rejected,
                              batch.granularity, {r.stage: r.column for r in roles if r.role == "stage"})

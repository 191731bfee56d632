"""What the owner reads about an import, in Japanese or English: a file's warnings and each row's outcome."""

from __future__ import annotations

from journey.i18n import t

# Row outcomes and the i18n prefix of their reasons.
ROW_PREFIX = {"rejected": "reject", "skipped": "skip", "value_left_empty": "note"}


def notice_text(notice: dict, lang: str) -> str:
    """A file warning (Notice.to_dict(), or as stored in imports.warnings) in `lang`."""
    params = {k: v for k, v in notice.items() if k not in ("code", "message")}
    if "source" in params:
        params["source"] = t(f"import.source_{params['source']}", lang)
    text = t(f"notice.{notice['code']}", lang, **params)
    return notice.get("message", text) if text == f"notice.{notice['code']}" else text


def row_reason(outcome: str, code: str, line: int, column: str | None, value: str | None, english: str,
               lang: str) -> str:
    """A rejected row's, skipped row's or left-empty value's reason in `lang` (English as stored)."""
    if lang == "en":
        return english
    key = f"{ROW_PREFIX[outcome]}.{code}"
    text = t(key, lang, line=line, column=column, value=value)
    return english if text == key else text

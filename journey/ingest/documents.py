"""Review files that are documents, not tables: Google Takeout `Reviews.json` (the older `Review Comment` /
`Star Rating` layout and the newer `review_text_published` / `five_star_rating_published` one, aspect ratings
kept as scores), Google Business Profile reviews (`starRating`, `comment`), App Store customer-review feeds
(JSON and Atom XML; the feed's first entry describes the app, not a review), and a JSON array of flat
records. Each becomes a RawTable whose columns already carry their roles; anything else is refused."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from datetime import date

from journey.errors import UnreadableFile
from journey.ingest.read import Notice, RawTable, too_many_rows

_EXPORT_INSTEAD = ("Journey Lens reads Google Takeout Reviews.json, Google Business Profile reviews (JSON), App "
                   "Store review feeds (JSON or XML), and tables. Export the reviews as CSV or Excel and try again.")
_STARS = {"ONE": "1", "TWO": "2", "THREE": "3", "FOUR": "4", "FIVE": "5"}
_TRANSLATED = re.compile(r"^\(Translated by Google\).*?\(Original\)\s*(.+)$", re.S)
_ATOM = "{http://www.w3.org/2005/Atom}"
_IM = "{http://itunes.apple.com/rss}"


def document_kind(text: str) -> str | None:
    """'json' or 'xml' when the decoded text is a document rather than delimited text, else None."""
    head = text.lstrip("\ufeff \t\r\n")[:200]
    if head.startswith(("{", "[")):
        return "json"
    if head.startswith("<"):
        return "xml"
    return None


def read_document(text: str, kind: str, file_name: str, sha: str, encoding: str, max_rows: int) -> RawTable:
    """The reviews in a JSON or XML document as a table. Raises UnreadableFile for documents we do not know."""
    if kind == "json":
        try:
            data = json.loads(text.lstrip("\ufeff"))
        except json.JSONDecodeError as err:
            raise UnreadableFile(f"the file looks like JSON but does not parse (line {err.lineno}: {err.msg}).",
                                 file=file_name, hint=_EXPORT_INSTEAD) from err
        table = _from_json(data, file_name, sha, encoding)
    else:
        table = _from_xml(text, file_name, sha, encoding)
    if len(table.rows) > max_rows:
        raise too_many_rows(file_name, max_rows, len(table.rows))
    if not table.rows:
        raise UnreadableFile("the file holds no reviews.", file=file_name, hint=_EXPORT_INSTEAD)
    return table


# --- JSON ------------------------------------------------------------------------------------------

def _from_json(data: object, file_name: str, sha: str, encoding: str) -> RawTable:
    if isinstance(data, dict) and isinstance(data.get("feed"), dict) and "entry" in data["feed"]:
        return _app_store_json(data["feed"], file_name, sha, encoding)
    features = data.get("features") if isinstance(data, dict) else None
    if isinstance(features, list) and any(isinstance(f, dict) and isinstance(f.get("properties"), dict)
                                          for f in features):
        return _takeout(features, file_name, sha, encoding)
    reviews = data.get("reviews") if isinstance(data, dict) else data
    if isinstance(reviews, list) and any(isinstance(r, dict) and ("starRating" in r or "reviewId" in r)
                                         for r in reviews):
        return _business_profile(reviews, file_name, sha, encoding)
    if isinstance(data, list) and data and all(isinstance(r, dict) for r in data) and all(
            not isinstance(v, (dict, list)) for r in data for v in r.values()):
        return _records(data, file_name, sha, encoding)
    raise UnreadableFile("this JSON file is not a review export we know.", file=file_name, hint=_EXPORT_INSTEAD)


def _label(node: object) -> str:
    """The text of an App Store feed value: {"label": "…"}."""
    if isinstance(node, dict):
        return str(node.get("label", "") or "")
    return "" if node is None else str(node)


_APP_STORE_COLUMNS = ["Review ID", "Updated", "Rating", "Title", "Review", "Reviewer", "App Version", "Votes"]
_APP_STORE_HINTS = {
    "Review ID": ("id", None, "App Store review id"),
    "Updated": ("date", None, "App Store review date"),
    "Rating": ("score", "stars_1_5", "App Store star rating (im:rating)"),
    "Title": ("title", None, "review title (joined to the comment)"),
    "Review": ("comment", None, "App Store review text"),
    "Reviewer": ("customer", None, "App Store nickname"),
    "App Version": ("segment", None, "app version reviewed"),
    "Votes": ("ignore", None, "helpfulness votes"),
}


def _app_store_json(feed: dict, file_name: str, sha: str, encoding: str) -> RawTable:
    entries = feed["entry"] if isinstance(feed["entry"], list) else [feed["entry"]]
    rows, lines, skipped = [], [], 0
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict) or "im:rating" not in entry:
            skipped += 1  # the app's own entry (im:name, im:price, …)
            continue
        author = entry.get("author") or {}
        rows.append([_label(entry.get("id")), _label(entry.get("updated")), _label(entry.get("im:rating")),
                     _label(entry.get("title")), _label(entry.get("content")), _label(author.get("name")),
                     _label(entry.get("im:version")), _label(entry.get("im:voteSum"))])
        lines.append(number)
    return _table(file_name, sha, "json", encoding, _APP_STORE_COLUMNS, rows, lines, _APP_STORE_HINTS,
                  "app-store", _feed_notices(skipped), _feed_date(_label(feed.get("updated"))))


def _feed_notices(skipped: int) -> list[Notice]:
    if not skipped:
        return []
    return [Notice("app_entry", f"{skipped} feed entry describes the app itself, not a review; it was left out.",
                   {"count": skipped})]


def _feed_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _takeout(features: list, file_name: str, sha: str, encoding: str) -> RawTable:
    """Google Takeout Maps (your places) Reviews.json, either layout."""
    props = [f.get("properties") or {} for f in features if isinstance(f, dict)]
    newer = any("five_star_rating_published" in p or "review_text_published" in p for p in props)
    base = ["Published", "Star Rating", "Review Comment", "Place", "Address", "Google Maps URL"]
    hints = {"Published": ("date", None, "Takeout review date"),
             "Star Rating": ("score", "stars_1_5", "Takeout star rating"),
             "Review Comment": ("comment", None, "Takeout review text"),
             "Place": ("segment", None, "the place reviewed"),
             "Address": ("ignore", None, "the place's address"),
             "Google Maps URL": ("ignore", None, "link to the place")}
    aspects: list[str] = []     # aspect ratings (Food, Service, Atmosphere) → scores
    options: list[str] = []     # chosen options (Meal type, Price per person) → segments
    for p in props:
        for q in p.get("questions") or p.get("Questions") or []:
            if not isinstance(q, dict):
                continue
            name = str(q.get("question") or q.get("Question") or "").strip()
            if not name:
                continue
            if "rating" in q and f"{name} rating" not in aspects:
                aspects.append(f"{name} rating")
            elif "rating" not in q and name not in options:
                options.append(name)
    for name in aspects:
        hints[name] = ("score", "stars_1_5", "aspect rating in the review")
    for name in options:
        hints[name] = ("segment", None, "option chosen in the review")
    header = base + aspects + options
    rows, lines = [], []
    for number, p in enumerate(props, start=1):
        location = p.get("location") or p.get("Location") or {}
        if newer:
            values = [p.get("date"), p.get("five_star_rating_published"), p.get("review_text_published"),
                      location.get("name"), location.get("address"), p.get("google_maps_url")]
        else:
            values = [p.get("Published"), p.get("Star Rating"), p.get("Review Comment"),
                      location.get("Business Name"), location.get("Address"), p.get("Google Maps URL")]
        extra = dict.fromkeys(aspects + options, "")
        for q in p.get("questions") or p.get("Questions") or []:
            if not isinstance(q, dict):
                continue
            name = str(q.get("question") or q.get("Question") or "").strip()
            if "rating" in q:
                extra[f"{name} rating"] = _text(q.get("rating"))
            elif name:
                chosen = q.get("selected_options") or q.get("selected_option") or ""
                extra[name] = ", ".join(map(str, chosen)) if isinstance(chosen, list) else _text(chosen)
        rows.append([_text(v) for v in values] + [extra[name] for name in aspects + options])
        lines.append(number)
    return _table(file_name, sha, "json", encoding, header, rows, lines, hints,
                  "takeout-new" if newer else "takeout-old", [], None)


_BUSINESS_COLUMNS = ["Review ID", "Created", "Updated", "Star Rating", "Comment", "Reviewer", "Owner Reply"]
_BUSINESS_HINTS = {
    "Review ID": ("id", None, "Business Profile review id"),
    "Created": ("date", None, "when the review was written"),
    "Updated": ("ignore", None, "another date column"),
    "Star Rating": ("score", "stars_1_5", "Business Profile star rating"),
    "Comment": ("comment", None, "Business Profile review text"),
    "Reviewer": ("customer", None, "reviewer's display name"),
    "Owner Reply": ("ignore", None, "reply written by the business, not the customer"),
}


def _business_profile(reviews: list, file_name: str, sha: str, encoding: str) -> RawTable:
    """Google Business Profile reviews (accounts.locations.reviews, also in its Takeout)."""
    rows, lines = [], []
    for number, review in enumerate(reviews, start=1):
        if not isinstance(review, dict):
            continue
        reviewer = review.get("reviewer") or {}
        reply = review.get("reviewReply") or {}
        comment = review.get("comment") or ""
        if isinstance(comment, dict):
            comment = comment.get("comment", "")
        original = _TRANSLATED.match(str(comment))
        rows.append([_text(review.get("reviewId") or review.get("name")), _text(review.get("createTime")),
                     _text(review.get("updateTime")), _STARS.get(str(review.get("starRating")).upper(),
                                                                 _text(review.get("starRating"))),
                     original.group(1).strip() if original else _text(comment),
                     _text(reviewer.get("displayName")), _text(reply.get("comment") if isinstance(reply, dict)
                                                               else reply)])
        lines.append(number)
    notices = []
    translated = sum(1 for r in reviews if isinstance(r, dict) and _TRANSLATED.match(str(r.get("comment") or "")))
    if translated:
        notices.append(Notice("google_translation", f"{translated} review(s) carried Google's translation next to "
                              "the original; the original text was kept.", {"count": translated}))
    return _table(file_name, sha, "json", encoding, _BUSINESS_COLUMNS, rows, lines, _BUSINESS_HINTS,
                  "business-profile", notices, None)


def _records(data: list[dict], file_name: str, sha: str, encoding: str) -> RawTable:
    """A JSON array of flat objects is a table: keys are columns, in first-seen order."""
    header = list(dict.fromkeys(key for record in data for key in record))
    rows = [[_text(record.get(key)) for key in header] for record in data]
    return _table(file_name, sha, "json", encoding, header, rows, list(range(1, len(rows) + 1)), {}, None, [], None)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _table(file_name: str, sha: str, file_format: str, encoding: str, header: list[str], rows: list[list[str]],
           lines: list[int], hints: dict, layout: str | None, notices: list[Notice],
           file_date: date | None) -> RawTable:
    if len(header) < 2:
        raise UnreadableFile("the file holds only one field per record; this does not look like a review export.",
                             file=file_name, hint=_EXPORT_INSTEAD)
    return RawTable(file_name, sha, file_format, encoding, None, header, rows, lines, [], notices=notices,
                    hints=hints, layout=layout, unit="entry", file_date=file_date)


# --- Atom XML -----------------------------------------------------------------------------------------

def _from_xml(text: str, file_name: str, sha: str, encoding: str) -> RawTable:
    head = text[:4096].lower()
    # A document type can declare entities (the "billion laughs"); review feeds never carry one.
    if re.search(r"<!(?:doctype|entity)", text, re.I):
        what = "a web page (HTML)" if "<html" in head else "an XML file with a document type"
        raise UnreadableFile(f"this is {what}, not a review export.", file=file_name, hint=_EXPORT_INSTEAD)
    if re.search(r"<html[\s>]", head):
        raise UnreadableFile("this is a web page (HTML), not a review export.", file=file_name,
                             hint=_EXPORT_INSTEAD)
    try:
        root = ET.fromstring(text.lstrip("\ufeff"))   # already decoded: its encoding declaration is moot
    except ET.ParseError as err:
        raise UnreadableFile(f"the file looks like XML but does not parse ({err}).", file=file_name,
                             hint=_EXPORT_INSTEAD) from err
    entries = root.findall(f"{_ATOM}entry") if root.tag == f"{_ATOM}feed" else []
    if not entries or not any(e.find(f"{_IM}rating") is not None for e in entries):
        raise UnreadableFile("this XML file is not an App Store customer-reviews feed.", file=file_name,
                             hint=_EXPORT_INSTEAD)
    rows, lines, skipped = [], [], 0
    for number, entry in enumerate(entries, start=1):
        if entry.find(f"{_IM}rating") is None:
            skipped += 1
            continue
        text_content = next((c.text or "" for c in entry.findall(f"{_ATOM}content") if c.get("type") != "html"), "")
        rows.append([_xml_text(entry, f"{_ATOM}id"), _xml_text(entry, f"{_ATOM}updated"),
                     _xml_text(entry, f"{_IM}rating"), _xml_text(entry, f"{_ATOM}title"), text_content.strip(),
                     _xml_text(entry, f"{_ATOM}author/{_ATOM}name"), _xml_text(entry, f"{_IM}version"),
                     _xml_text(entry, f"{_IM}voteSum")])
        lines.append(number)
    return _table(file_name, sha, "xml", encoding, _APP_STORE_COLUMNS, rows, lines, _APP_STORE_HINTS, "app-store",
                  _feed_notices(skipped), _feed_date(_xml_text(root, f"{_ATOM}updated")))


def _xml_text(node: ET.Element, path: str) -> str:
    found = node.find(path)
    return (found.text or "").strip() if found is not None else ""


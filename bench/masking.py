"""Masking quality: precision and recall of journey's personal-data masking on a labelled set.

    python bench/masking.py [--show]

The set is bench/labels/masking_dev.txt (the masker was tuned on it) and masking_heldout.txt (written
before the masker changed, scored only after): 250 Japanese and English comments in the style of real
survey and review answers, with personal data marked {{kind:text}} (name, phone, email, postal, url) and
many words that must stay (お蕎麦屋さん, パン屋さん, お坊さん, 朝倉氏, お客様, 様々, たくさん, prices, dates,
order numbers).

What is masked is read off the masker's output (the parts of the comment it replaced), so any masker
that maps text to text can be scored:
- recall: personal data items whose every character was masked (a name left half-masked is a miss, and
  counted again under "partly masked");
- precision: masked stretches that cover personal data, of all masked stretches (masking a word that
  must stay is a false positive).
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from journey.text import mask_pii  # noqa: E402

LABELS = ROOT / "bench" / "labels"
SETS = {"dev": LABELS / "masking_dev.txt", "held-out": LABELS / "masking_heldout.txt"}
_MARK = re.compile(r"\{\{(name|phone|email|postal|url):(.+?)\}\}")
KINDS = ("name", "phone", "email", "postal", "url")


@dataclass
class Comment:
    text: str
    entities: list[tuple[int, int, str]]   # start, end, kind in `text`


def read_set(path: Path) -> list[Comment]:
    """Comments of a labelled file: the text with the marks removed, and where each marked item sits."""
    comments = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        text, entities, last = "", [], 0
        for match in _MARK.finditer(line):
            text += line[last:match.start()]
            entities.append((len(text), len(text) + len(match.group(2)), match.group(1)))
            text += match.group(2)
            last = match.end()
        comments.append(Comment(text + line[last:], entities))
    return comments


_PLACEHOLDER = re.compile(r"\[(?:name|phone|email|postal|url)\]")


def masked_spans(text: str, masked: str) -> list[tuple[int, int]]:
    """Stretches of `text` the masker replaced by a placeholder ([name], [phone], …): the output read as
    its literal pieces with a masked stretch at each placeholder, matched against the original."""
    pieces = _PLACEHOLDER.split(masked)
    pattern = "(.+?)".join(re.escape(piece) for piece in pieces)
    match = re.fullmatch(pattern, text, re.S)
    if match is None:  # the masker changed more than placeholders: fall back to a character diff
        matcher = difflib.SequenceMatcher(None, text, masked, autojunk=False)
        return [(i1, i2) for tag, i1, i2, _, _ in matcher.get_opcodes() if tag in ("replace", "delete")]
    return [match.span(group) for group in range(1, len(pieces))]


@dataclass
class Score:
    items: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    caught: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    partly: int = 0
    spans: int = 0
    true_spans: int = 0
    misses: list[str] = field(default_factory=list)
    false: list[str] = field(default_factory=list)
    comments: int = 0

    @property
    def recall(self) -> float:
        return sum(self.caught.values()) / max(sum(self.items.values()), 1)

    @property
    def precision(self) -> float:
        return self.true_spans / max(self.spans, 1)


def score(comments: list[Comment], mask=mask_pii) -> Score:
    result = Score(comments=len(comments))
    for comment in comments:
        masked = mask(comment.text)
        spans = masked_spans(comment.text, masked)
        covered = {i for start, end in spans for i in range(start, end)}
        for start, end, kind in comment.entities:
            result.items[kind] += 1
            chars = set(range(start, end))
            if chars <= covered:
                result.caught[kind] += 1
            else:
                result.misses.append(f"{kind:6} {comment.text[start:end]!r:28} in {comment.text!r} → {masked!r}")
                result.partly += bool(chars & covered)
        for start, end in spans:
            result.spans += 1
            if any(start < e and s < end for s, e, _ in comment.entities):
                result.true_spans += 1
            else:
                result.false.append(f"{comment.text[start:end]!r:28} in {comment.text!r} → {masked!r}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", action="store_true", help="list every miss and false positive")
    args = parser.parse_args()
    print(f"{'set':9} {'comments':>8} {'items':>6} {'precision':>9} {'recall':>7}  "
          + "  ".join(f"{k:>11}" for k in KINDS) + "  partly masked")
    for name, path in SETS.items():
        result = score(read_set(path))
        kinds = "  ".join(f"{result.caught[k]:>4}/{result.items[k]:<3} " + " " * 2 for k in KINDS)
        print(f"{name:9} {result.comments:>8} {sum(result.items.values()):>6} {result.precision:>9.3f} "
              f"{result.recall:>7.3f}  {kinds}  {result.partly}")
        if args.show:
            for line in result.misses:
                print(f"  miss   {line}")
            for line in result.false:
                print(f"  false  {line}")


if __name__ == "__main__":
    main()

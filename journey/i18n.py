"""UI strings in Japanese and English. `t(key, lang, **values)` formats one."""

from __future__ import annotations

LANGS = ("ja", "en")

STRINGS: dict[str, dict[str, str]] = {
    "app.title": {"ja": "Journey Lens", "en": "Journey Lens"},
    "app.tagline": {"ja": "お客様の声をカスタマージャーニーに", "en": "Customer voices on the customer journey"},
    "app.language": {"ja": "表示言語", "en": "Language"},
    "app.db": {"ja": "データベース: {path}", "en": "Database: {path}"},
    "nav.overview": {"ja": "概要", "en": "Overview"},
    "nav.import": {"ja": "取り込み", "en": "Import"},
    "nav.review": {"ja": "確認・修正", "en": "Review"},
    "nav.taxonomy": {"ja": "分類の設定", "en": "Taxonomy"},
    "review.title": {"ja": "確認・修正", "en": "Review tags"},
    "review.intro": {"ja": "コメントごとのジャーニー段階・タッチポイント・感情を確認し、違っていれば直してください。"
                           "直した内容は再分類で上書きされず、次回の分類の学習データになります。",
                     "en": "Check each comment's journey stage, touchpoint and sentiment, and fix what is wrong. "
                           "Corrections are never overwritten by re-tagging and teach the next run."},
    "review.tag": {"ja": "分類する（新しいコメントを含めて再計算）", "en": "Tag now (new comments included)"},
    "review.tagging": {"ja": "分類中… {done}/{total} 件・残り約 {left} 秒", "en": "Tagging… {done}/{total} units, about {left} s left"},
    "review.tagged": {"ja": "{units} 件の文を {seconds:.1f} 秒で分類しました（未分類 {share:.0%}）",
                      "en": "Tagged {units} units in {seconds:.1f} s ({share:.0%} unclassified)"},
    "review.untagged": {"ja": "まだ分類されていないコメントがあります。", "en": "Some comments are not tagged yet."},
    "review.accuracy": {"ja": "修正済み {n} 件・あなたの修正から推定した正解率 {acc:.0%}（{folds} 分割交差検証）",
                        "en": "Labelled {n} · estimated accuracy now {acc:.0%} ({folds}-fold cross-validation on your labels)"},
    "review.accuracy_pending": {"ja": "修正済み {n} 件。各段階に3件ずつ以上修正すると、正解率の推定を表示します。",
                                "en": "Labelled {n}. Once two or more stages have 3 corrections each, an accuracy estimate appears here."},
    "review.queue": {"ja": "まず確認してほしいコメント（判断に迷ったもの・似たコメントが多いもの）",
                     "en": "Check these first (least certain, and each standing for many similar comments)"},
    "review.all": {"ja": "すべてのコメント", "en": "All comments"},
    "review.mode": {"ja": "表示", "en": "Show"},
    "review.save": {"ja": "修正を保存", "en": "Save corrections"},
    "review.saved": {"ja": "{n} 件の修正を保存しました。「分類する」で学習結果を反映します。",
                     "en": "Saved {n} corrections. Press Tag now to learn from them."},
    "review.filter_stage": {"ja": "段階で絞り込み", "en": "Filter by stage"},
    "review.none": {"ja": "確認するコメントはありません。", "en": "Nothing to review."},
    "col.stage": {"ja": "段階", "en": "Stage"},
    "col.touchpoint": {"ja": "タッチポイント", "en": "Touchpoint"},
    "col.sentiment": {"ja": "感情", "en": "Sentiment"},
    "col.certainty": {"ja": "確からしさ", "en": "Certainty"},
    "col.corrected": {"ja": "修正済み", "en": "Corrected"},
    "sentiment.positive": {"ja": "ポジティブ", "en": "positive"},
    "sentiment.neutral": {"ja": "中立", "en": "neutral"},
    "sentiment.negative": {"ja": "ネガティブ（不満）", "en": "negative"},
    "taxonomy.title": {"ja": "分類の設定", "en": "Taxonomy"},
    "taxonomy.intro": {"ja": "ジャーニーの段階とタッチポイントの名前・説明・例文を業種に合わせて編集できます。例文はお客様の言葉で書くほど分類が正確になります。"
                             "例文は「 / 」で区切ります。",
                       "en": "Edit the journey stages and touchpoints: labels, descriptions and example phrases. "
                             "Examples in your customers' own words make tagging far more accurate. Separate examples with ' / '."},
    "taxonomy.active": {"ja": "現在: {label}（バージョン {version}）", "en": "Active: {label} (version {version})"},
    "taxonomy.preset": {"ja": "業種プリセット", "en": "Industry preset"},
    "taxonomy.use_preset": {"ja": "このプリセットを使う", "en": "Use this preset"},
    "taxonomy.stages": {"ja": "段階", "en": "Stages"},
    "taxonomy.touchpoints": {"ja": "タッチポイント", "en": "Touchpoints"},
    "taxonomy.save": {"ja": "保存（新しいバージョン）", "en": "Save as a new version"},
    "taxonomy.saved": {"ja": "バージョン {version} を保存しました。「確認・修正」で再分類してください（埋め込みは再利用されるので数秒です）。",
                       "en": "Saved version {version}. Re-tag on the Review page (embeddings are reused, so it takes seconds)."},
    "empty.title": {"ja": "まだデータがありません", "en": "No data yet"},
    "empty.body": {"ja": "アンケートやレビューのエクスポート（CSV・TSV・Excel）を「取り込み」ページから読み込んでください。",
                   "en": "Import a survey or review export (CSV, TSV, Excel) on the Import page."},
    "empty.go": {"ja": "取り込みへ", "en": "Go to Import"},
    # Overview
    "overview.title": {"ja": "概要", "en": "Overview"},
    "overview.responses": {"ja": "回答・レビュー数", "en": "Responses"},
    "overview.comments": {"ja": "コメント数", "en": "Comments"},
    "overview.nps": {"ja": "NPS", "en": "NPS"},
    "overview.csat": {"ja": "CSAT（上位2段階の割合）", "en": "CSAT (top-two-box share)"},
    "overview.stars": {"ja": "平均評価（星）", "en": "Average stars"},
    "overview.n": {"ja": "n = {n}", "en": "n = {n}"},
    "overview.interval": {"ja": "95%区間 {low}〜{high}、n = {n}", "en": "95% interval {low} to {high}, n = {n}"},
    "overview.indicative": {"ja": "n < 30 のため参考値", "en": "n < 30: indicative only"},
    "overview.volume": {"ja": "月別の件数（取り込み元別）", "en": "Responses per month, by source"},
    "overview.latest": {"ja": "最近のコメント", "en": "Latest comments"},
    "overview.sources": {"ja": "取り込み元", "en": "Sources"},
    # Import
    "import.title": {"ja": "取り込み", "en": "Import"},
    "import.intro": {"ja": "Googleフォーム、SurveyMonkey、Typeform のアンケートや、Googleマップ・App Store・Google Play・"
                           "Amazon・楽天のレビューのエクスポートを読み込みます。文字コード（UTF-8、Shift_JIS/cp932、UTF-16）と"
                           "区切り文字は自動で判別します。",
                     "en": "Import survey exports (Google Forms, SurveyMonkey, Typeform) and review exports (Google Maps, "
                           "App Store, Google Play, Amazon, Rakuten). Encoding (UTF-8, Shift_JIS/cp932, UTF-16) and "
                           "delimiter are detected automatically."},
    "import.upload": {"ja": "ファイルを選択（複数可）", "en": "Choose files (several at once is fine)"},
    "import.file_summary": {"ja": "{rows} 行・{cols} 列・文字コード {encoding}・区切り {delimiter}",
                            "en": "{rows} rows · {cols} columns · encoding {encoding} · delimiter {delimiter}"},
    "import.mapping": {"ja": "列の役割（提案を確認し、必要なら変更してください）",
                       "en": "Column roles (check the suggestion and change any role)"},
    "import.column": {"ja": "列", "en": "Column"},
    "import.role": {"ja": "役割", "en": "Role"},
    "import.scale": {"ja": "尺度", "en": "Scale"},
    "import.reason": {"ja": "判断の理由", "en": "Why"},
    "import.sample": {"ja": "値の例", "en": "Sample values"},
    "import.preview": {"ja": "プレビュー（先頭 {n} 行）", "en": "Preview (first {n} rows)"},
    "import.mask": {"ja": "個人情報（メール・電話番号・住所・氏名）を表示用テキストで伏せる",
                    "en": "Mask personal data (e-mail, phone, address, names) in display text"},
    "import.button": {"ja": "取り込む", "en": "Import"},
    "import.button_all": {"ja": "すべて取り込む（{n} ファイル）", "en": "Import all ({n} files)"},
    "import.progress": {"ja": "{file} を取り込み中… {stage}", "en": "Importing {file}… {stage}"},
    "import.done": {"ja": "{file}: {loaded} 件を取り込みました（重複 {duplicates}・除外 {rejected}、全 {rows} 行）",
                    "en": "{file}: {loaded} loaded ({duplicates} duplicates, {rejected} rejected, of {rows} rows)"},
    "import.rejected": {"ja": "除外した行（行番号と理由）", "en": "Rejected rows (line and reason)"},
    "import.download_rejected": {"ja": "除外した行をダウンロード（CSV）", "en": "Download rejected rows (CSV)"},
    "import.failed": {"ja": "取り込めませんでした: {message}", "en": "Not imported: {message}"},
    "import.unchanged": {"ja": "データベースは変更されていません。", "en": "The database was not changed."},
    "import.history": {"ja": "取り込み履歴", "en": "Import history"},
    "import.no_history": {"ja": "まだ取り込みはありません。", "en": "Nothing imported yet."},
    "import.delete": {"ja": "この取り込みを削除", "en": "Delete this import"},
    "import.delete_pick": {"ja": "削除する取り込み", "en": "Import to delete"},
    "import.delete_confirm": {"ja": "{file} とその {loaded} 件を削除します。元に戻せません。",
                              "en": "This deletes {file} and its {loaded} responses. It cannot be undone."},
    "import.deleted": {"ja": "{file} を削除しました。", "en": "Deleted {file}."},
    "import.demo": {"ja": "デモデータを読み込む", "en": "Load the demo data"},
    "reject.field_count": {"ja": "{line} 行目: 列の数が見出しと合いません（区切り文字や引用符の崩れ）。",
                           "en": "line {line}: the number of fields does not match the header (a stray delimiter or quote)."},
    "reject.bad_date": {"ja": "{line} 行目・列「{column}」: 「{value}」は日付として読めません。",
                        "en": "line {line}, column '{column}': '{value}' is not a date we can read."},
    "reject.bad_score": {"ja": "{line} 行目・列「{column}」: 「{value}」はこの尺度の値ではありません。",
                         "en": "line {line}, column '{column}': '{value}' is not a value of this scale."},
    "reject.empty_row": {"ja": "{line} 行目: コメントもスコアもありません。",
                         "en": "line {line}: no comment and no score."},
    "role.id": {"ja": "ID", "en": "id"},
    "role.date": {"ja": "日時", "en": "date"},
    "role.comment": {"ja": "コメント（自由記述）", "en": "comment (free text)"},
    "role.title": {"ja": "タイトル", "en": "title"},
    "role.score": {"ja": "スコア", "en": "score"},
    "role.customer": {"ja": "顧客", "en": "customer"},
    "role.segment": {"ja": "セグメント", "en": "segment"},
    "role.touchpoint": {"ja": "タッチポイント", "en": "touchpoint"},
    "role.ignore": {"ja": "使わない", "en": "ignore"},
    "col.file": {"ja": "ファイル", "en": "File"},
    "col.when": {"ja": "取り込み日時", "en": "Imported at"},
    "col.rows": {"ja": "行数", "en": "Rows"},
    "col.loaded": {"ja": "取り込み", "en": "Loaded"},
    "col.duplicates": {"ja": "重複", "en": "Duplicates"},
    "col.rejected": {"ja": "除外", "en": "Rejected"},
    "col.encoding": {"ja": "文字コード", "en": "Encoding"},
    "col.format": {"ja": "形式", "en": "Format"},
    "col.line": {"ja": "行", "en": "Line"},
    "col.reason": {"ja": "理由", "en": "Reason"},
    "col.date": {"ja": "日付", "en": "Date"},
    "col.question": {"ja": "設問", "en": "Question"},
    "col.text": {"ja": "コメント", "en": "Comment"},
    "col.source": {"ja": "取り込み元", "en": "Source"},
    "col.month": {"ja": "月", "en": "Month"},
    "col.count": {"ja": "件数", "en": "Count"},
}


def t(key: str, lang: str = "ja", **values: object) -> str:
    """The string for `key` in `lang` (falling back to English, then the key), formatted with `values`."""
    entry = STRINGS.get(key)
    if entry is None:
        return key
    text = entry.get(lang) or entry.get("en") or key
    return text.format(**values) if values else text


def pick_lang(locale: str | None) -> str:
    """'ja' for Japanese browser locales, 'en' otherwise."""
    return "ja" if (locale or "").lower().startswith("ja") else "en"

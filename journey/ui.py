"""The Streamlit glue: the router and page_setup() (every page calls it first), sign-in, language, filters in
the URL, cached model and reads, the verbatim viewer, chart downloads."""

from __future__ import annotations

import importlib
import logging
import re
import threading
import time
import types
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Iterator

import altair as alt
import duckdb
import numpy as np
import pandas as pd
import streamlit as st

from journey import actions, auth, exporting, failures, jobs, personas, throttle
from journey.config import PROJECT_ROOT, Settings, load_settings
from journey.embed import Embedder, get_embedder
from journey.filters import Filters, Window, clamp_day, clamp_range
from journey.i18n import LANGS, pick_lang, t
from journey.ingest import RawTable, read_export
from journey.store import actions as action_store
from journey.store import connection, dashboard, keys, tags
from journey.store import personas as persona_store
from journey.store import review as review_store
from journey.taxonomy import UNCLASSIFIED, Taxonomy, load_preset

_LOG = logging.getLogger(__name__)


@dataclass
class Page:
    """What a page needs: the UI language, the settings, the signed-in role, and a way to open the database
    this session looks at (the owner's, or the demo's while the session explores it)."""

    lang: str
    settings: Settings
    role: str = "viewer"
    db_path: Path | None = None
    demo: bool = False

    def t(self, key: str, **values: object) -> str:
        return t(key, self.lang, **values)

    @property
    def path(self) -> Path:
        """The database file this page reads and writes."""
        return self.db_path or self.settings.db_path

    @contextmanager
    def db(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with connection.Database(self.path).connect() as con:
            yield con


# Markdown (and Streamlit's :color[...] and :icon: directives) in text from data — column headers, file
# names, segment values, taxonomy labels, comments — would render as bold, links or external images;
# every ASCII punctuation mark is backslash-escaped, and a word joiner after "http", "www" and "@" stops
# GitHub-style autolinks, so such text shows exactly as written.
_MARKDOWN_PUNCTUATION = re.compile(r"([\\!\"#$%&'()*+,\-./:;<=>?@\[\]^_`{|}~])")
_AUTOLINK = re.compile(r"(?i)(https?|ftp|www|@)")


def plain(text: object) -> str:
    """`text` for st.markdown, captions, alerts and widget labels, shown literally (never as Markdown)."""
    escaped = _MARKDOWN_PUNCTUATION.sub(r"\\\1", str(text))
    return _AUTOLINK.sub(lambda m: m.group(1) + "\u2060", escaped)


def current_lang() -> str:
    """The chosen language: the session's choice, else the browser's locale."""
    if "lang" not in st.session_state:
        st.session_state["lang"] = pick_lang(st.context.locale)
    return st.session_state["lang"]


# --- the router and the gate every page passes -----------------------------------------------------


@dataclass(frozen=True)
class PageSpec:
    """One page: its file in pages/, its URL (stable, so links keep working), title and icon."""

    file: str
    url_path: str
    title_key: str
    icon: str
    editor_only: bool = False


PAGES_DIR = PROJECT_ROOT / "pages"
PAGES = [
    PageSpec("1_journey.py", "journey", "nav.map", ":material/route:"),
    PageSpec("2_stage.py", "stage", "nav.stage", ":material/zoom_in:"),
    PageSpec("3_trends.py", "trends", "nav.trends", ":material/trending_up:"),
    PageSpec("4_weekly.py", "weekly", "nav.weekly", ":material/summarize:"),
    PageSpec("5_overview.py", "overview", "nav.overview", ":material/dashboard:"),
    PageSpec("6_review.py", "review", "nav.review", ":material/fact_check:", editor_only=True),
    PageSpec("7_taxonomy.py", "taxonomy", "nav.taxonomy", ":material/category:", editor_only=True),
    PageSpec("8_import.py", "import", "nav.import", ":material/upload_file:", editor_only=True),
    PageSpec("9_funnel.py", "funnel", "nav.funnel", ":material/filter_alt:"),
    PageSpec("10_actions.py", "actions", "nav.actions", ":material/build:"),
    PageSpec("11_personas.py", "personas", "nav.personas", ":material/groups:"),
]

# The role the router established in this script run; None when a page runs without it.
_routed_role: ContextVar[str | None] = ContextVar("journey_routed_role", default=None)
# The database the router chose for this run (the owner's or the demo's).
_routed_db: ContextVar[tuple[Path, bool] | None] = ContextVar("journey_routed_db", default=None)


def page_file(url_path: str) -> str:
    """The absolute path of a page's file, for st.page_link (right whichever script Streamlit started from)."""
    return str(PAGES_DIR / next(p.file for p in PAGES if p.url_path == url_path))


def navigation_pages(role: str, lang: str) -> list:
    """The pages `role` may open, as st.Page objects; editor pages are left out for everyone else."""
    return [st.Page(PAGES_DIR / p.file, title=t(p.title_key, lang), icon=p.icon, url_path=p.url_path,
                    default=number == 0)
            for number, p in enumerate(PAGES) if role == "editor" or not p.editor_only]


def route() -> None:
    """The router (app.py runs it on every run): layout, sign-in, the pages this role may open, the shared
    sidebar, then the page asked for; a page not offered to this role is never run.

    Before sign-in every page is registered but hidden and none is run: no menu on the sign-in screen, and
    the URL asked for (/import) is still there once signed in. st.navigation comes before anything is
    drawn: Streamlit ties a widget's identity to the script it runs under, which from then on is app.py's
    even when a page handed the run over, so a sign-in form shown under Streamlit's pages/ routing still
    works when submitted under the router.
    """
    st.set_page_config(page_title="Journey Lens", page_icon=":material/route:", layout="wide")
    lang = current_lang()
    try:
        _route(lang)
    except Exception as err:
        failure = failures.classify(err, load_settings().db_path)
        if failure is None:
            raise  # a bug: Streamlit shows it as usual
        _LOG.warning("page stopped: %s", failure, exc_info=err)  # the details stay in the server's log
        st.error(plain(failures.user_line(failure, lang)), icon=":material/error:")


def _route(lang: str) -> None:
    config = auth.read_config(_secrets())
    role = signed_in_role(config)
    if role is None:
        st.navigation(navigation_pages("editor", lang), position="hidden")
        sign_in_screen(config, lang)
        st.stop()
    navigation = st.navigation(navigation_pages(role, lang))
    settings = load_settings()
    if navigation.url_path == "import":
        # Imports always go into the owner's own database, and the owner's data is what they see next.
        st.session_state.pop("use_demo", None)
    owner = owner_data(settings.db_path)
    db_path, demo = (settings.db_path, False) if navigation.url_path == "import" else session_database(settings, owner)
    account_sidebar(config, role, lang)
    sidebar(db_path)
    with st.sidebar:
        demo_sidebar(settings, owner, role, lang, demo)
        job_status(db_path, lang)
    token, db_token = _routed_role.set(role), _routed_db.set((db_path, demo))
    try:
        with _dashboard_turn(navigation.url_path, lang):
            navigation.run()
    finally:
        _routed_role.reset(token)
        _routed_db.reset(db_token)
        _drop_page_data()


# A page's module outlives its run: the module's globals and the functions defined in the page (lambdas
# for widgets) refer to each other, so it waits, with every frame the page made, for Python's cycle
# collector, whose full passes are rare; with many sessions these piled up (10 sessions on Trends at 100k
# comments: 1.0 GB, 0.6 GB without). Streamlit makes that module inside StreamlitPage.run(); the stand-in
# for its `types` below notes which module this thread's page runs in, and after the run the frames and
# arrays in it are dropped (functions, constants and the page context stay: a download button's lambda
# may still use them).
_page_module: ContextVar[types.ModuleType | None] = ContextVar("journey_page_module", default=None)


class _NotingModuleTypes:
    """`types` as streamlit.navigation.page sees it: ModuleType also notes the module made for a page."""

    def __getattr__(self, name: str):
        return getattr(types, name)

    @staticmethod
    def ModuleType(name: str, doc: str | None = None) -> types.ModuleType:  # noqa: N802 (types' own name)
        module = types.ModuleType(name, doc)
        _page_module.set(module)
        return module


# (st.navigation, a function, hides the package of the same name from `import streamlit.navigation.page`.)
_streamlit_page = importlib.import_module("streamlit.navigation.page")
if getattr(_streamlit_page, "types", None) is types:
    _streamlit_page.types = _NotingModuleTypes()


def _drop_page_data() -> None:
    """Drop the data frames and arrays the page that just ran left in its module."""
    module = _page_module.get()
    _page_module.set(None)
    if module is None:
        return
    heavy = (pd.DataFrame, pd.Series, np.ndarray)
    for name, value in list(vars(module).items()):
        if isinstance(value, heavy) or (isinstance(value, tuple) and any(isinstance(v, heavy) for v in value)):
            del vars(module)[name]


# A dashboard works on frames of every comment in the period; twenty sessions computing them at once
# held 3.7 GB at 100k comments. Only this many dashboard runs compute at a time, the others wait their
# turn: the work is CPU-bound and mostly holds the GIL, so on 2 cores waiting costs them next to nothing,
# and the first in line is drawn sooner. (The editor pages' long actions, tagging and importing, keep
# their own pace.)
_DASHBOARD_TURNS = threading.BoundedSemaphore(load_settings().concurrent_pages)


@contextmanager
def _dashboard_turn(url_path: str, lang: str) -> Iterator[None]:
    """Hold one of the dashboard turns while a dashboard page runs (a waiting note when all are taken)."""
    if any(p.url_path == url_path and p.editor_only for p in PAGES):
        yield
        return
    if not _DASHBOARD_TURNS.acquire(blocking=False):
        with st.spinner(t("app.waiting", lang)):
            _DASHBOARD_TURNS.acquire()
    try:
        yield
    finally:
        _DASHBOARD_TURNS.release()


def page_setup(editor_only: bool = False) -> Page:
    """Call first on every page: sign-in, role check and layout; returns the page context.

    Streamlit serves a file in pages/ directly, without app.py, on a deep link (/import) to a server where
    no session has run st.navigation yet. Such a run is handed to the router here and stops when the
    router is done, so sign-in, the role's pages and the layout are the same whichever way a page is
    reached. An editor page (`editor_only`) also checks the role itself, and stops for anyone else.
    """
    role = _routed_role.get()
    if role is None:
        route()
        st.stop()
    lang = current_lang()
    if editor_only and role != "editor":
        st.error(t("auth.editors_only", lang))
        st.stop()
    settings = load_settings()
    db_path, demo = _routed_db.get() or (settings.db_path, False)
    return Page(lang, settings, role, db_path, demo)


def sidebar(db_path: Path) -> None:
    """Shared sidebar: language switch and the database this page reads (the demo's, while it is shown)."""
    lang = current_lang()
    with st.sidebar:
        # Bound to the "lang" key itself, so the choice and current_lang() can never disagree.
        st.segmented_control(t("app.language", lang), LANGS, key="lang", required=True, persist_state="session",
                             format_func=lambda code: {"ja": "日本語", "en": "English"}[code])
        st.caption(t("app.db", lang, path=plain(db_path.name)))


# --- the demo's own database -------------------------------------------------------------------------


@dataclass(frozen=True)
class OwnerData:
    """What the owner's database holds, read once per run: any import at all, and any of the demo's files."""

    has_imports: bool
    demo_files: int = 0
    demo_rows: int = 0


def owner_data(path: Path) -> OwnerData:
    """OwnerData of the owner's database, in one short read (never creates the file)."""
    from journey import demo

    if not Path(path).exists():
        return OwnerData(False)
    with connection.Database(Path(path)).connect() as con:
        mixed = demo.demo_imports(con)
        count = connection.scalar(con, "SELECT count(*) FROM imports")
    return OwnerData(bool(count), len(mixed), int(mixed["loaded"].sum()))


def session_database(settings: Settings, owner: OwnerData) -> tuple[Path, bool]:
    """(database, is it the demo) for this session: the demo while the owner's database is still empty (or
    while the session chose to look at it), the owner's otherwise. The demo is never written into the
    owner's database."""
    if not settings.demo_db_path.exists():
        return settings.db_path, False
    choice = st.session_state.get("use_demo")
    demo = (not owner.has_imports) if choice is None else bool(choice)
    return (settings.demo_db_path, True) if demo else (settings.db_path, False)


def _use_demo(value: bool | None) -> None:
    st.session_state["use_demo"] = value


def _remove_demo(path: Path) -> None:
    from journey import demo

    with connection.Database(path).connect() as con:
        st.session_state["demo-removed"] = demo.remove_demo(con)


def demo_sidebar(settings: Settings, owner: OwnerData, role: str, lang: str, demo: bool) -> None:
    """Which data the session sees: the demo (with the way to the owner's own), or the owner's (with the way
    to the demo); and, for editors, one click that removes demo files an older version loaded into the
    owner's database."""
    if demo:
        st.info(t("demo.viewing", lang))
        if owner.has_imports:
            st.button(t("demo.back", lang), key="demo-back", on_click=_use_demo, args=(False,))
        elif role == "editor":
            st.page_link(page_file("import"), label=t("empty.go", lang), icon=":material/upload_file:")
        return
    if settings.demo_db_path.exists():
        st.button(t("demo.show", lang), key="demo-show", on_click=_use_demo, args=(True,), type="tertiary")
    if role != "editor":
        return
    removed = st.session_state.pop("demo-removed", None)
    if removed:
        st.success(t("demo.removed", lang, n=removed))
    if owner.demo_files:
        st.warning(t("demo.mixed", lang, files=owner.demo_files, rows=owner.demo_rows))
        st.button(t("demo.remove", lang), key="demo-remove", on_click=_remove_demo, args=(settings.db_path,))


# --- the tagging job, shown on every page ----------------------------------------------------------------


def start_tagging(path: Path, embedder_name: str, preset: str | None = None) -> None:
    """Start the background tagging job (a button's on_click); a running job is left alone."""
    from journey.errors import JobAlreadyRunning

    try:
        jobs.start_tagging(path, embedder_name, preset, after=lambda: warm_review(path, embedder_name))
    except JobAlreadyRunning:
        pass


def job_text(state: "jobs.JobState", lang: str) -> str:
    """One line saying what the job is doing, honestly: counts while embedding, the phase otherwise."""
    elapsed = int(time.time() - state.phase_started)
    if state.phase == "embedding":
        left = state.seconds_left()
        return t("job.embedding", lang, done=f"{state.done:,}", total=f"{state.total:,}",
                 left=t("job.left_unknown", lang) if left is None else t("job.left", lang, time=duration(left, lang)))
    if state.phase in ("scoring", "saving"):
        return t(f"job.{state.phase}", lang, units=f"{state.total:,}", seconds=elapsed)
    return t("job.preparing", lang, seconds=elapsed)


def duration(seconds: float, lang: str) -> str:
    """About how long, in words: seconds under two minutes, minutes under two hours, else hours."""
    if seconds < 120:
        return t("job.seconds", lang, n=max(int(round(seconds)), 1))
    if seconds < 7200:
        return t("job.minutes", lang, n=int(round(seconds / 60)))
    return t("job.hours", lang, n=round(seconds / 3600, 1))


def tagging_panel(page: Page) -> None:
    """The Review page's tagging: the job's progress while it runs (refreshed every second), else what the
    last run did, what is left untagged, and the button that starts a run."""
    state = jobs.read_state(page.path)
    busy = state is not None and state.status == jobs.RUNNING
    st.fragment(_tagging_panel, run_every=1.0 if busy else None)(page)
    if not busy:
        with page.db() as con:
            untagged = review_store.counts(con)["untagged"]
        st.button(page.t("review.tag"), type="primary" if untagged else "secondary", key="tag-now",
                  icon=":material/play_arrow:", on_click=start_tagging, args=(page.path, page.settings.embedder))


def _tagging_panel(page: Page) -> None:
    state = jobs.read_state(page.path)
    if state is not None and state.status == jobs.RUNNING:
        st.progress(state.fraction or 0.0, text=f"{page.t('job.title')}: {job_text(state, page.lang)}")
        st.caption(page.t("job.leave"))
        return
    if state is not None and state.status == jobs.DONE and state.summary:
        done = state.summary
        if time.time() - (state.finished_at or 0) < 900:
            st.success(page.t("review.tagged", units=f"{done['units']:,}", embedded=f"{done['embedded']:,}",
                              seconds=duration(done["seconds"], page.lang), share=done["unclassified_share"]))
        else:
            when = datetime.fromtimestamp(state.finished_at or state.started_at).strftime("%Y-%m-%d %H:%M")
            st.caption(page.t("review.tagged_before", when=when, units=f"{done['units']:,}",
                              share=done["unclassified_share"]))
    elif state is not None and state.status == jobs.FAILED:
        st.error(page.t("job.failed", error=state.error or ""))
    with page.db() as con:
        untagged = review_store.counts(con)["untagged"]
    if untagged:
        st.warning(page.t("review.untagged", n=f"{untagged:,}"))


def job_status(path: Path, lang: str) -> None:
    """The tagging job's progress, on every page (in the sidebar): refreshed every second while a job runs
    and every few seconds otherwise, so a run started elsewhere (the CLI) shows up too. An interrupted job
    is resumed; when a job finishes the whole page is redrawn with the new tags."""
    state = jobs.read_state(path)
    busy = state is not None and state.status == jobs.RUNNING
    st.fragment(_job_status, run_every=1.0 if busy else 5.0)(path, lang)


def _job_status(path: Path, lang: str) -> None:
    state = jobs.read_state(path)
    if state is not None and state.interrupted:
        name = state.embedder or load_settings().embedder
        state = jobs.resume_interrupted(path, after=lambda: warm_review(path, name)) or jobs.read_state(path)
    if state is None:
        return
    if state.status == jobs.RUNNING:
        st.progress(state.fraction or 0.0, text=f"{t('job.title', lang)}: {job_text(state, lang)}")
        if state.resumed_from:
            st.caption(t("job.resumed", lang))
    elif state.status == jobs.FAILED and time.time() - (state.finished_at or 0) < 3600:
        st.error(t("job.failed", lang, error=state.error or ""))
    seen = st.session_state.get("job-seen")
    st.session_state["job-seen"] = (state.id, state.status)
    started = state.status == jobs.RUNNING and seen != (state.id, jobs.RUNNING)
    finished = seen == (state.id, jobs.RUNNING) and state.status != jobs.RUNNING
    if seen is not None and (started or finished):
        # Started elsewhere: poll every second from now on. Finished: redraw the page over the new tags.
        st.rerun()


@st.cache_resource(show_spinner=False)
def embedder(name: str) -> Embedder:
    """The embedding model, loaded once per process and shared by every session."""
    return get_embedder(name)


def _css_text(text: str) -> str:
    """A CSS string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def localise_uploader(page: Page, max_mb: int, types: str) -> None:
    """st.file_uploader writes its button ("Upload") and limits ("200MB per file • CSV") in English whatever
    the language, with no parameter to change them; in Japanese a style rule shows the page's own words in
    their place. Only fixed UI strings go into the rule, never anything from the data."""
    if page.lang == "en":
        return
    limit = min(max_mb, int(st.get_option("server.maxUploadSize")))
    browse = _css_text(page.t("import.browse"))
    limits = _css_text(page.t("import.limits", mb=limit, types=types))
    st.html(f"""<style>
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p {{font-size: 0;}}
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p::after {{
  content: {browse}; font-size: 0.875rem;}}
[data-testid="stFileUploaderDropzoneInstructions"] span {{font-size: 0;}}
[data-testid="stFileUploaderDropzoneInstructions"] span::after {{content: {limits}; font-size: 0.75rem;}}
</style>""")


@st.cache_data(max_entries=8, show_spinner=False)
def read_upload(data: bytes, name: str, max_bytes: int) -> RawTable:
    """read_export for an uploaded file, cached so widget changes do not re-read it."""
    return read_export(data, name, max_bytes=max_bytes)


def has_data(page: Page) -> bool:
    """True when at least one import exists."""
    with page.db() as con:
        return bool(connection.scalar(con, "SELECT count(*) FROM imports"))


def empty_state(page: Page) -> None:
    """The friendly "import data first" path."""
    st.info(f"**{page.t('empty.title')}** — {page.t('empty.body')}")
    if page.role == "editor":  # viewers have no Import page to go to
        st.page_link(page_file("import"), label=page.t("empty.go"), icon=":material/upload_file:")


def active_taxonomy(page: Page) -> Taxonomy:
    """The taxonomy the shown tags were made with (until a re-tag, a newer version's names would be wrong
    for them); the newest version before any tagging, the default preset before any version."""
    with page.db() as con:
        version = tags.tagged_version(con)
        active = (tags.taxonomy_at(con, version) if version else None) or tags.active_taxonomy(con)
    return Taxonomy.from_json(active[2]) if active else load_preset("default")


def taxonomy_name(data: str, lang: str) -> str:
    taxonomy = Taxonomy.from_json(data)
    return taxonomy.label.get(lang) or taxonomy.label.get("en") or taxonomy.key


def tagging_notice(page: Page) -> None:
    """Says when the tags are out of date: a job is tagging now, or the tags were made with an older
    taxonomy version than the active one (with one click to re-tag, for editors)."""
    state = jobs.read_state(page.path)
    if state is not None and state.status == jobs.RUNNING:
        st.info(page.t("tags.job_running"))
        return
    with page.db() as con:
        tagged = tags.tagged_version(con)
        active = tags.active_taxonomy(con)
        old = tags.taxonomy_at(con, tagged) if tagged else None
    if tagged is None or active is None or old is None or tagged >= active[0]:
        return
    st.warning(page.t("tags.stale", old=tagged, old_name=taxonomy_name(old[2], page.lang), new=active[0],
                      new_name=taxonomy_name(active[2], page.lang)))
    if page.role == "editor":
        st.button(page.t("tags.retag"), key="retag-now", type="primary", icon=":material/sync:",
                  on_click=start_tagging, args=(page.path, page.settings.embedder))
def describe_filters(page: Page, filters: Filters) -> str:
    """The active filters in the page's language, keys shown as labels (captions, chart footers)."""
    stage_labels, touch_labels = labels_for(active_taxonomy(page), page.lang)
    feelings = {k: page.t(f"sentiment.{k}") for k in ("positive", "neutral", "negative")}
    join = "、".join if page.lang == "ja" else ", ".join
    parts = [f"{filters.start or '…'} – {filters.end or '…'}"] if filters.start or filters.end else []
    for label, values, names in (("filters.sources", filters.sources, {}), ("filters.questions", filters.questions, {}),
                                 ("filters.stages", filters.stages, stage_labels),
                                 ("filters.touchpoints", filters.touchpoints, touch_labels),
                                 ("filters.sentiments", filters.sentiments, feelings)):
        if values:
            parts.append(f"{page.t(label)}: {join(names.get(v, v) for v in values)}")
    if filters.segment and filters.segment_values:
        parts.append(f"{filters.segment}: {join(filters.segment_values)}")
    return " · ".join(parts) or page.t("filters.everything")


def labels_for(taxonomy: Taxonomy, lang: str) -> tuple[dict[str, str], dict[str, str]]:
    """(stage key → label, touchpoint key → label) in `lang`, unclassified included."""
    stages = {k: taxonomy.stage_label(k, lang) for k in taxonomy.stage_keys() + [UNCLASSIFIED]}
    touchpoints = {k: taxonomy.touchpoint_label(k, lang) for k in taxonomy.touchpoint_keys() + [UNCLASSIFIED]}
    return stages, touchpoints


# URL state. Streamlit's own bind="query-params" writes a widget's *label* into the URL, which differs
# per language; links must carry keys (stage=purchase) so a copied link opens the same view for anyone.


URL_NOTES = "_url_notes"
# Each URL key with the label of the widget it sets (for the notice when a link does not fit the data).
URL_LABELS = {"dates": "filters.dates", "source": "filters.sources", "question": "filters.questions",
              "seg": "filters.segment", "segv": "filters.segment_values", "stage": "filters.stages",
              "touchpoint": "filters.touchpoints", "sentiment": "filters.sentiments", "measure": "map.measure",
              "curve": "map.curve_measure", "split": "map.split", "focus": "col.stage", "freq": "trends.freq",
              "by": "trends.by", "tmeasure": "trends.measure", "change": "trends.change_date",
              "weekly-dates": "filters.dates"}


def _note_adjusted(key: str) -> None:
    """Remember that the value of `key` (from a link or an earlier view) did not fit the data."""
    notes = st.session_state.setdefault(URL_NOTES, [])
    if key not in notes:
        notes.append(key)


def seed_from_url(key: str, kind: str = "str", options: list | None = None) -> None:
    """Before a widget is created: on a session's first sight of `key`, take its value from the URL.

    kind: "str" (one value), "list" (several), "dates" (ISO dates), "date" (one ISO date), "bool" (1/true).
    Values the data does not have (an unknown stage, a mangled date) are dropped and noted for
    show_url_notes().
    """
    if key in st.session_state or key not in st.query_params:
        return
    raw = st.query_params.get_all(key)
    try:
        if kind in ("dates", "date"):
            values = [date.fromisoformat(v) for v in raw][:2]
            value = tuple(values) if kind == "dates" else values[0]
        elif kind == "list":
            value = [v for v in raw if options is None or v in options]
        elif kind == "bool":
            value = True if raw and raw[0].lower() in ("1", "true") else None
        else:
            value = raw[0] if raw and (options is None or raw[0] in options) else None
    except (ValueError, IndexError):
        _note_adjusted(key)
        return  # a mangled link falls back to the defaults
    if (kind == "list" and len(value) < len([v for v in raw if v])) or (kind == "str" and value is None and raw[0]):
        _note_adjusted(key)
    if value not in (None, [], ()):
        st.session_state[key] = value


def keep_dates_in(key: str, window: Window, single: bool = False) -> None:
    """Before a date widget: the value the session holds for `key` (from a link, or a view of data that has
    since changed) is moved inside the data's dates, or dropped for the default when wholly outside, and
    noted; Streamlit would otherwise stop the page with a value error."""
    held = st.session_state.get(key)
    if held is None or not window.first:
        return
    if single:
        fitted = clamp_day(window, held)
    else:
        days = tuple(held) if isinstance(held, (list, tuple)) else (held,)
        fitted = clamp_range(window, days)
        if fitted is not None and fitted == days:
            return
    if fitted == held:
        return
    _note_adjusted(key)
    if fitted is None:
        del st.session_state[key]
    else:
        st.session_state[key] = fitted


def show_url_notes(page: "Page", window: Window | None = None) -> None:
    """One notice naming every setting that was changed to fit the data (then forgotten)."""
    notes = st.session_state.pop(URL_NOTES, [])
    if not notes:
        return
    names = "、".join(page.t(URL_LABELS.get(k, k)) for k in notes) if page.lang == "ja" else \
        ", ".join(page.t(URL_LABELS.get(k, k)) for k in notes)
    text = page.t("url.adjusted", what=names)
    if window is not None and window.first and {"dates", "change", "weekly-dates"} & set(notes):
        text += " " + page.t("url.data_dates", first=window.first, last=window.last)
    st.info(text, icon=":material/link:")


def default_unless_set(key: str, default: object) -> dict:
    """`value`/`default` keyword for a widget unless its state was already set (avoids Streamlit's
    double-default warning)."""
    return {} if key in st.session_state else {"default": default}


def write_url(keys: list[str]) -> None:
    """Put the current values of these widget keys into the URL (keys, never labels)."""
    params: dict[str, str | list[str]] = {}
    for key in keys:
        value = st.session_state.get(key)
        if value is False or value in (None, "", [], ()):
            continue
        if isinstance(value, (list, tuple)):
            params[key] = [v.isoformat() if isinstance(v, date) else str(v) for v in value]
        else:
            params[key] = value.isoformat() if isinstance(value, date) else str(value)
    if dict(st.query_params.to_dict()) != {k: (v[-1] if isinstance(v, list) else v) for k, v in params.items()}:
        st.query_params.from_dict(params)


FILTER_KEYS = ["dates", "undated", "source", "question", "seg", "segv", "persona", "stage", "touchpoint", "sentiment"]


def dashboard_filters(page: Page, taxonomy: Taxonomy) -> Filters:
    """The shared filters in the sidebar; their keys go into the URL so a copied link opens the same view."""
    with page.db() as con:
        window = dashboard.data_window(con)
        options = dashboard.filter_options(con)
        undated = dashboard.undated_responses(con)
    saved = saved_personas(page)
    stage_labels, touch_labels = labels_for(taxonomy, page.lang)
    sentiments = ["positive", "neutral", "negative"]
    seed_from_url("dates", "dates")
    seed_from_url("undated", "bool")
    seed_from_url("source", "list", options["sources"])
    seed_from_url("question", "list", options["questions"])
    seed_from_url("seg", "str", list(options["segments"]))
    seed_from_url("segv", "list", options["segments"].get(st.session_state.get("seg"), []))
    seed_from_url("persona", "str", [str(p.id) for p in saved])
    seed_from_url("stage", "list", list(stage_labels))
    seed_from_url("touchpoint", "list", list(touch_labels))
    seed_from_url("sentiment", "list", sentiments)
    keep = {"persist_state": "session"}
    every = {"placeholder": page.t("filters.all")}
    with st.sidebar:
        st.markdown(f"**{page.t('filters.title')}**")
        keep_dates_in("dates", window)
        start, end = window.default_range(30)
        follow_newest_data("dates", (start, end) if start else None, str(page.path))
        value = {} if "dates" in st.session_state else {"value": (start, end) if start else None}
        dates = st.date_input(page.t("filters.dates"), min_value=window.first, max_value=window.last, key="dates",
                              **value, **keep)
        include_undated = st.checkbox(page.t("filters.undated", n=f"{undated:,}"), key="undated", **keep) \
            if undated and window.first else False
        sources = st.multiselect(page.t("filters.sources"), options["sources"], key="source", **every, **keep)
        questions = st.multiselect(page.t("filters.questions"), options["questions"], key="question", **every,
                                   **keep)
        segment = st.selectbox(page.t("filters.segment"), [""] + list(options["segments"]), key="seg",
                               format_func=lambda s: s or "—", **keep)
        values = st.multiselect(page.t("filters.segment_values"), options["segments"].get(segment, []),
                                key="segv", **every, **keep) if segment else []
        by_id = {str(p.id): p for p in saved}
        if st.session_state.get("persona") not in ("", None, *by_id):
            del st.session_state["persona"]  # a persona deleted since this session chose it
        chosen = st.selectbox(page.t("filters.persona"), [""] + list(by_id), key="persona",
                              format_func=lambda i: by_id[i].name if i in by_id else "—", **keep) if saved else ""
        stages = st.multiselect(page.t("filters.stages"), list(stage_labels), format_func=stage_labels.get,
                                key="stage", **every, **keep)
        touchpoints = st.multiselect(page.t("filters.touchpoints"), list(touch_labels),
                                     format_func=touch_labels.get, key="touchpoint", **every, **keep)
        feelings = st.multiselect(page.t("filters.sentiments"), sentiments,
                                  format_func=lambda k: page.t(f"sentiment.{k}"), key="sentiment", **every, **keep)
    show_url_notes(page, window)
    dates = tuple(dates) if isinstance(dates, (list, tuple)) else ((dates,) if dates else ())
    chosen_filters = Filters(start=dates[0] if dates else None,
                             end=dates[1] if len(dates) > 1 else (dates[0] if dates else None),
                             sources=tuple(sources), questions=tuple(questions), segment=segment or None,
                             segment_values=tuple(values), stages=tuple(stages), touchpoints=tuple(touchpoints),
                             sentiments=tuple(feelings), undated=bool(include_undated))
    return personas.with_persona(chosen_filters, by_id.get(chosen) if saved else None)


def follow_newest_data(key: str, default: tuple[date, date] | None, scope: str) -> None:
    """Before the date widget: a range the owner never moved follows the data (the last 30 days of the
    newest data after an import), and another database (the demo, the owner's) starts from its own."""
    applied = st.session_state.get(f"{key}-applied")
    st.session_state[f"{key}-applied"] = (scope, default)
    if applied is None or applied == (scope, default):
        return
    current = st.session_state.get(key)
    untouched = tuple(current or ()) == tuple(applied[1] or ())
    if applied[0] != scope or untouched:
        if default is None:
            st.session_state.pop(key, None)
        else:
            st.session_state[key] = default


def saved_personas(page: Page) -> list[personas.Persona]:
    """Every saved persona, in the order made."""
    with page.db() as con:
        return personas.from_frame(persona_store.list_personas(con))


def saved_actions(page: Page) -> list[actions.Action]:
    """Every improvement action, numbered in date order."""
    with page.db() as con:
        return actions.from_frame(action_store.list_actions(con))


@st.cache_data(max_entries=64, show_spinner=False)
def facts(db_path: str, version: tuple, filters: Filters) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(comments, responses) matching the filters; cached per data version, so edits show at once."""
    with connection.Database(Path(db_path)).connect() as con:
        comments = dashboard.comment_facts(con, filters)
        responses = dashboard.response_facts(con, filters)
    if filters.has_comment_filters():
        responses = responses[responses["response_id"].isin(comments["response_id"])]
    return comments, responses


def load_facts(page: Page, filters: Filters) -> tuple[pd.DataFrame, pd.DataFrame]:
    with page.db() as con:
        version = dashboard.data_version(con)
    return facts(str(page.path), version, filters)


def estimate_note(page: Page, estimate) -> str:
    """"95% interval low–high, n = N", and "indicative" below n = 30, for a figure's caption."""
    shown = "{:+.0f}" if estimate.kind in ("nps", "net") else ("{:.0f}%" if estimate.kind == "share" else "{:.2f}")
    note = page.t("overview.interval", low=shown.format(estimate.low), high=shown.format(estimate.high), n=estimate.n)
    return f"{note} · {page.t('overview.indicative')}" if estimate.indicative else note


def csat_by_question(page: Page, rows: list) -> None:
    """CSAT of every question (question, Estimate), each with its own interval and n, in a table: question
    texts come from the export, so they are shown as plain cells, never as Markdown."""
    with st.expander(page.t("kpi.csat_by_question", n=len(rows)), icon=":material/table_rows:"):
        st.dataframe(pd.DataFrame({
            page.t("col.question"): [q for q, _ in rows],
            page.t("kpi.card.csat"): [f"{e.value:.0f}%" for _, e in rows],
            page.t("col.interval"): [f"{e.low:.0f}% – {e.high:.0f}%" for _, e in rows],
            "n": [e.n for _, e in rows],
            page.t("col.note"): [page.t("overview.indicative") if e.indicative else "" for _, e in rows],
        }), hide_index=True, width="stretch")


def comment_dialog(page: Page, comment_id: int) -> None:
    """A comment in full with its scores, date, source and tags, in a dialog titled in the page's language."""
    st.dialog(page.t("dialog.title"), width="large")(_comment_detail)(page, comment_id)


def _comment_detail(page: Page, comment_id: int) -> None:
    """The dialog's body. Everything from the data (question, text, file name, scores) is plain text or a
    table cell, never Markdown; keys are shown as the taxonomy's labels."""
    with page.db() as con:
        detail = dashboard.comment_detail(con, comment_id)
    if detail is None:
        st.warning(page.t("verbatims.gone"))
        return
    stage_labels, touch_labels = labels_for(active_taxonomy(page), page.lang)
    st.caption(page.t("col.question"))
    st.text(detail["question"])
    st.caption(page.t("col.text"))
    st.text(detail["text"])  # st.text: customer text is never rendered as markdown or HTML
    when = detail["responded_at"]
    stages = [stage_labels.get(k, k) for k in (detail["stages"] or "").split("|") if k]
    rows = [(page.t("col.date"), f"{when:%Y-%m-%d %H:%M}" if when is not None else "—"),
            (page.t("col.source"), f"{detail['source']} · {page.t('col.line')} {detail['line_no']}"),
            (page.t("col.stage"), stage_labels.get(detail["stage"], detail["stage"] or "—")),
            (page.t("verbatims.stages"), "、".join(stages) if page.lang == "ja" else ", ".join(stages)),
            (page.t("col.touchpoint"), touch_labels.get(detail["touchpoint"], detail["touchpoint"] or "—")),
            (page.t("col.sentiment"), page.t(f"sentiment.{detail['sentiment']}") if detail["sentiment"] else "—")]
    rows += [(page.t("verbatims.score"), score) for score in detail["scores"] or []]
    st.dataframe(pd.DataFrame(rows, columns=[page.t("dialog.field"), page.t("dialog.value")]), hide_index=True,
                 width="stretch")


def verbatims(page: Page, comments: pd.DataFrame, key: str, limit: int = 200) -> None:
    """What customers said: newest first; select a row to read it in full."""
    stage_labels, touch_labels = labels_for(active_taxonomy(page), page.lang)
    shown = comments.sort_values("responded_at", ascending=False).head(limit)
    with page.db() as con:
        texts = dashboard.comment_texts(con, shown["comment_id"].tolist()).set_index("comment_id")["text"]
    shown = shown.assign(text=shown["comment_id"].map(texts))
    table = pd.DataFrame({
        page.t("col.date"): shown["responded_at"].dt.strftime("%Y-%m-%d"),
        page.t("col.text"): shown["text"],
        page.t("col.stage"): shown["stage"].map(stage_labels),
        page.t("col.touchpoint"): shown["touchpoint"].map(touch_labels),
        page.t("col.sentiment"): shown["sentiment"].map(lambda s: page.t(f"sentiment.{s}") if isinstance(s, str) else ""),
        page.t("verbatims.score"): shown["nps"].combine_first(shown["rating"]),
    })
    st.caption(page.t("verbatims.count", shown=len(shown), total=len(comments)))
    event = st.dataframe(table, key=key, hide_index=True, width="stretch", on_select="rerun",
                         selection_mode="single-row")
    rows = event.selection.rows if event and event.selection else []
    if rows:
        comment_dialog(page, int(shown["comment_id"].iloc[rows[0]]))


# --- sign-in and roles ----------------------------------------------------------------------------


def _secrets() -> dict:
    try:
        return {key: st.secrets[key] for key in st.secrets}
    except Exception:  # no secrets.toml (Streamlit raises its own error type): open mode
        return {}


def signed_in_role(config: auth.AuthConfig) -> str | None:
    """The role of whoever this session belongs to, or None before sign-in. Draws nothing.

    Open mode (neither OIDC nor password users configured) makes everyone on this computer an editor and
    nobody elsewhere anything: server.address keeps it on 127.0.0.1, and this check backs that up. A
    password sign-in made earlier in this browser comes back from its cookie (a reload, a new tab).
    """
    if config.mode == "open":
        ip = st.context.ip_address  # None on localhost
        role = None if isinstance(ip, str) and ip not in ("127.0.0.1", "::1", "localhost") else "editor"
    elif config.mode == "oidc":
        role = auth.oidc_role(config, st.user.get("email")) if st.user.get("is_logged_in", False) else None
    else:
        if not st.session_state.get("user"):
            user = auth.token_user(_sign_in_key(), config, st.context.cookies.get(auth.COOKIE))
            if user is not None:
                st.session_state["user"], st.session_state["role"] = user, auth.user_role(config, user)
        role = st.session_state.get("role", "viewer") if st.session_state.get("user") else None
    if role is not None:
        st.session_state["role"] = role
    return role


def _sign_in_key() -> bytes:
    """The database's key for sign-in cookies, read once per process and database."""
    path = str(load_settings().db_path)
    if path not in _SIGN_IN_KEYS:
        _SIGN_IN_KEYS[path] = connection.Database(Path(path)).run(lambda con: keys.secret(con, keys.SIGN_IN_KEY))
    return _SIGN_IN_KEYS[path]


_SIGN_IN_KEYS: dict[str, bytes] = {}
_TOKEN = re.compile(r"[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+")


def _cookie_script(token: str | None) -> None:
    """Set (or, for None, delete) the sign-in cookie in this browser: a session cookie, sent only to this
    site (SameSite=Strict), over HTTPS only when the app is served over HTTPS. Streamlit has no API to set
    a cookie, so a line of script does it; the token is ours (base64url), never text from input."""
    if token is not None and not _TOKEN.fullmatch(token):
        raise ValueError("not a sign-in token")
    value = f"{auth.COOKIE}={token}" if token else f"{auth.COOKIE}=; Max-Age=0"
    st.html(f"<script>document.cookie = '{value}; Path=/; SameSite=Strict' + "
            "(location.protocol === 'https:' ? '; Secure' : '');</script>", unsafe_allow_javascript=True)


def _wait_text(seconds: float, lang: str) -> str:
    return t("auth.wait_minutes", lang, n=int(seconds // 60) + 1) if seconds >= 120 else \
        t("auth.wait_seconds", lang, n=int(seconds) + 1)


def sign_in_screen(config: auth.AuthConfig, lang: str) -> None:
    """What is shown instead of the app before sign-in: the OIDC button, the password form (which signs
    in and reruns), or, in open mode reached from another computer, a refusal.

    Password guesses are limited per user name and per client (journey.throttle): after a few failures
    each further try waits longer, and a try made while waiting is refused without checking the password.
    """
    if config.mode == "open":
        st.error(t("auth.open_remote", lang))
        return
    st.title("Journey Lens")
    if config.mode == "oidc":
        st.button(t("auth.sign_in_oidc", lang), on_click=st.login, type="primary", key="oidc-login")
        return
    if st.session_state.pop("clear-cookie", False):
        _cookie_script(None)
    with st.form("sign-in"):
        user = st.text_input(t("auth.user", lang), key="signin-user")
        password = st.text_input(t("auth.password", lang), type="password", key="signin-password")
        if st.form_submit_button(t("auth.sign_in", lang), type="primary"):
            ip = st.context.ip_address  # None on this computer
            tries = throttle.sign_in_keys(user, ip if isinstance(ip, str) else None)
            wait = throttle.SIGN_IN.wait_s(tries)
            if wait > 0:
                st.error(t("auth.too_many", lang, wait=_wait_text(wait, lang)))
                return
            role = auth.password_role(config, user, password)
            if role is None:
                wait = throttle.SIGN_IN.failed(tries)
                st.error(t("auth.wrong", lang) + (" " + t("auth.too_many", lang, wait=_wait_text(wait, lang))
                                                   if wait > 0 else ""))
            else:
                throttle.SIGN_IN.succeeded(tries)
                st.session_state["user"], st.session_state["role"] = user, role
                st.session_state["set-cookie"] = auth.issue_token(_sign_in_key(), config, user)
                st.rerun()


def account_sidebar(config: auth.AuthConfig, role: str, lang: str) -> None:
    """Who is signed in, with a sign-out button (or the open-mode notice)."""
    if config.mode == "open":
        st.sidebar.caption(t("auth.open_mode", lang))
        return
    user = (st.user.get("email") or "") if config.mode == "oidc" else st.session_state["user"]
    st.sidebar.caption(t("auth.signed_in", lang, user=plain(user), role=t(f"role.{role}", lang)))
    if config.mode == "oidc":
        st.sidebar.button(t("auth.sign_out", lang), on_click=st.logout, key="sign-out")
        return
    if "set-cookie" in st.session_state:
        st.session_state["token"] = st.session_state.pop("set-cookie")
        with st.sidebar:
            _cookie_script(st.session_state["token"])
    if st.sidebar.button(t("auth.sign_out", lang), key="sign-out"):
        for token in (st.context.cookies.get(auth.COOKIE), st.session_state.get("token")):
            auth.revoke_token(token)
        for key in ("user", "role", "token"):
            st.session_state.pop(key, None)
        st.session_state["clear-cookie"] = True
        st.rerun()


def chart_downloads(page: Page, chart, name: str, filters: Filters) -> None:
    """PNG, SVG, and offline Vega-Lite HTML/JSON of a chart, with the active filters written under it."""
    footer = f"{page.t('report.period')}: {describe_filters(page, filters)}"
    with st.popover(page.t("export.chart"), icon=":material/download:"):
        for label, suffix, mime, make in (
                ("PNG", "png", "image/png", lambda: exporting.chart_png(chart, footer)),
                ("SVG", "svg", "image/svg+xml", lambda: exporting.chart_svg(chart, footer)),
                (page.t("export.html"), "html", "text/html", lambda: exporting.chart_html(chart, footer)),
                ("Vega-Lite JSON", "vl.json", "application/json", lambda: exporting.chart_json(chart, footer))):
            st.download_button(label, make, file_name=f"{name}.{suffix}", mime=mime, key=f"dl-{name}-{suffix}",
                               on_click="ignore")


def chart_with_actions(page: Page, make, marks: pd.DataFrame | None, name: str, filters: Filters,
                       container=None, **options):
    """Show `make(list_actions=False)` with the improvement actions listed under it as plain text (the
    owner's words, never Markdown); its downloads carry the list in the chart's subtitle. Returns the chart
    event (for `on_select`)."""
    place = container or st.container()
    # Fit the width only: with Streamlit's default ("fit"), the title, legend and axis titles come out of
    # the chart's height, squeezing the plot (and clipping the title) as they grow.
    shown = make(list_actions=False)
    if not isinstance(shown, alt.FacetChart):  # small multiples keep their own panel widths
        shown = shown.properties(autosize=alt.AutoSizeParams(type="fit-x", contains="padding"))
    event = place.altair_chart(shown, width="stretch", **options)
    if marks is not None and not marks.empty:
        place.text("\n".join([page.t("chart.actions_list")] + marks["label"].tolist()))
    with place:
        chart_downloads(page, make(list_actions=True), name, filters)
    return event


@dataclass
class Dashboard:
    """What every dashboard page starts from."""

    page: Page
    taxonomy: Taxonomy
    stage_labels: dict[str, str]
    touch_labels: dict[str, str]
    filters: Filters


def dashboard_setup(title_key: str) -> Dashboard:
    """The shared start of a dashboard page: title, the "import first" path, taxonomy, labels, filters."""
    page = page_setup()
    st.title(page.t(title_key))
    if not has_data(page):
        empty_state(page)
        st.stop()
    tagging_notice(page)
    taxonomy = active_taxonomy(page)
    stage_labels, touch_labels = labels_for(taxonomy, page.lang)
    return Dashboard(page, taxonomy, stage_labels, touch_labels, dashboard_filters(page, taxonomy))


# --- the Review page -----------------------------------------------------------------------------------

PAGE_SIZE = 50      # comments per page of "all comments"
QUEUE_LENGTH = 12   # comments in "check these first"
QUEUE_SAMPLE = 2000  # comments the queue's clustering looks at (enough to find its 20 large groups)


@st.cache_data(max_entries=8, show_spinner=False)
def _queue_ids(db_path: str, version: tuple, length: int) -> list[int]:
    from journey import review

    with connection.Database(Path(db_path)).connect() as con:
        return review.queue_ids(con, length, QUEUE_SAMPLE)


def review_queue(page: Page) -> pd.DataFrame:
    """The comments to check first, still uncorrected. The clustering behind it is cached per version of
    the automatic tags, so a correction costs no new clustering: corrected comments just drop out."""
    from journey import review

    with page.db() as con:
        version = review_store.tags_version(con)
    ids = _queue_ids(str(page.path), version, QUEUE_LENGTH * 4)
    with page.db() as con:
        rows = review.queue_rows(con, ids)
    return rows[~rows["corrected"]].head(QUEUE_LENGTH).reset_index(drop=True)


@st.cache_data(max_entries=8, show_spinner=False)
def _owner_accuracy(db_path: str, version: tuple, embedder_name: str):
    from journey import review

    with connection.Database(Path(db_path)).connect() as con:
        return review.agreement(con, embedder(embedder_name))


def warm_review(path: Path, embedder_name: str) -> None:
    """Compute what the Review page reads first (its queue, the agreement figure) right after a job, in the
    job's thread, so the owner's next visit finds them ready."""
    with connection.Database(path).connect() as con:
        tags_version, version = review_store.tags_version(con), dashboard.data_version(con)
    _queue_ids(str(path), tags_version, QUEUE_LENGTH * 4)
    _owner_accuracy(str(path), version, embedder_name)


def owner_agreement(page: Page):
    """tagging.owner_accuracy for this database, computed once per version of its tags and corrections."""
    with page.db() as con:
        version = dashboard.data_version(con)
    return _owner_accuracy(str(page.path), version, page.settings.embedder)


def _snippet(text: str, length: int = 30) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= length else text[:length] + "…"


def flash(page: Page, action: str, comment_id: int | None = None) -> None:
    """A Review page action (a button's on_click, so the page then draws with the new state): save the
    correction in the form, send the comment back to automatic, or undo the last change. Its message is
    kept in the session until the next action, so reruns never lose it."""
    from journey import review

    with page.db() as con:
        if action == "undo":
            last = st.session_state.get("review-flash") or {}
            change = last.get("change")
            if change is None:
                return
            review.undo(con, change)
            text = _comment_text(con, change.comment_id)
            st.session_state["review-flash"] = {"message": page.t("review.undone", snippet=_snippet(text)),
                                                "change": None}
            return
        text = _comment_text(con, comment_id)
        if action == "save":
            values = {f: st.session_state.get(f"fix-{f}-{comment_id}") for f in ("stage", "touchpoint", "sentiment")}
            change = review.correct(con, comment_id, **values)
            taxonomy = active_taxonomy(page)
            stages, touchpoints = labels_for(taxonomy, page.lang)
            message = page.t("review.saved", snippet=_snippet(text), stage=stages.get(values["stage"], values["stage"]),
                             touchpoint=touchpoints.get(values["touchpoint"], values["touchpoint"]),
                             sentiment=page.t(f"sentiment.{values['sentiment']}"))
        else:
            change = review.back_to_automatic(con, comment_id)
            message = page.t("review.restored", snippet=_snippet(text))
    st.session_state["review-flash"] = {"message": message, "change": change}


def _comment_text(con, comment_id: int) -> str:
    detail = dashboard.comment_detail(con, comment_id)
    return detail["text"] if detail else ""


def show_flash(page: Page) -> None:
    """The last Review action's message, with Undo while there is something to undo."""
    last = st.session_state.get("review-flash")
    if not last:
        return
    left, right = st.columns([5, 1], vertical_alignment="center")
    left.success(last["message"])
    if last.get("change") is not None:
        right.button(page.t("review.undo"), key="review-undo", icon=":material/undo:", on_click=flash,
                     args=(page, "undo"))


def _choose_preset(page: Page, key: str) -> None:
    from journey.taxonomy import switch_preset

    with page.db() as con:
        current = tags.active_taxonomy(con)
        tags.save_taxonomy(con, key, switch_preset(Taxonomy.from_json(current[2]) if current else None, key).to_json())
    st.session_state["preset-chosen"] = key


def preset_suggestion(page: Page, import_id: int | None = None) -> None:
    """Before a database has any taxonomy (the owner's first import), the industry preset its comments' words
    point at, for the owner to confirm or decline (either way the question is settled)."""
    from journey.preset_suggestion import GENERIC, suggest_preset
    from journey.store import overview
    from journey.taxonomy import preset_labels

    labels = preset_labels(page.lang)
    chosen = st.session_state.pop("preset-chosen", None)
    if chosen:
        st.success(page.t("taxonomy.suggest_done", preset=labels.get(chosen, chosen)))
        return
    with page.db() as con:
        if tags.active_taxonomy(con) is not None:
            return
        texts = overview.comment_sample(con, import_id)
    found = suggest_preset(texts)
    if found.preset == GENERIC:
        return
    name = labels.get(found.preset, found.preset)
    st.info(page.t("taxonomy.suggest", preset=name, share=found.share,
                   words="、".join(w for w, _ in found.words[:5]) if page.lang == "ja"
                   else ", ".join(w for w, _ in found.words[:5])))
    use, keep = st.columns(2)
    use.button(page.t("taxonomy.suggest_use", preset=name), key="suggest-use", type="primary",
               on_click=_choose_preset, args=(page, found.preset))
    keep.button(page.t("taxonomy.suggest_keep"), key="suggest-keep", on_click=_choose_preset, args=(page, GENERIC))

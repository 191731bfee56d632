"""The Streamlit glue: page_setup() (every page calls it first), language, cached reads of uploads."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

import duckdb
import streamlit as st

from journey import store
from journey.config import Settings, load_settings
from journey.i18n import LANGS, pick_lang, t
from journey.embed import Embedder, get_embedder
from journey.ingest import RawTable, read_export


@dataclass
class Page:
    """What a page needs: the UI language, the settings, and a way to open the database."""

    lang: str
    settings: Settings

    def t(self, key: str, **values: object) -> str:
        return t(key, self.lang, **values)

    @contextmanager
    def db(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with store.Database(self.settings.db_path).connect() as con:
            yield con


def current_lang() -> str:
    """The chosen language: the session's choice, else the browser's locale."""
    if "lang" not in st.session_state:
        st.session_state["lang"] = pick_lang(st.context.locale)
    return st.session_state["lang"]


def page_setup() -> Page:
    """Call first on every page: returns the page context."""
    return Page(current_lang(), load_settings())


def sidebar() -> None:
    """Shared sidebar: language switch, database location, data credits."""
    lang = current_lang()
    with st.sidebar:
        # Bound to the "lang" key itself, so the choice and current_lang() can never disagree.
        st.segmented_control(t("app.language", lang), LANGS, key="lang", required=True, persist_state="session",
                             format_func=lambda code: {"ja": "日本語", "en": "English"}[code])
        st.caption(t("app.db", lang, path=load_settings().db_path.name))


@st.cache_resource(show_spinner=False)
def embedder(name: str) -> Embedder:
    """The embedding model, loaded once per process and shared by every session."""
    return get_embedder(name)


@st.cache_data(max_entries=8, show_spinner=False)
def read_upload(data: bytes, name: str, max_bytes: int) -> RawTable:
    """read_export for an uploaded file, cached so widget changes do not re-read it."""
    return read_export(data, name, max_bytes=max_bytes)


def has_data(page: Page) -> bool:
    """True when at least one import exists."""
    with page.db() as con:
        return bool(store.scalar(con, "SELECT count(*) FROM imports"))


def empty_state(page: Page) -> None:
    """The friendly "import data first" path."""
    st.info(f"**{page.t('empty.title')}** — {page.t('empty.body')}")
    st.page_link("views/import.py", label=page.t("empty.go"), icon=":material/upload_file:")

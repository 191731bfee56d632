"""Streamlit sessions without a browser: each one is a WebSocket to a `streamlit run` server on this
computer speaking Streamlit's own protocol (the BackMsg/ForwardMsg protobufs of the installed streamlit),
as the browser does. Many of them at once cost little, so the concurrency test and bench/concurrency.py
can run several sessions against one server and see every exception a page raised.

A session opens pages one after another on the same connection (its session state carries over, as in
a browser tab); each page run is timed from the request to Streamlit's "script finished" message.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@dataclass
class PageRun:
    """One page run: which page, how long it took, and what went wrong on it."""

    page: str
    seconds: float
    exceptions: list[str] = field(default_factory=list)   # tracebacks Streamlit showed: type and message
    errors: list[str] = field(default_factory=list)       # st.error boxes
    finished: bool = True                                 # False when the run did not end within the timeout


def stream_url(url: str) -> str:
    """The WebSocket address of a server at `url` (http://127.0.0.1:PORT); only this computer's."""
    parts = urlsplit(url)
    if parts.hostname not in LOOPBACK:
        raise ValueError(f"sessions are only opened against this computer, not {parts.hostname}")
    return f"ws://{parts.netloc}/_stcore/stream"


async def _run_page(socket, page: str, query: str, timeout: float) -> PageRun:
    message = BackMsg()
    message.rerun_script.page_name = page
    message.rerun_script.query_string = query
    started = time.perf_counter()
    await socket.send(message.SerializeToString())
    run = PageRun(page, 0.0)
    deadline = started + timeout
    while True:
        try:
            raw = await asyncio.wait_for(socket.recv(), max(deadline - time.perf_counter(), 0.01))
        except asyncio.TimeoutError:
            run.finished = False
            break
        forward = ForwardMsg()
        forward.ParseFromString(raw)
        kind = forward.WhichOneof("type")
        if kind == "delta" and forward.delta.WhichOneof("type") == "new_element":
            element = forward.delta.new_element
            if element.WhichOneof("type") == "exception":
                run.exceptions.append(f"{element.exception.type}: {element.exception.message}")
            elif element.WhichOneof("type") == "alert" and element.alert.format == element.alert.ERROR:
                run.errors.append(element.alert.body)
        elif kind == "script_finished":
            break
    run.seconds = time.perf_counter() - started
    return run


async def session(url: str, pages: list[str], rounds: int = 1, query: str = "",
                  timeout: float = 300.0) -> list[PageRun]:
    """Open `pages` in turn (url paths: "" for the default page, "stage", …), `rounds` times, in one session."""
    runs: list[PageRun] = []
    async with websockets.connect(stream_url(url), subprotocols=["streamlit"], max_size=None,
                                  open_timeout=60, ping_interval=None) as socket:
        for _ in range(rounds):
            for page in pages:
                runs.append(await _run_page(socket, page, query, timeout))
    return runs


def sessions_at_once(url: str, count: int, pages: list[str], rounds: int = 1,
                     timeout: float = 300.0) -> list[list[PageRun]]:
    """`count` sessions started together, each opening `pages` `rounds` times; every session's page runs.
    The pages are rotated per session so that different pages run at the same moment."""
    async def everyone() -> list[list[PageRun]]:
        return await asyncio.gather(*[
            session(url, pages[n % len(pages):] + pages[:n % len(pages)], rounds, timeout=timeout)
            for n in range(count)])
    return asyncio.run(everyone())

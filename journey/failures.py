"""Failures from outside the program — the database held by another process, a full disk, a file or
folder that cannot be used — named for their cause and told to the user in one translated line that says
what to do (never a traceback, an internal path or another process's id).

`classify(err)` turns what DuckDB or the operating system raised (anywhere in the exception's chain: a
failed ROLLBACK after a full disk still reports the full disk) into DatabaseBusy, DiskFull or
PathProblem; `user_line(err, lang)` is the line the CLI prints and the pages show.
"""

from __future__ import annotations

import errno
from collections.abc import Iterator
from pathlib import Path

import duckdb

from journey.errors import DatabaseBusy, DiskFull, JourneyError, PathProblem
from journey.i18n import t

# errno → what is wrong with the path, as the i18n key's last part.
_PATH_ERRNOS = {errno.ENOENT: "missing", errno.EACCES: "denied", errno.EPERM: "denied", errno.EISDIR: "is_folder",
                errno.ENOTDIR: "not_folder", errno.EEXIST: "not_folder", errno.EROFS: "read_only", errno.ENAMETOOLONG: "missing"}
_DISK_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


def _chain(err: BaseException) -> Iterator[BaseException]:
    """`err`, then what caused it or was being handled when it was raised, oldest last."""
    seen: set[int] = set()
    while err is not None and id(err) not in seen:
        seen.add(id(err))
        yield err
        err = err.__cause__ or err.__context__


def _name(file: str | None) -> str | None:
    """The name the user knows a file by: the last part of a path (the rest may be internal)."""
    return Path(file).name if file else None


def classify(err: BaseException, file: str | Path | None = None) -> JourneyError | None:
    """The failure `err` stands for (DatabaseBusy, DiskFull or PathProblem), or None for anything else
    (a bug, bad input), which callers raise on as before. `file` names the file involved when the error
    does not."""
    for link in _chain(err):
        if isinstance(link, (DatabaseBusy, DiskFull, PathProblem)):
            return link
        if isinstance(link, OSError) and link.errno in _DISK_ERRNOS:
            return DiskFull("the disk is full.", file=_name(link.filename or file))
        if isinstance(link, duckdb.Error):
            text = str(link).lower()
            if "no space left" in text or "disk is full" in text or "disk quota" in text:
                return DiskFull("the disk is full.", file=_name(file))
            if isinstance(link, duckdb.IOException) and "lock" in text:
                return DatabaseBusy("the database is in use by another program.", file=_name(file))
    for link in _chain(err):
        if isinstance(link, OSError) and link.errno in _PATH_ERRNOS:
            problem = _PATH_ERRNOS[link.errno]
            return PathProblem(f"cannot use this path ({problem}).", file=_name(link.filename or file),
                               problem=problem)
        if isinstance(link, duckdb.IOException):
            text = str(link).lower()
            for words, problem in (("permission denied", "denied"), ("read-only", "read_only"),
                                   ("no such file", "missing"), ("is a directory", "is_folder"),
                                   ("not a directory", "not_folder")):
                if words in text:
                    return PathProblem(f"cannot use this path ({problem}).", file=_name(file), problem=problem)
    return None


def user_line(err: JourneyError, lang: str) -> str:
    """One line for the user: the cause, the file by its name only, and what to do."""
    file = _name(err.file) or t("failure.this_file", lang)
    if isinstance(err, DatabaseBusy):
        return t("failure.busy", lang, file=file)
    if isinstance(err, DiskFull):
        return t("failure.disk_full", lang, file=file)
    if isinstance(err, PathProblem):
        return t(f"failure.path.{err.problem}", lang, file=file)
    return str(err)

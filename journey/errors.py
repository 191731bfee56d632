"""Errors named for the failure; each carries the file (and row/column where known) and says what to do."""

from __future__ import annotations


class JourneyError(Exception):
    """Base class: `str(err)` is a complete message for the user."""

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 column: str | None = None, hint: str | None = None):
        self.file, self.line, self.column, self.hint = file, line, column, hint
        where = []
        if file:
            where.append(file)
        if line is not None:
            where.append(f"line {line}")
        if column:
            where.append(f"column '{column}'")
        text = (": ".join([", ".join(where), message]) if where else message)
        if hint:
            text = f"{text} {hint}"
        self.message = message
        super().__init__(text)


class UnreadableFile(JourneyError):
    """The file is empty, binary, of a type we do not read, or cannot be decoded."""


class FileTooLarge(JourneyError):
    """The file is over the configured size limit."""


class NoDataRows(JourneyError):
    """The file has a header but no data rows."""


class NoTextColumn(JourneyError):
    """No column holds free-text comments and none was chosen."""


class BadMapping(JourneyError):
    """A column mapping names a column or role that does not exist."""


class NoPeriodColumn(JourneyError):
    """A funnel count table has no column of months, weeks or dates, and none was chosen."""


class NoStageColumns(JourneyError):
    """No column of a funnel count table is mapped to a journey stage."""


class BadAction(JourneyError):
    """An improvement action is missing what was changed, or names a date, stage or touchpoint that does
    not exist."""


class BadPersona(JourneyError):
    """A persona has no name or no segment filter, or names a segment column or value that does not exist."""
class DiskFull(JourneyError):
    """The disk holding the database or an output file has no space left; nothing was half-written."""


class PathProblem(JourneyError):
    """A file or folder cannot be used: missing, not allowed, a folder where a file belongs, read-only.

    `problem` is one of missing, denied, is_folder, not_folder, read_only.
    """

    def __init__(self, message: str, *, problem: str, **where: object):
        super().__init__(message, **where)
        self.problem = problem


class DatabaseBusy(JourneyError):
    """The DuckDB file stayed locked by another process."""


class JobAlreadyRunning(JourneyError):
    """A tagging job is already running on this database (from the app or the command line)."""

    def __init__(self, state):
        self.state = state
        super().__init__(f"tagging is already running on this database (started from the {state.origin}, "
                         f"{state.phase or 'starting'} {state.done}/{state.total}).",
                         hint="Wait until it has finished; its progress shows on every page.")


class EmptyPeriod(JourneyError):
    """A weekly review was asked for a period with no responses."""

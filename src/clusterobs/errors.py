"""Exception tree of Cluster Observatory.

Every error raised on purpose is a :class:`ClusterObsError`. Errors about input name the
file, the line (1-based, as an editor shows it) or key, and what was expected, so that the
CLI can print them as one line.
"""

from __future__ import annotations


class ClusterObsError(Exception):
    """Base class of every deliberate error of the package."""


class ConfigError(ClusterObsError):
    """A setting is missing or has a value of the wrong form."""


class DataError(ClusterObsError):
    """Input data is malformed.

    Parameters
    ----------
    message:
        What is wrong and what was expected.
    path:
        The file (or URL) the data came from, if any.
    line:
        The 1-based line number in that file, if known.
    """

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None) -> None:
        self.message = message
        self.path = path
        self.line = line
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = self.path if self.line is None else f"{self.path}:{self.line}"
            where += ": "
        return f"{where}{self.message}"


class SchemaError(DataError):
    """Columns, dimensions or header do not have the expected shape."""


class UnknownCodeError(DataError):
    """Region or industry codes are not in the classification they claim."""

    def __init__(self, message: str, *, codes: list[str], path: str | None = None) -> None:
        self.codes = codes
        super().__init__(message, path=path)


class SchemeError(ClusterObsError):
    """A category scheme is invalid (unknown codes, weights out of range, sums above 1)."""


class MethodError(ClusterObsError):
    """A Methodology has an impossible parameter, or a method cannot run on the input."""


class FetchError(ClusterObsError):
    """A dataset could not be downloaded or found in the mirror."""


class StoreError(ClusterObsError):
    """The store is missing, locked or does not hold what was asked for."""

"""Errors raised by custlib.

Every error the kit raises on bad input derives from :class:`CustlibError`, carries a
message that names the column, parameter, file or rows at fault and says what was
expected, and is raised at the boundary (before pandas gets a chance to fail deep inside).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

__all__ = [
    "require_fitted",
    "CustlibError",
    "ColumnError",
    "DataError",
    "EmptyResultError",
    "ParameterError",
    "SourceError",
]


class CustlibError(Exception):
    """Base class of every error raised by custlib on bad input."""


class SourceError(CustlibError, FileNotFoundError):
    """A data file or preset that cannot be found or read."""


class ColumnError(CustlibError, KeyError):
    """A required column is missing or a mapping names a column that is not there."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class DataError(CustlibError, ValueError):
    """Values that cannot be used: unparsable dates, non-numeric money, bad ids."""


class EmptyResultError(CustlibError, ValueError):
    """A step left nothing to analyse (for example every row removed by cleaning)."""


class ParameterError(CustlibError, ValueError):
    """A parameter that is unknown, of the wrong type or out of range."""


def format_list(items: Iterable[object], limit: int = 12) -> str:
    """Join items for an error message, quoting strings and eliding a long tail.

    Parameters
    ----------
    items : iterable
        The things to list.
    limit : int, default 12
        How many to show before ``... (N more)``.

    Returns
    -------
    str
        For example ``'a', 'b', 'c'``.
    """
    items = list(items)
    shown = ", ".join(repr(str(i)) for i in items[:limit])
    if len(items) > limit:
        shown += f", ... ({len(items) - limit} more)"
    return shown


def check_choice(name: str, value: object, choices: Sequence[object]) -> None:
    """Raise :class:`ParameterError` unless ``value`` is one of ``choices``.

    Parameters
    ----------
    name : str
        The parameter's name, used in the message.
    value : object
        The value given.
    choices : sequence
        The allowed values.

    Raises
    ------
    ParameterError
        If ``value`` is not in ``choices``.
    """
    if value not in choices:
        raise ParameterError(
            f"parameter {name!r} is {value!r}; expected one of {format_list(choices)}"
        )


def require_fitted(estimator: object, attribute: str, call: str) -> None:
    """Raise :class:`ParameterError` unless ``estimator`` has been fitted.

    scikit-learn's ``check_is_fitted`` decides; the kit's error says what to call.

    Parameters
    ----------
    estimator : object
        A fitted-object of the kit (on scikit-learn's ``BaseEstimator``).
    attribute : str
        A learned attribute that ``fit`` sets (``"params_"``).
    call : str
        How to fit it, for the message (``"fit(summary)"``).

    Raises
    ------
    ParameterError
        ``"<Class> is not fitted yet: call <call> first"``.
    """
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    try:
        check_is_fitted(estimator, attribute)
    except NotFittedError:
        raise ParameterError(f"{type(estimator).__name__} is not fitted yet: call "
                             f"{call} first") from None

"""The folders of a run: built aside, swapped into place, kept when unsuccessful.

A run (or a batch) is built in a sibling folder ``<name>.partial-<pid>`` (:func:`sibling`)
and renamed over ``<name>`` only when it succeeded (:func:`swap_in`, which puts the
previous run back if the rename fails); an unsuccessful one is kept as ``<name>.failed``
(:func:`keep_unsuccessful`) and the previous successful run says so on its pages
(:func:`mark_previous`).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from custlib.errors import CustlibError
from custlib.run.artefacts import write_text
from custlib.run.index import not_current_banner

__all__ = ["RunError", "keep_unsuccessful", "mark_previous", "remove", "sibling", "swap_in"]


class RunError(CustlibError):
    """A notebook failed during a run; the message names the notebook and cell."""


#: The longest run name :func:`custlib.run.config.run_folder` accepts; sibling folders
#: (``.partial-<pid>``, ``.failed``) are run names too, since the notebooks open them.
_MAX_RUN_NAME = 100


def sibling(final: Path, suffix: str) -> Path:
    """Return ``<reports>/<name><suffix>``, itself a valid run name (at most 100 characters).

    A name too long for the suffix keeps its first characters and gets 8 hex digits of
    the full name's SHA-1, so two run names sharing a long prefix never share a sibling
    (and one name always gets the same one).
    """
    import hashlib

    name = final.name
    if len(name) + len(suffix) > _MAX_RUN_NAME:
        digest = hashlib.sha1(name.encode("utf-8")).hexdigest()[:8]
        name = f"{name[:_MAX_RUN_NAME - len(suffix) - 9]}-{digest}"
    return final.with_name(f"{name}{suffix}")


def remove(path: Path) -> None:
    """Remove a file, a link or a folder with everything in it (nothing if absent)."""
    import shutil

    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.exists():
        shutil.rmtree(path)


def swap_in(partial: Path, final: Path) -> list[Path]:
    """Replace ``final`` by ``partial``, putting the previous run back if that fails.

    The old folder is renamed aside, the new one renamed into place (both atomic renames
    in one folder), then the old one removed.

    Returns
    -------
    list of pathlib.Path
        Folders that could not be removed afterwards (the old run), to say so; the swap
        itself succeeded.

    Raises
    ------
    RunError
        A rename failed. The previous run is put back in ``final`` first (the message
        says so), or, if that fails too, the message says where it is; ``partial`` is
        left as it was.
    """
    old = None
    if final.exists() or final.is_symlink():
        old = sibling(final, f".old-{os.getpid()}")
        remove(old)
        try:
            final.rename(old)
        except OSError as exc:
            raise RunError(f"could not move the previous run {final} aside to {old} "
                           f"({exc}); it is unchanged") from exc
    try:
        partial.rename(final)
    except BaseException as exc:
        if old is not None:
            try:
                old.rename(final)
            except OSError as again:
                if not isinstance(exc, Exception):  # Ctrl-C and the like go on
                    raise exc from again
                raise RunError(f"could not rename {partial} to {final} ({exc}) nor put the "
                               f"previous run back: it is in {old} ({again}); {final} "
                               "does not exist until it is renamed back or a run "
                               "succeeds") from exc
        if not isinstance(exc, Exception):
            raise
        back = (f"the previous run is back in {final}, unchanged" if old is not None
                else f"{final} was not there before")
        raise RunError(f"could not rename {partial} to {final} ({exc}); {back}") from exc
    if old is not None:
        try:
            remove(old)
        except OSError:
            return [old]
    return []


def keep_unsuccessful(partial: Path, final: Path) -> Path:
    """Move an unsuccessful run to ``<name>.failed`` (replacing an older one)."""
    failed = sibling(final, ".failed")
    remove(failed)
    partial.rename(failed)
    return failed


_LAST_ATTEMPT = re.compile(r'<div class="status last-attempt"[^>]*>.*?</div>\n?', re.S)
_BODY = re.compile(r"<body[^>]*>", re.I)


def mark_previous(final: Path, status: str, when: str, kept: Path) -> list[Path]:
    """Say in the previous successful run that the latest attempt did not succeed.

    ``run.json`` gets ``last_attempt: {status, when, folder}`` and ``index.html``,
    ``report.html`` and ``report_segments.html`` a banner at the top of the page
    linking ``kept``, replacing an older banner. A later successful run replaces the
    whole folder, and with it these marks.

    Parameters
    ----------
    final : pathlib.Path
        The previous run's folder ``<reports>/<name>`` (nothing is done if it is
        missing).
    status : str
        ``'failed'`` or ``'interrupted'``.
    when : str
        When the attempt started (ISO 8601).
    kept : pathlib.Path
        Where the unsuccessful attempt is kept.

    Returns
    -------
    list of pathlib.Path
        Files that could not be marked (best effort: the failure itself matters more).
    """
    if not final.is_dir():
        return []
    missed: list[Path] = []
    state = final / "run.json"
    if state.is_file():
        try:
            data = json.loads(state.read_text(encoding="utf-8"))
            data["last_attempt"] = {"status": status, "when": when, "folder": str(kept)}
            write_text(state, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        except (OSError, ValueError, TypeError):
            missed.append(state)
    banner = not_current_banner(when, status, kept)
    for page in ("index.html", "report.html", "report_segments.html"):
        path = final / page
        if not path.is_file():
            continue
        try:
            text = _LAST_ATTEMPT.sub("", path.read_text(encoding="utf-8"))
            body = _BODY.search(text)
            if body is None:
                missed.append(path)
                continue
            write_text(path, text[:body.end()] + banner + text[body.end():])
        except (OSError, ValueError):
            missed.append(path)
    return missed

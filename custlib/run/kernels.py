"""The Jupyter kernels of a run, and stopping them cleanly on Ctrl-C.

A notebook runs in a worker thread (:func:`execute`) so that Ctrl-C reaches the runner,
on a kernel started by a manager this module remembers (:func:`kernel_manager_class`), so
that :func:`shutdown_kernels` can stop it and remove its connection and socket files.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

__all__ = ["cleanup_sockets", "execute", "forget_kernels", "kernel_manager_class",
           "shutdown_kernels", "stop_workers"]

#: Kernel managers started by this process, so that an interrupted run can shut them down.
_KERNELS: list[Any] = []


def kernel_manager_class() -> Any:
    """Return a kernel manager class on local IPC sockets where available.

    No network ports, and no warning about unencrypted TCP on every run; every instance
    is remembered in ``_KERNELS`` so that :func:`shutdown_kernels` can stop it after
    Ctrl-C. An asynchronous manager, as nbclient expects: its client waits for a kernel's
    messages without blocking nbclient's event loop, so that the loop's check that the
    kernel is alive runs, and a kernel that dies (killed out of memory) ends the run with
    ``DeadKernelError`` instead of a wait without end.
    """
    from jupyter_client.manager import AsyncKernelManager

    class LocalKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs: Any) -> None:
            kwargs.setdefault("transport", "ipc" if os.name == "posix" else "tcp")
            super().__init__(**kwargs)
            _KERNELS.append(self)

    return LocalKernelManager


def shutdown_kernels() -> None:
    """Stop the kernels this process started; remove their connection and socket files.

    A kernel runs in its own session, so Ctrl-C does not reach it: its process group is
    killed here.
    """
    import signal

    while _KERNELS:
        km = _KERNELS.pop()
        proc = getattr(getattr(km, "provisioner", None), "process", None)
        if proc is not None and proc.poll() is None:
            try:
                if os.name == "posix":
                    os.killpg(proc.pid, signal.SIGKILL)
                else:  # pragma: no cover
                    proc.kill()
                proc.wait(timeout=10)
            except (OSError, ValueError, Exception):  # noqa: BLE001 - best effort
                pass
        for cleanup in ("cleanup_connection_file", "cleanup_ipc_files"):
            try:
                getattr(km, cleanup)()
            except Exception:  # noqa: BLE001 - best effort
                pass



_WORKERS: list[Any] = []


def execute(function: Any, *args: Any, **kwargs: Any) -> Any:
    """Call ``function`` in a worker thread and wait for it.

    nbclient, in the main thread, catches SIGINT itself (to shut its kernel down) and then
    keeps waiting for the interrupted cell; run in a worker thread it leaves signals alone,
    so Ctrl-C reaches the runner as KeyboardInterrupt, which stops the kernel itself
    (:func:`shutdown_kernels`).
    """
    import threading

    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = function(*args, **kwargs)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller
            box["error"] = exc

    worker = threading.Thread(target=target, name="custlib-notebook", daemon=True)
    _WORKERS.append(worker)
    worker.start()
    while worker.is_alive():
        worker.join(0.1)
    _WORKERS.remove(worker)
    if "error" in box:
        raise box["error"]
    return box.get("value")


def stop_workers(timeout: float = 10.0) -> None:
    """Wait (a little) for notebook threads to notice that their kernel is gone."""
    deadline = time.monotonic() + timeout
    for worker in list(_WORKERS):
        worker.join(max(0.0, deadline - time.monotonic()))
    _WORKERS.clear()


def cleanup_sockets(folder: Path) -> None:
    """Remove kernel IPC socket files (``kernel-ipc-<port>``) left in a run folder."""
    for p in folder.glob("kernel-ipc-*"):
        try:
            p.unlink()
        except OSError:
            pass


def forget_kernels() -> None:
    """Forget the kernels started so far (once a run is over, stopped or not)."""
    _KERNELS.clear()

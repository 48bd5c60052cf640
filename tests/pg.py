"""A throw-away PostgreSQL server for the tests (tests/conftest.py's ``postgres`` fixture).

:func:`server` runs ``initdb`` into a fresh folder and ``pg_ctl start`` on a free port that
listens on a unix socket in that folder only (``listen_addresses=''``), and stops it and
removes the folder afterwards. The binaries come from PATH or ``/usr/lib/postgresql/*/bin``
(Debian's ``postgresql`` package; ``.ci/run`` installs it when ``initdb`` is missing). As
root, which initdb refuses, the server runs as the ``postgres`` user (``runuser``).

The superuser connects without a password over the socket; the role :data:`ROLE` has a
password (scram-sha-256), so a test can check that a password set in the environment
reaches libpq and nothing that the kit writes.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SKIP_REASON = "PostgreSQL server not found: apt-get install postgresql (CI's .ci/run installs it)"
#: The role with a password, owner of the test database.
ROLE = "analyst"
DATABASE = "shop"


@dataclass(frozen=True)
class Server:
    """A running server: its socket folder, port, and the role's password."""

    socket_dir: str
    port: int
    password: str
    superuser: str

    def url(self, *, password: str = "${CUSTLIB_TEST_PG_PASSWORD}",
            user: str = ROLE) -> str:
        """A SQLAlchemy URL to the test database over the unix socket."""
        auth = f"{user}:{password}" if password else user
        return f"postgresql://{auth}@/{DATABASE}?host={self.socket_dir}&port={self.port}"

    def connect(self, user: str | None = None):
        """A psycopg connection as the superuser (or ``user``, with the password)."""
        import psycopg

        user = user or self.superuser
        return psycopg.connect(host=self.socket_dir, port=self.port, dbname=DATABASE,
                               user=user, password=self.password if user == ROLE else None,
                               autocommit=True)


def find_bin() -> Path | None:
    """The folder holding initdb and pg_ctl, or None."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).resolve().parent
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if (Path(folder) / "initdb").exists() and (Path(folder) / "pg_ctl").exists():
            return Path(folder)
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as(user: str | None, cmd: list[str]) -> list[str]:
    return ["runuser", "-u", user, "--", *cmd] if user else cmd


@contextlib.contextmanager
def server() -> Iterator[Server]:
    """Start a server in a temporary folder; stop it and remove the folder on exit.

    Raises
    ------
    RuntimeError
        The binaries are missing (the message is :data:`SKIP_REASON`) or the server did
        not start (with its log).
    """
    bin_dir = find_bin()
    if bin_dir is None:
        raise RuntimeError(SKIP_REASON)
    run_as = None
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            raise RuntimeError("PostgreSQL refuses to run as root and there is no "
                               "'postgres' user to run it as") from None
        run_as = "postgres"
    superuser = run_as or pwd.getpwuid(os.geteuid()).pw_name
    root = Path(tempfile.mkdtemp(prefix="custlib-pg-"))
    data, log = root / "data", root / "server.log"
    if run_as:
        shutil.chown(root, user=run_as)
    password = "pg-" + secrets.token_hex(12)
    port = _free_port()
    env = {**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}
    started = False
    try:
        subprocess.run(_as(run_as, [str(bin_dir / "initdb"), "-D", str(data), "-U", superuser,
                                    "--auth-local=trust", "--auth-host=reject",
                                    "-E", "UTF8", "--no-sync"]),
                       check=True, capture_output=True, env=env, cwd=root)
        hba = data / "pg_hba.conf"
        hba.write_text(f"local all {ROLE} scram-sha-256\nlocal all all trust\n")
        subprocess.run(_as(run_as, [
            str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "60",
            "-o", f"-c listen_addresses='' -c port={port} -c unix_socket_directories={root} "
                  "-c fsync=off -c max_connections=20 -c shared_buffers=16MB", "start"]),
            check=True, capture_output=True, env=env, cwd=root)
        started = True
        srv = Server(str(root), port, password, superuser)
        import psycopg

        with psycopg.connect(host=str(root), port=port, dbname="postgres", user=superuser,
                             autocommit=True) as conn:
            conn.execute(f"CREATE ROLE {ROLE} LOGIN PASSWORD '{password}'")
            conn.execute(f"CREATE DATABASE {DATABASE} OWNER {ROLE}")
        yield srv
    except subprocess.CalledProcessError as exc:
        text = (exc.stderr or b"").decode(errors="replace")
        if log.exists():
            text += log.read_text(errors="replace")[-2000:]
        raise RuntimeError(f"the test PostgreSQL server did not start: {text}") from None
    finally:
        if started:
            subprocess.run(_as(run_as, [str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast",
                                        "-w", "stop"]), capture_output=True, env=env, cwd=root)
        shutil.rmtree(root, ignore_errors=True)


def load_demo(srv: Server, schema: str = "shop") -> dict[str, int]:
    """The demo's three tables in ``schema``, owned by :data:`ROLE`; rows per table.

    The transactions are typed as a shop's database would hold them (integer quantities,
    timestamps, NUMERIC prices, NULL for a missing customer id); customers and survey are
    text, NULL where empty. Each table has a primary key, so that a table is read in the
    file's order (PostgreSQL keeps no insertion order: without a key, COPY's pages come
    back with rows out of it): ``line_id`` (the line in the file) for the transactions and
    the survey, ``customer_id`` for the customers (the file is sorted by it).
    """
    import pandas as pd

    from custlib.run.config import DEMO_DATA_DIR

    frames = {name: pd.read_csv(DEMO_DATA_DIR / f"{name}.csv", dtype=str,
                                keep_default_na=False)
              for name in ("transactions", "customers", "survey")}
    typed = {"Quantity": "integer", "InvoiceDate": "timestamp", "Price": "numeric(12, 2)"}
    with srv.connect(ROLE) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
        for name, df in frames.items():
            cols = [f'"{c}" {typed.get(c, "text") if name == "transactions" else "text"}'
                    for c in df.columns]
            if name == "customers":
                cols[0] += " PRIMARY KEY"
            else:
                cols.insert(0, "line_id integer PRIMARY KEY")
            conn.execute(f"CREATE TABLE {schema}.{name} ({', '.join(cols)})")
            names = ", ".join(f'"{c}"' for c in df.columns)
            lead = "" if name == "customers" else "line_id, "
            with conn.cursor().copy(f"COPY {schema}.{name} ({lead}{names}) FROM STDIN") as cp:
                for i, row in enumerate(df.itertuples(index=False)):
                    values = [None if v == "" else v for v in row]
                    cp.write_row([i, *values] if lead else values)
    return {name: len(df) for name, df in frames.items()}

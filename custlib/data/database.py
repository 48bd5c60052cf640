"""Reading a table or a query from a SQL database: PostgreSQL, SQLite and DuckDB files.

Notebook 01's ``database`` parameter holds a SQLAlchemy URL; with it set, the
``transactions``, ``customers`` and ``survey`` parameters name a table (``schema.table``
allowed) or hold a query (text starting with ``SELECT`` or ``WITH``).

Credentials never sit in a parameter file or a report:

* a URL with a password written in it is refused; write ``${NAME}`` instead and the
  password (or any other part: user, host, database) is filled from the environment
  variable ``NAME``, else from a ``.env`` file in the project root, else from one in the
  working directory (:func:`fill_placeholders`);
* a PostgreSQL URL without a password lets libpq find one the usual ways: the
  ``PGPASSWORD`` variable, ``~/.pgpass``, or a service (``postgresql:///?service=shop`` with
  ``~/.pg_service.conf`` or ``PGSERVICE``);
* everything the kit shows or writes shows the URL with the password masked
  (:func:`mask_url`), and error messages from the driver are masked too.

The kit only reads: SQLite and DuckDB files are opened read-only, PostgreSQL sessions are
read-only transactions. Rows come in the database's order, as pages of ``batch_rows`` rows
(:func:`iter_database`). A table with a primary key is read ordered by it, so runs are
repeatable; a table without one comes in whatever order the database gives, and a query
should end with ``ORDER BY`` for the same reason. DuckDB files are read with the
``duckdb`` package itself (the ``fast`` extra), not through a SQLAlchemy dialect.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from custlib.data.engines.workspace import arrow_batches
from custlib.errors import CustlibError, ParameterError, SourceError, format_list

__all__ = ["DIALECTS", "check_source_name", "check_url", "fill_placeholders", "is_query",
           "iter_database", "mask_url", "placeholders", "read_dotenv", "resolve_url"]

#: The database kinds the kit reads, by SQLAlchemy backend name.
DIALECTS: tuple[str, ...] = ("postgresql", "sqlite", "duckdb")

_PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_IDENTIFIER = r"[A-Za-z_][A-Za-z0-9_$]*"
_TABLE_NAME = re.compile(rf"^{_IDENTIFIER}(\.{_IDENTIFIER})?$")
_HINT_PASSWORD = ("write the password as ${NAME} (e.g. postgresql://ann:${SHOP_PASSWORD}@db/"
                  "shop) and set the environment variable NAME or a line NAME=... in a .env "
                  "file; for PostgreSQL, PGPASSWORD, ~/.pgpass or a service file also work")


def read_dotenv(path: str | os.PathLike[str]) -> dict[str, str]:
    """The ``NAME=value`` lines of a ``.env`` file.

    Blank lines and ``#`` comments are skipped, ``export`` in front is allowed, and a
    value in single or double quotes loses them.

    Parameters
    ----------
    path : path-like

    Returns
    -------
    dict
        Empty when the file does not exist.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / ".env"
    >>> _ = p.write_text("# shop\\nexport SHOP_USER=ann\\nSHOP_PASSWORD='p#1 2'\\n")
    >>> read_dotenv(p)
    {'SHOP_USER': 'ann', 'SHOP_PASSWORD': 'p#1 2'}
    """
    p = Path(path)
    if not p.is_file():
        return {}
    out: dict[str, str] = {}
    for line in p.read_text(encoding="utf-8-sig").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        name, _, value = line.removeprefix("export ").partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        else:
            value = value.split(" #")[0].strip()
        out[name.strip()] = value
    return out


def _dotenv_files() -> list[Path]:
    from custlib.run.config import project_root

    return [project_root() / ".env", Path.cwd() / ".env"]


def placeholders(text: str) -> list[str]:
    """The names of the ``${NAME}`` placeholders in ``text``, each once.

    Examples
    --------
    >>> placeholders("postgresql://${PGUSER_SHOP}:${SHOP_PW}@db/shop")
    ['PGUSER_SHOP', 'SHOP_PW']
    """
    return list(dict.fromkeys(_PLACEHOLDER.findall(text)))


def fill_placeholders(text: str, what: str = "database") -> str:
    """Replace every ``${NAME}`` in ``text`` by its value.

    The environment variable ``NAME`` wins; else a ``.env`` file in the project root, else
    one in the working directory.

    Parameters
    ----------
    text : str
    what : str, default 'database'
        The parameter, for the message.

    Returns
    -------
    str

    Raises
    ------
    ParameterError
        A placeholder that none of them sets (named, with where it was looked for).
    """
    names = _PLACEHOLDER.findall(text)
    if not names:
        return text
    values: dict[str, str] = {}
    for path in reversed(_dotenv_files()):  # the project root's file wins over the cwd's
        values.update(read_dotenv(path))
    values.update({n: os.environ[n] for n in names if n in os.environ})
    missing = [n for n in dict.fromkeys(names) if n not in values]
    if missing:
        raise ParameterError(
            f"parameter {what!r} uses ${{{missing[0]}}}, which no environment variable "
            f"and no .env file sets (looked in "
            f"{format_list(dict.fromkeys(str(p) for p in _dotenv_files()))}"
            f"); set it, e.g. `export {missing[0]}=...` before the run, or a line "
            f"{missing[0]}=... in the project's .env file")
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], text)


def _parse(text: str) -> Any:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(text)
    except (ArgumentError, ValueError):
        raise ParameterError(
            f"parameter 'database' is {_mask_text(text)!r}, which is not a database URL; "
            "expected for example 'postgresql://ann@localhost:5432/shop', "
            "'sqlite:///data/shop.db' or 'duckdb:///data/lake.duckdb'") from None


def _mask_text(text: str) -> str:
    """A URL-like text with anything between ``user:`` and ``@`` masked."""
    return re.sub(r"(//[^/:@]*:)[^@/]*@", r"\1***@", text)


def check_url(text: str) -> Any:
    """Check a ``database`` parameter without connecting, and return its parsed URL.

    Parameters
    ----------
    text : str
        A SQLAlchemy URL, possibly with ``${NAME}`` placeholders (not yet filled).

    Returns
    -------
    sqlalchemy.engine.URL

    Raises
    ------
    ParameterError
        Not a URL, a dialect the kit does not read, or a password written in the URL.
    """
    url = _parse(text)
    if url.get_backend_name() not in DIALECTS:
        raise ParameterError(
            f"parameter 'database' is {mask_url(url)!r}, a {url.get_backend_name()!r} "
            f"database; expected one of {format_list(DIALECTS)} URLs (postgresql://..., "
            "sqlite:///path, duckdb:///path)")
    secrets = [url.password] if url.password is not None else []
    secrets += [v for k, v in url.query.items() if k.lower() == "password"]
    for secret in secrets:
        for value in (secret if isinstance(secret, tuple) else (secret,)):
            if not _PLACEHOLDER.fullmatch(str(value)):
                raise ParameterError(
                    f"parameter 'database' ({mask_url(url)}) holds a password; a parameter "
                    f"file is no place for one: {_HINT_PASSWORD}")
    return url


def resolve_url(text: str) -> Any:
    """The URL to connect with: checked, placeholders filled, file paths made absolute.

    A relative SQLite or DuckDB path is read from the project root (as every path of the
    kit), and must exist: SQLite would otherwise create an empty database.

    Parameters
    ----------
    text : str

    Returns
    -------
    sqlalchemy.engine.URL

    Raises
    ------
    ParameterError
        See :func:`check_url` and :func:`fill_placeholders`.
    SourceError
        A database file that does not exist.
    """
    from custlib.run.config import resolve_path

    url = check_url(text)
    parts: dict[str, Any] = {}
    for key in ("username", "password", "host", "database"):
        value = getattr(url, key)
        if value is not None and "${" in value:
            parts[key] = fill_placeholders(value)
    query = {k: (fill_placeholders(v) if isinstance(v, str) else
                 tuple(fill_placeholders(x) for x in v)) for k, v in url.query.items()}
    url = url.set(query=query, **parts)
    backend = url.get_backend_name()
    if backend in ("sqlite", "duckdb") and url.database not in (None, "", ":memory:"):
        path = resolve_path(url.database)
        if not path.is_file():
            raise SourceError(f"database file not found: {path} (from database "
                              f"{mask_url(url)!r}; relative paths are read from the "
                              "project root)")
        url = url.set(database=str(path))
    return url


def mask_url(url: Any) -> str:
    """A database URL as the kit shows it: the password, if any, as ``***``.

    Parameters
    ----------
    url : str or sqlalchemy.engine.URL

    Returns
    -------
    str

    Examples
    --------
    >>> mask_url("postgresql://ann:s3cret@db:5432/shop")
    'postgresql://ann:***@db:5432/shop'
    """
    if isinstance(url, str):
        try:
            url = _parse(url)
        except ParameterError:
            return _mask_text(url)
    hidden = [k for k in url.query if k.lower() == "password"]
    if hidden:  # libpq's ?password=... (only ever from a ${NAME}: see check_url)
        url = url.set(query={**url.query, **{k: "MASKED" for k in hidden}})
    return str(url.render_as_string(hide_password=True)).replace("=MASKED", "=***")


def is_query(text: str) -> bool:
    """True when ``text`` is a query (starts with SELECT or WITH), not a table name.

    Examples
    --------
    >>> is_query("  select * from sales order by id"), is_query("public.sales")
    (True, False)
    """
    words = text.split(None, 1)
    return bool(words) and words[0].upper() in ("SELECT", "WITH")


def check_source_name(text: str, what: str) -> None:
    """Check that a source names a table (``schema.table`` allowed) or holds a query.

    Parameters
    ----------
    text : str
    what : str
        The parameter (``transactions``), for the message.

    Raises
    ------
    ParameterError
    """
    if is_query(text) or _TABLE_NAME.fullmatch(text.strip()):
        return
    raise ParameterError(
        f"parameter {what!r} is {text!r}; with 'database' set it names a table (letters, "
        "digits and _, 'schema.table' allowed) or holds a query starting with SELECT or "
        "WITH (a table with another name: SELECT * FROM \"Order Lines\" ORDER BY ...)")


def _safe(exc: BaseException, url: Any) -> str:
    """The driver's message, with the password (if any) masked and no SQL echo."""
    text = str(getattr(exc, "orig", None) or exc).split("\n[SQL:")[0].strip()
    secrets = [url.password] + [v for k, v in url.query.items() if k.lower() == "password"]
    for secret in secrets:
        for value in (secret if isinstance(secret, tuple) else (secret,)):
            if value:
                text = text.replace(str(value), "***")
    return text


def _ordered_table(conn: Any, name: str, url: Any) -> Any:
    """``SELECT * FROM table ORDER BY <primary key>`` (no ORDER BY without one)."""
    import sqlalchemy as sa

    schema, _, table = name.strip().rpartition(".")
    try:
        t = sa.Table(table, sa.MetaData(), schema=schema or None, autoload_with=conn)
    except sa.exc.NoSuchTableError:
        try:
            tables = sa.inspect(conn).get_table_names(schema=schema or None)
            tables += sa.inspect(conn).get_view_names(schema=schema or None)
        except sa.exc.SQLAlchemyError:
            tables = []
        raise SourceError(f"{mask_url(url)} has no table {name!r}; tables there: "
                          f"{format_list(sorted(tables)) or 'none'}") from None
    return sa.select(t).order_by(*t.primary_key.columns)


def _engine(url: Any) -> Any:
    """An engine that only reads: SQLite opened read-only, PostgreSQL read-only sessions."""
    import sqlalchemy as sa

    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        import sqlite3
        import urllib.parse

        uri = f"file:{urllib.parse.quote(url.database)}?mode=ro"
        return sa.create_engine("sqlite://", creator=lambda: sqlite3.connect(uri, uri=True))
    if url.get_backend_name() == "postgresql" and "+" not in url.drivername:
        url = url.set(drivername="postgresql+psycopg")  # psycopg 3, SQLAlchemy 2.0's too
    return sa.create_engine(url)


def _iter_sqlalchemy(url: Any, source: str, batch_rows: int) -> Iterator[pd.DataFrame]:
    import sqlalchemy as sa

    engine = _engine(url)
    try:
        with engine.connect() as conn:
            if url.get_backend_name() == "postgresql":  # a query cannot change anything
                conn.exec_driver_sql("SET TRANSACTION READ ONLY")
            conn = conn.execution_options(stream_results=True, max_row_buffer=batch_rows)
            sql = source if is_query(source) else _ordered_table(conn, source, url)
            yield from pd.read_sql(sql, conn, chunksize=batch_rows, coerce_float=True)
    except CustlibError:
        raise
    except (sa.exc.SQLAlchemyError, ImportError, OSError) as exc:
        raise SourceError(f"cannot read {_what(source)} from {mask_url(url)}: "
                          f"{_safe(exc, url)}") from None
    finally:
        engine.dispose()


def _duckdb_primary_key(con: Any, name: str) -> list[str]:
    schema, _, table = name.strip().rpartition(".")
    rows = con.execute(
        "SELECT constraint_column_names FROM duckdb_constraints() WHERE constraint_type = "
        "'PRIMARY KEY' AND table_name = ? AND (? = '' OR schema_name = ?)",
        [table, schema, schema]).fetchall()
    return list(rows[0][0]) if rows else []


def _iter_duckdb(url: Any, source: str, batch_rows: int) -> Iterator[pd.DataFrame]:
    import pyarrow as pa

    try:
        import duckdb
    except ImportError:
        raise SourceError("reading a DuckDB file needs the duckdb package: pip install "
                          "'custlib[fast]'") from None
    try:
        con = duckdb.connect(url.database or ":memory:", read_only=True)
    except duckdb.Error as exc:
        raise SourceError(f"cannot open {mask_url(url)}: {exc}") from None
    try:
        # a read-only file can still reach outside itself (COPY ... TO, read_csv, INSTALL):
        # no external access, and one SELECT statement, nothing after it
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
        if is_query(source):
            statements = con.extract_statements(source)
            if len(statements) != 1 or statements[0].type != duckdb.StatementType.SELECT:
                raise SourceError(f"{_what(source)} must be one SELECT (or WITH ... SELECT) "
                                  "statement; the kit only reads. Write it as a single query "
                                  "without ';' and other statements")
            sql = source
        else:
            schema, _, table = source.strip().rpartition(".")
            quoted = ".".join(f'"{p}"' for p in (schema, table) if p)
            found = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ? "
                                "AND (? = '' OR schema_name = ?)",
                                [table, schema, schema]).fetchone()
            if not found or not found[0]:
                names = [r[0] for r in con.execute(
                    "SELECT CASE WHEN schema_name = 'main' THEN table_name ELSE schema_name "
                    "|| '.' || table_name END FROM duckdb_tables() ORDER BY 1").fetchall()]
                raise SourceError(f"{mask_url(url)} has no table {source!r}; tables there: "
                                  f"{format_list(names) or 'none'}")
            keys = _duckdb_primary_key(con, source)
            order = (" ORDER BY " + ", ".join(f'"{k}"' for k in keys)) if keys else ""
            sql = f"SELECT * FROM {quoted}{order}"
        relation = con.sql(sql)
        reader = arrow_batches(relation, batch_rows)
        empty = True
        for batch in reader:
            empty = False
            yield _arrow_to_pandas(pa.Table.from_batches([batch]))
        if empty:
            yield _arrow_to_pandas(reader.schema.empty_table())
    except duckdb.Error as exc:
        raise SourceError(f"cannot read {_what(source)} from {mask_url(url)}: {exc}") from None
    finally:
        con.close()


def _arrow_to_pandas(table: Any) -> pd.DataFrame:
    """Decimals as floats, as ``pandas.read_sql(coerce_float=True)`` gives them."""
    import pyarrow as pa

    for i, f in enumerate(table.schema):
        if pa.types.is_decimal(f.type):
            table = table.set_column(i, f.name, table.column(i).cast(pa.float64()))
    return table.to_pandas()


def _what(source: str) -> str:
    return "the query" if is_query(source) else f"table {source!r}"


def iter_database(database: str, source: str, *, batch_rows: int = 100_000
                  ) -> Iterator[pd.DataFrame]:
    """Read a table or a query in pages of ``batch_rows`` rows, values as stored.

    Parameters
    ----------
    database : str
        A SQLAlchemy URL (see the module's notes on credentials).
    source : str
        A table (``schema.table`` allowed; ordered by its primary key if it has one) or a
        query starting with ``SELECT`` or ``WITH`` (give it an ``ORDER BY`` for rows in
        the same order on every run).
    batch_rows : int, default 100000

    Yields
    ------
    pandas.DataFrame
        Pages in the result's order, with ``attrs['source']`` the masked URL and the
        table (or ``query``). An empty result gives one empty page with the columns.

    Raises
    ------
    ParameterError
        A bad URL or a password in it.
    SourceError
        The database, table or query cannot be read (the driver's message, masked).
    """
    check_source_name(source, "source")
    url = resolve_url(database)
    name = f"{mask_url(url)} {'query' if is_query(source) else source.strip()}"
    pages = _iter_duckdb if url.get_backend_name() == "duckdb" else _iter_sqlalchemy
    for page in pages(url, source, batch_rows):
        page.attrs["source"] = name
        yield page


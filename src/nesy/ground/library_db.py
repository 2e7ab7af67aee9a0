"""library(db): csv_load/2 and sqlite_load/1, facts read from a CSV file or a SQLite database.

As in ProbLog 2.3, `csv_load(File, Pred)` defines Pred/N (N columns, the first row names them)
with one fact per further row, and `sqlite_load(File)` defines one predicate per table. A CSV
column's type is that of its first value: an integer, else a float, else text (stripped); a later
value of another type is an error naming its line. Text becomes an atom. A relative file name
is resolved against the directory of the program that names it (the current directory for a
program given as text). One difference: ProbLog 2.3 makes text values quoted atoms ('alice'),
which it prints quoted and which match alice in a call of the table but not as an argument of
another predicate (`t(X), likes(X)` fails on `likes(alice)`); in nesy 'alice' and alice are
one atom, in a database as in a program.
"""

from __future__ import annotations

from pathlib import Path

from nesy.errors import EvaluationError, GroundingError
from nesy.front.program import Rule
from nesy.ground.library import require_library
from nesy.terms import Str, Term, Var, format_term

LIBRARY = "db"


def register(builtins: dict) -> None:
    """Add the library's predicates to the builtin table."""
    builtins[("csv_load", 2)] = _csv_load
    builtins[("sqlite_load", 1)] = _sqlite_load


def _text_arg(g, term, what: str, span) -> str:
    term = g.resolve(term)
    if isinstance(term, Str):
        return term.value
    if isinstance(term, Term) and not term.args:
        return term.functor
    if isinstance(term, Var):
        raise EvaluationError(f"instantiation error: {what} is unbound", span)
    raise EvaluationError(f"type error: {what} must be an atom or a string, not "
                          f"{format_term(term)}", span)


def _resolve(g, name: str, what: str, span) -> Path:
    """`name` against the directory of the program file the goal comes from."""
    source = span.source if span is not None else g.program.source
    base = Path(source.name)
    try:
        root = base.resolve().parent if base.is_file() else Path.cwd()
    except OSError:
        root = Path.cwd()
    path = root / name
    if not path.is_file():
        raise GroundingError(f"cannot find the {what} '{name}' (looked for {path})", span)
    return path


def _define(g, name: str, arity: int, rows: list[tuple], span) -> None:
    facts = [Rule(Term(name, row, span), None, span) for row in rows]
    g.change_clauses((name, arity), facts)


def _csv_load(g, args, depth, span):
    import csv  # here, not at import: most programs load no data (cold start)

    require_library(g, LIBRARY, "csv_load/2", span)
    name = _text_arg(g, args[0], "the file of csv_load/2", span)
    predicate = _text_arg(g, args[1], "the predicate of csv_load/2", span)
    path = _resolve(g, name, "CSV file", span)
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            lines = list(csv.reader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise GroundingError(f"cannot read the CSV file {path}: {exc}", span) from None
    if not lines:
        raise GroundingError(f"the CSV file {path} is empty: its first row must name the "
                             "columns", span)
    header, data = lines[0], lines[1:]
    rows: list[tuple] = []
    types: list | None = None
    for number, row in enumerate(data, start=2):
        if not row and types is not None:
            continue  # (ProbLog skips empty rows after the first data row)
        if len(row) != len(header):
            raise GroundingError(f"{path}:{number}: {len(row)} values for the "
                                 f"{len(header)} columns of {predicate}", span)
        if types is None:
            types = [_column_type(value) for value in row]
        rows.append(tuple(_convert(value, kind, path, number, span)
                          for value, kind in zip(row, types, strict=True)))
    _define(g, predicate, len(header), rows, span)
    yield ()


def _column_type(value: str) -> type:
    for kind in (int, float):
        try:
            kind(value)
            return kind
        except ValueError:
            continue
    return str


def _convert(value: str, kind: type, path, number: int, span):
    if kind is str:
        return Term(value.strip())
    try:
        return kind(value)
    except ValueError:
        raise GroundingError(f"{path}:{number}: expected type {kind.__name__}, found value "
                             f"{value!r} (a column's type is that of its first value)",
                             span) from None


def _sqlite_load(g, args, depth, span):
    import sqlite3  # here, not at import: most programs load no data (cold start)

    require_library(g, LIBRARY, "sqlite_load/1", span)
    name = _text_arg(g, args[0], "the file of sqlite_load/1", span)
    path = _resolve(g, name, "SQLite database", span)
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            tables = [row[0] for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type='table'")]
            contents = {}
            for table in tables:
                quoted = table.replace('"', '""')
                cursor = connection.execute(f'SELECT * FROM "{quoted}"')
                contents[table] = (len(cursor.description), cursor.fetchall())
        finally:
            connection.close()
    except sqlite3.Error as exc:
        raise GroundingError(f"cannot read the SQLite database {path}: {exc}", span) from None
    for table, (arity, rows) in contents.items():
        _define(g, table, arity,
                [tuple(_from_sql(v, path, table, span) for v in row) for row in rows], span)
    yield ()


def _from_sql(value, path, table: str, span):
    if isinstance(value, str):
        return Term(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    raise GroundingError(f"{path}: table {table} holds {'NULL' if value is None else 'a blob'}"
                         ", which has no ProbLog term", span)

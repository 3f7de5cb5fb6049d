"""All of recommend's SQL lives in store.py: the other modules call its named functions."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import services.recommend

PACKAGE = Path(services.recommend.__file__).parent
STORE = PACKAGE / "store.py"
# asyncpg's Connection and Pool methods that run SQL (or COPY) on the database.
SQL_METHODS = frozenset(
    {
        "execute",
        "executemany",
        "fetch",
        "fetchrow",
        "fetchval",
        "fetchmany",
        "cursor",
        "prepare",
        "copy_records_to_table",
        "copy_to_table",
        "copy_from_table",
        "copy_from_query",
    }
)
# A string literal that reads as an SQL statement (keywords in capitals, as the code writes them).
SQL_TEXT = re.compile(
    r"\bSELECT\b[\s\S]*\bFROM\b|\bINSERT\s+INTO\b|\bUPDATE\s+\S+\s+(AS\s+\S+\s+)?SET\b"
    r"|\bDELETE\s+FROM\b|\b(CREATE|DROP)\s+(UNIQUE\s+)?INDEX\b|\bANALYZE\s+\w"
)


def _docstrings(tree: ast.Module) -> set[int]:
    """ids of the constants that are docstrings (of the module, classes and functions)."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def sql_outside_store(source: str) -> list[str]:
    """Where `source` calls asyncpg with SQL, or spells an SQL statement: 'line: what'."""
    tree = ast.parse(source)
    docstrings = _docstrings(tree)
    problems: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in SQL_METHODS
        ):
            problems.append((node.lineno, f".{node.func.attr}(...)"))
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
            and SQL_TEXT.search(node.value)
        ):
            problems.append((node.lineno, f"SQL text {node.value.strip()[:50]!r}"))
    return [f"{line}: {what}" for line, what in sorted(problems)]


class TestSqlLivesInStore:
    """Recommend's SQL is in store.py alone: each statement a named function there, so a change
    of schema touches one module and every query can be read in one place."""

    def test_no_module_but_store_runs_or_spells_sql(self) -> None:
        modules = sorted(p for p in PACKAGE.rglob("*.py") if p != STORE)
        assert len(modules) > 10  # the scan sees the package, not an empty folder
        problems = {
            str(path.relative_to(PACKAGE)): found
            for path in modules
            if (found := sql_outside_store(path.read_text(encoding="utf-8")))
        }
        assert problems == {}

    def test_the_store_itself_is_seen_as_sql(self) -> None:
        found = sql_outside_store(STORE.read_text(encoding="utf-8"))
        assert any(".fetch(" in f for f in found)
        assert any(".copy_records_to_table(" in f for f in found)

    def test_calls_and_statements_are_caught_and_prose_is_not(self) -> None:
        source = '''
"""Module prose may say SELECT this FROM that."""
async def f(conn, pool):
    """So may a function's: DELETE FROM nowhere."""
    await conn.execute(QUERY)
    await pool.fetchval(QUERY)
    async with pool.acquire() as c:
        await c.copy_records_to_table("t", records=[])
QUERY = "UPDATE recommend.cases AS t SET text = $1"
OTHER = ("DELETE FROM recommend.reembed_staging")
'''
        assert sql_outside_store(source) == [
            "5: .execute(...)",
            "6: .fetchval(...)",
            "8: .copy_records_to_table(...)",
            "9: SQL text 'UPDATE recommend.cases AS t SET text = $1'",
            "10: SQL text 'DELETE FROM recommend.reembed_staging'",
        ]

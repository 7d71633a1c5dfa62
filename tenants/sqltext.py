"""Whether a SQL statement, as sent to the database, acts for one tenant only.

Reads the final SQL text (what the ORM, Core or text() produced, ORM tenant criteria and
subqueries included) with its DBAPI parameters, so one reading covers every way a statement
is built. A statement touches a tenant-owned table where the table's name stands in a table
position (after FROM, JOIN, INTO, UPDATE, TABLE, TRUNCATE or in a FROM list), as itself or a
monthly partition (`arrival_p202612`). Each such occurrence (by its alias, else its name)
needs a tenant predicate: `<occurrence>.tenant_id = <value>` where the value is a parameter
or a literal equal to the current tenant, or `= <other>.tenant_id` of an occurrence that has
one. An INSERT into a tenant-owned table needs its `tenant_id` value (each VALUES row, or the
matching item of INSERT ... SELECT) equal to the current tenant.

A check against omission, not a proof: predicates under OR count too, and occurrences of the
same name share their predicates. Used by tenants.door (the door's own check, and the whole
test suite's).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

TENANT_COLUMN = "tenant_id"

_TOKEN = re.compile(
    r"""
    (?P<space>\s+|--[^\n]*)
  | (?P<string>'(?:[^']|'')*')
  | "(?P<quoted>(?:[^"]|"")*)"
  | %\((?P<pyformat>[^)]+)\)s
  | (?P<qmark>\?)
  | (?P<cast>::)
  | :(?P<named>[A-Za-z_]\w*)
  | (?P<number>\d+)(?![\w.])
  | (?P<word>[A-Za-z_][\w$]*)
  | (?P<other>.)
    """,
    re.X | re.S,
)
#: Keywords after which a table name stands.
_TABLE_AFTER = {"FROM", "JOIN", "INTO", "UPDATE", "TABLE", "TRUNCATE", "USING", "ONLY"}
#: Clauses whose comma-separated list holds table names.
_TABLE_LISTS = {"FROM", "TRUNCATE", "USING"}
_CLAUSES = _TABLE_LISTS | {
    "SELECT", "WHERE", "SET", "VALUES", "ON", "GROUP", "ORDER", "HAVING", "LIMIT", "RETURNING",
    "INTO", "UPDATE", "JOIN", "UNION", "EXCEPT", "INTERSECT", "WITH", "FOR", "OFFSET",
}  # fmt: skip


@dataclass(frozen=True)
class Token:
    kind: str  # name, keyword, param, number, string, punct
    text: str  # identifier (lower case), keyword (upper case), punctuation, literal
    key: object = None  # a parameter's name (pyformat, named) or position (qmark)


def tokenize(sql: str) -> list[Token]:
    """The SQL's tokens, without spaces and comments; qmark parameters numbered in order."""
    tokens, position = [], 0
    for match in _TOKEN.finditer(sql):
        kind = match.lastgroup
        if kind == "space":
            continue
        if kind == "quoted":
            tokens.append(Token("name", match.group("quoted").replace('""', '"').lower()))
        elif kind == "word":
            word = match.group("word")
            tokens.append(Token("name", word.lower()) if word.islower() else Token("word", word))
        elif kind in ("pyformat", "named"):
            tokens.append(Token("param", "", match.group(kind)))
        elif kind == "qmark":
            tokens.append(Token("param", "", position))
            position += 1
        elif kind == "number":
            tokens.append(Token("number", match.group("number")))
        elif kind == "string":
            tokens.append(Token("string", match.group("string")))
        else:
            tokens.append(Token("punct", match.group(0)))
    return tokens


def _word(token: Token) -> str:
    """A token as a keyword (upper case) when it can be one."""
    return token.text.upper() if token.kind in ("word", "name") else token.text


#: A tenant value: ("param", key), ("const", int) or ("link", occurrence).
Value = tuple[str, object]


@dataclass(frozen=True)
class Shape:
    """What one SQL text needs: the tenant-owned occurrences and what guards them."""

    #: occurrence (alias or table name) -> its table's name, in order of appearance
    occurrences: dict[str, str]
    #: occurrence -> the values its tenant_id is compared with
    guards: dict[str, tuple[Value, ...]]
    #: the INSERT's tenant-owned table and the tenant value of each of its rows (None: none)
    insert: tuple[str, tuple[Value | None, ...]] | None

    @property
    def tables(self) -> list[str]:
        """The tenant-owned tables the statement touches (for messages)."""
        names = list(dict.fromkeys(self.occurrences.values()))
        if self.insert and self.insert[0] not in names:
            names.insert(0, self.insert[0])
        return names

    def refusal(self, rows, tenant_id: int | None) -> str | None:
        """Why the statement does not act for `tenant_id` alone with these DBAPI parameters
        (one row, or a list for executemany); None when it does."""
        if tenant_id is None:
            return f"no current tenant for SQL on tenant-owned table {self.tables[0]!r}"
        for row in rows if isinstance(rows, list) else [rows]:
            why = self._refusal(row, tenant_id)
            if why:
                return why
        return None

    def _refusal(self, row, tenant_id: int) -> str | None:
        guarded = {
            name
            for name, values in self.guards.items()
            if any(_holds(v, row, tenant_id) for v in values if v[0] != "link")
        }
        grew = True
        while grew:  # a tenant_id equal to a guarded occurrence's tenant_id is guarded too
            grew = False
            for name, values in self.guards.items():
                if name not in guarded and any(v[0] == "link" and v[1] in guarded for v in values):
                    guarded.add(name)
                    grew = True
        for name, table in self.occurrences.items():
            if name not in guarded:
                return (
                    f"SQL on tenant-owned table {table!r} carries no predicate "
                    f"{name}.tenant_id = <the current tenant, {tenant_id}>"
                )
        if self.insert is not None:
            table, values = self.insert
            for value in values:
                ok = value is not None and (
                    value[1] in guarded if value[0] == "link" else _holds(value, row, tenant_id)
                )
                if not ok:
                    return (
                        f"INSERT into tenant-owned table {table!r} without tenant_id = {tenant_id}"
                    )
        return None


def _holds(value: Value, row, tenant_id: int) -> bool:
    kind, key = value
    if kind == "const":
        return key == tenant_id
    try:
        given = row[key]
    except (KeyError, IndexError, TypeError):
        return False
    return given == tenant_id and not isinstance(given, bool)


def tenant_table(name: str, tables: frozenset[str]) -> str | None:
    """The tenant-owned table `name` is (itself or one of its partitions), or None."""
    if name in tables:
        return name
    base, sep, suffix = name.rpartition("_p")
    if sep and base in tables and (suffix == "default" or (len(suffix) == 6 and suffix.isdigit())):
        return base
    return None


def shape_of(sql: str, tables: frozenset[str]) -> Shape | None:
    """The Shape of a SQL text; None when it touches no tenant-owned table. Remembered, but
    for long texts (multi-row INSERT batches, one per batch size)."""
    if not any(t in sql for t in tables):
        return None
    return _shape(sql, tables) if len(sql) > 8000 else _remembered_shape(sql, tables)


@lru_cache(maxsize=2048)
def _remembered_shape(sql: str, tables: frozenset[str]) -> Shape | None:
    return _shape(sql, tables)


def _shape(sql: str, tables: frozenset[str]) -> Shape | None:
    tokens = tokenize(sql)
    occurrences, insert = _occurrences(tokens, tables)
    if not occurrences and insert is None:
        return None
    guards = _guards(tokens, occurrences)
    insert_shape = None
    if insert is not None:
        table, at = insert
        insert_shape = (table, _insert_values(tokens, at))
    return Shape(occurrences, guards, insert_shape)


def _occurrences(tokens: list[Token], tables: frozenset[str]):
    """Occurrences (alias or name -> table) and the INSERT target (table, token index)."""
    found: dict[str, str] = {}
    insert = None
    clause: list[str] = [""]  # the current clause keyword at each parenthesis depth
    for i, token in enumerate(tokens):
        word = _word(token)
        if token.text == "(":
            clause.append("")
            continue
        if token.text == ")":
            if len(clause) > 1:
                clause.pop()
            continue
        if token.kind == "word" and word in _CLAUSES:
            clause[-1] = word
        if token.kind != "name":
            continue
        before = tokens[i - 1] if i else None
        if before is None:
            continue
        in_position = _word(before) in _TABLE_AFTER or (
            before.text == "," and clause[-1] in _TABLE_LISTS
        )
        if before.text == "." and i >= 3:  # schema.table
            in_position = _word(tokens[i - 3]) in _TABLE_AFTER
        if not in_position or (i + 1 < len(tokens) and tokens[i + 1].text == "."):
            continue
        table = tenant_table(token.text, tables)
        if table is None:
            continue
        if _word(before) == "INTO" and i >= 2 and _word(tokens[i - 2]) == "INSERT":
            insert = (table, i)
            continue
        name = token.text
        if i + 2 < len(tokens) and _word(tokens[i + 1]) == "AS" and tokens[i + 2].kind == "name":
            name = tokens[i + 2].text
        found.setdefault(name, table)
    return found, insert


def _value_at(tokens: list[Token], i: int) -> tuple[Value | None, int]:
    """The tenant value starting at token i (param or number, cast or not, or x.tenant_id)
    and the index after it."""
    if i >= len(tokens):
        return None, i
    token = tokens[i]
    if _word(token) == "CAST" and i + 1 < len(tokens) and tokens[i + 1].text == "(":
        value, j = _value_at(tokens, i + 2)
        while j < len(tokens) and tokens[j].text != ")":
            j += 1
        return value, j + 1
    if token.kind == "param":
        value: Value | None = ("param", token.key)
    elif token.kind == "number":
        value = ("const", int(token.text))
    elif (
        token.kind == "name"
        and i + 2 < len(tokens)
        and tokens[i + 1].text == "."
        and tokens[i + 2].text == TENANT_COLUMN
    ):
        return ("link", token.text), i + 3
    else:
        return None, i + 1
    j = i + 1
    if j < len(tokens) and tokens[j].kind == "cast":
        j += 2  # ::INTEGER
    return value, j


def _guards(tokens: list[Token], occurrences: dict[str, str]) -> dict[str, tuple[Value, ...]]:
    """occurrence -> values its tenant_id is compared with by `=` (either side)."""
    guards: dict[str, list[Value]] = {name: [] for name in occurrences}
    alone = next(iter(occurrences)) if len(occurrences) == 1 else None
    clause = ""
    for i, token in enumerate(tokens):
        if token.kind == "word" and _word(token) in _CLAUSES:
            clause = _word(token)
        if token.text != TENANT_COLUMN or token.kind != "name":
            continue
        qualified = i >= 2 and tokens[i - 1].text == "."
        owner = tokens[i - 2].text if qualified else alone
        if owner is None or owner not in guards or (not qualified and clause == "SET"):
            continue
        value = None
        if i + 1 < len(tokens) and tokens[i + 1].text == "=":
            value, _ = _value_at(tokens, i + 2)
        else:  # <value> = owner.tenant_id
            start = i - 3 if qualified else i - 1
            if start >= 0 and tokens[start].text == "=":
                value = _value_before(tokens, start - 1)
        if value is not None and value != ("link", owner):
            guards[owner].append(value)
            if value[0] == "link" and value[1] in guards:
                guards[value[1]].append(("link", owner))
    return {name: tuple(values) for name, values in guards.items()}


def _value_before(tokens: list[Token], end: int) -> Value | None:
    """The tenant value ending at token `end` (param, number, cast or not, or x.tenant_id)."""
    if end >= 1 and tokens[end - 1].kind == "cast":
        end -= 2
    if end < 0:
        return None
    token = tokens[end]
    if token.kind == "param":
        return ("param", token.key)
    if token.kind == "number":
        return ("const", int(token.text))
    if token.text == TENANT_COLUMN and end >= 2 and tokens[end - 1].text == ".":
        return ("link", tokens[end - 2].text)
    return None


def _split(tokens: list[Token], start: int, stop_words: set[str]) -> tuple[list[int], int]:
    """Start indexes of the comma-separated items from `start` (inside one parenthesis level
    or up to a stop word at level 0); returns them and the index where the list ends."""
    items, depth, i = [start], 0, start
    while i < len(tokens):
        text = tokens[i].text
        if text == "(":
            depth += 1
        elif text == ")":
            if depth == 0:
                return items, i
            depth -= 1
        elif depth == 0 and text == ",":
            items.append(i + 1)
        elif depth == 0 and tokens[i].kind == "word" and _word(tokens[i]) in stop_words:
            return items, i
        i += 1
    return items, i


def _insert_values(tokens: list[Token], at: int) -> tuple[Value | None, ...]:
    """The tenant value of each row of the INSERT whose table name is at token `at`."""
    i = at + 1
    if _word(tokens[i]) == "AS":
        i += 2
    if i >= len(tokens) or tokens[i].text != "(":
        return (None,)
    starts, end = _split(tokens, i + 1, set())
    names = [tokens[s].text for s in starts]
    if TENANT_COLUMN not in names:
        return (None,)
    column = names.index(TENANT_COLUMN)
    i = end + 1
    keyword = _word(tokens[i]) if i < len(tokens) else ""
    if keyword == "VALUES":
        rows = []
        i += 1
        while i < len(tokens) and tokens[i].text == "(":
            starts, end = _split(tokens, i + 1, set())
            rows.append(_value_at(tokens, starts[column])[0] if column < len(starts) else None)
            i = end + 1
            if i < len(tokens) and tokens[i].text == ",":
                i += 1
        return tuple(rows) or (None,)
    if keyword == "SELECT":
        starts, end = _split(tokens, i + 1, {"FROM", "WHERE", "GROUP", "UNION", "RETURNING"})
        if column >= len(starts):
            return (None,)
        value = _value_at(tokens, starts[column])[0]
        if value is None and tokens[starts[column]].kind == "name":
            return _from_values(tokens, end, tokens[starts[column]].text)
        return (value,)
    return (None,)


def _from_values(tokens: list[Token], at: int, name: str) -> tuple[Value | None, ...]:
    """The rows of `SELECT p0, ... FROM (VALUES (...), ...) AS imp_sen(p0, ...)` (how
    SQLAlchemy's insertmanyvalues keeps the parameter order) for the selected column `name`."""
    if not (
        at + 2 < len(tokens)
        and _word(tokens[at]) == "FROM"
        and tokens[at + 1].text == "("
        and _word(tokens[at + 2]) == "VALUES"
    ):
        return (None,)
    rows, i = [], at + 3
    while i < len(tokens) and tokens[i].text == "(":
        starts, end = _split(tokens, i + 1, set())
        rows.append(starts)
        i = end + 1
        if i < len(tokens) and tokens[i].text == ",":
            i += 1
    # ) AS imp_sen ( p0, p1, ... )
    if not (i + 3 < len(tokens) and tokens[i].text == ")" and _word(tokens[i + 1]) == "AS"):
        return (None,)
    starts, _ = _split(tokens, i + 4, set())
    names = [tokens[s].text for s in starts]
    if name not in names:
        return (None,)
    column = names.index(name)
    return tuple(
        _value_at(tokens, row[column])[0] if column < len(row) else None for row in rows
    ) or (None,)

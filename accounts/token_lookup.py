"""The token check's one query, compiled once per database and reused.

The ORM would rebuild and recompile `Token.objects.select_related("user").get(digest=...)`
on every request, which costs more than the query itself. Here Django compiles that
queryset once; each call only executes the SQL, applies the backend's converters and
builds the two model instances with `Model.from_db`. Every concrete column of both
models is selected, so a column added to Token or User is picked up without edits.
"""

from django.db import connections

from accounts.models import Token, User

# Replaced by the digest at execution; never a real digest (those are 64 hex characters).
_PLACEHOLDER = "<digest>"


class _Compiled:
    def __init__(self, alias: str) -> None:
        queryset = (
            Token.objects.using(alias).select_related("user").filter(digest=_PLACEHOLDER).order_by()
        )
        compiler = queryset.query.get_compiler(using=alias)
        self.sql, params = compiler.as_sql()
        self.params = list(params)
        self.position = self.params.index(_PLACEHOLDER)
        self.converters = list(
            compiler.get_converters([col for col, _, _ in compiler.select]).items()
        )
        self.token_fields = [field.attname for field in Token._meta.concrete_fields]
        self.user_fields = [field.attname for field in User._meta.concrete_fields]
        if len(compiler.select) != len(self.token_fields) + len(self.user_fields):
            raise RuntimeError("The token query does not select the columns expected.")


_compiled: dict[tuple[str, str], _Compiled] = {}


def fetch_row(digest: str, alias: str = "default") -> tuple | None:
    """Return the converted token-and-user row for `digest`, or None."""
    connection = connections[alias]
    key = (alias, connection.vendor)
    compiled = _compiled.get(key)
    if compiled is None:
        compiled = _compiled[key] = _Compiled(alias)
    params = compiled.params.copy()
    params[compiled.position] = digest
    with connection.cursor() as cursor:
        cursor.execute(compiled.sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    if compiled.converters:
        row = list(row)
        for position, (converters, expression) in compiled.converters:
            value = row[position]
            for converter in converters:
                value = converter(value, expression, connection)
            row[position] = value
    return tuple(row)


def build(row: tuple, alias: str = "default") -> Token:
    """Fresh Token and User instances (with token.user set) from a fetched row."""
    compiled = _compiled[(alias, connections[alias].vendor)]
    split = len(compiled.token_fields)
    token = Token.from_db(alias, compiled.token_fields, row[:split])
    user = User.from_db(alias, compiled.user_fields, row[split:])
    Token.user.field.set_cached_value(token, user)
    return token

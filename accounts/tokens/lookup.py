"""The token check's one query, compiled once per database and reused.

The ORM would rebuild and recompile `Token.objects.select_related("user").get(digest=...)`
on every request, which costs more than the query itself. Here Django compiles that
queryset once; each call only executes the SQL, applies the backend's converters and
builds the two model instances. Every concrete column of both models is selected, so a
column added to Token or User is picked up without edits.
"""

from collections.abc import Callable

from django.db import connections
from django.db.models import Model
from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import post_init, pre_init

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
        self.direct = _direct(Token) and _direct(User)


# Descriptors that store what they are given (ImageField's, for one, does more).
_PLAIN_DESCRIPTORS = (DeferredAttribute, ForeignKeyDeferredAttribute)


def _direct(model) -> bool:
    """Whether an instance of `model` may be built by filling its __dict__ (see `_instance`)."""
    plain = all(
        type(model.__dict__.get(field.attname)) in _PLAIN_DESCRIPTORS
        for field in model._meta.concrete_fields
    )
    # A model whose from_db does more is built by it, unless all it adds is the model's
    # `loaded_from_db` hook (User remembers its email and active flag there, for the
    # lifecycle signals), which `_instance` calls.
    subclasses = model.__mro__[: model.__mro__.index(Model)]
    default_from_db = all(
        "from_db" not in vars(klass) or vars(klass).get("from_db_adds_only_loaded_hook")
        for klass in subclasses
    )
    return (
        plain
        and default_from_db
        and not pre_init.has_listeners(model)
        and not post_init.has_listeners(model)
    )


def _instance(model, alias: str, names: list[str], values: tuple, direct: bool):
    if not direct:
        return model.from_db(alias, names, values)
    # What Model.from_db ends with, without Model.__init__'s walk over every field (a third
    # of a cached token check, profiled): every column is present, each field's
    # descriptor stores the value as given, and no pre_init/post_init receiver is connected
    # (checked when the query is compiled; otherwise from_db is used).
    instance = model.__new__(model)
    instance.__dict__.update(zip(names, values, strict=True))
    state = instance._state = ModelState()
    state.adding = False
    state.db = alias
    loaded = getattr(instance, "loaded_from_db", None)
    if loaded is not None:
        loaded()
    return instance


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
    token = _instance(Token, alias, compiled.token_fields, row[:split], compiled.direct)
    user = _instance(User, alias, compiled.user_fields, row[split:], compiled.direct)
    Token.user.field.set_cached_value(token, user)
    return token


def find(digest: str, alias: str = "default") -> Token | None:
    """The token with `digest` and its user, from one query; or None."""
    row = fetch_row(digest, alias)
    return None if row is None else build(row, alias)


def remember_use(digest: str, token: Token) -> None:
    """Note a recorded use of `token`; nothing to keep without a cache."""


def install(
    cached_find: Callable[[str, str], Token | None],
    cached_remember_use: Callable[[str, Token], None],
) -> None:
    """Let a token cache answer the token check (the seam accounts/tokencache plugs into).

    Called once from the cache's AppConfig.ready(); the authentication class reads
    `lookup.find` at call time, so it needs no import of the cache.
    """
    global find, remember_use
    find = cached_find  # type: ignore[assignment]
    remember_use = cached_remember_use  # type: ignore[assignment]

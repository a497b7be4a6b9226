"""Django's database cache, made fit for counters written on every login.

Three changes to Django's backend, on SQLite and PostgreSQL (other databases keep
Django's code):

- `incr` is atomic and keeps the key's expiry. Django's is a `get` then a `set`:
  two workers can both read 4 and both write 5, and the `set` replaces the expiry
  with the default timeout.
- `set`, `add` and `touch` are one statement each. `add` is an
  `INSERT ... ON CONFLICT DO UPDATE ... WHERE expired`, so a live key is left alone
  without a failed INSERT (PostgreSQL would log a duplicate-key ERROR for each).
- No `SELECT COUNT(*)` over the table on every write. Every `CULL_EVERY`-th write
  of a process (option, default 1000; 0 never) deletes up to that many expired
  rows, and only then counts the table to apply `MAX_ENTRIES` as Django would.
  `manage.py purgecache` (for cron) deletes every expired row.
"""

import base64
import itertools
import pickle
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache.backends import db
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.db import connections, router, transaction
from django.utils.timezone import now as tz_now

# Both have INSERT ... ON CONFLICT (SQLite since 3.24).
_UPSERT_VENDORS = {"postgresql", "sqlite"}


class DatabaseCache(db.DatabaseCache):
    # Shared by every thread of the process, so culling follows the process's write rate.
    _writes = itertools.count(1)

    def __init__(self, table, params):
        super().__init__(table, params)
        self._cull_every = int(params.get("OPTIONS", {}).get("CULL_EVERY", 1000))

    def _sql(self, connection):
        quote = connection.ops.quote_name
        return quote(self._table), quote("cache_key"), quote("value"), quote("expires")

    def incr(self, key, delta: int = 1, version=None) -> int:
        key = self.make_and_validate_key(key, version=version)
        alias = router.db_for_write(self.cache_model_class)
        connection = connections[alias]
        table, cache_key, value_column, expires = self._sql(connection)
        now = tz_now().replace(microsecond=0, tzinfo=None)
        with transaction.atomic(using=alias), connection.cursor() as cursor:
            # Writing first takes the row lock (PostgreSQL) or the write lock (SQLite),
            # so a concurrent increment waits for this one instead of losing it.
            cursor.execute(
                f"UPDATE {table} SET {expires} = {expires} "
                f"WHERE {cache_key} = %s AND {expires} > %s",
                [key, connection.ops.adapt_datetimefield_value(now)],
            )
            if cursor.rowcount != 1:
                raise ValueError(f"Key '{key}' not found")
            cursor.execute(f"SELECT {value_column} FROM {table} WHERE {cache_key} = %s", [key])
            current = pickle.loads(base64.b64decode(cursor.fetchone()[0].encode()))
            new_value = current + delta
            encoded = base64.b64encode(pickle.dumps(new_value, self.pickle_protocol))
            cursor.execute(
                f"UPDATE {table} SET {value_column} = %s WHERE {cache_key} = %s",
                [encoded.decode("latin1"), key],
            )
        return new_value

    def _base_set(self, mode, key, value, timeout=DEFAULT_TIMEOUT) -> bool:
        alias = router.db_for_write(self.cache_model_class)
        connection = connections[alias]
        if connection.vendor not in _UPSERT_VENDORS:
            return super()._base_set(mode, key, value, timeout)  # type: ignore[misc]
        table, cache_key, value_column, expires = self._sql(connection)
        timeout = self.get_backend_timeout(timeout)
        if timeout is None:
            expiry = datetime.max
        else:
            expiry = datetime.fromtimestamp(timeout, tz=UTC if settings.USE_TZ else None)
        exp = connection.ops.adapt_datetimefield_value(expiry.replace(microsecond=0))
        now = connection.ops.adapt_datetimefield_value(tz_now().replace(microsecond=0))
        with connection.cursor() as cursor:
            if mode == "touch":
                cursor.execute(
                    f"UPDATE {table} SET {expires} = %s WHERE {cache_key} = %s AND {expires} >= %s",
                    [exp, key, now],
                )
            else:
                encoded = base64.b64encode(pickle.dumps(value, self.pickle_protocol))
                sql = (
                    f"INSERT INTO {table} ({cache_key}, {value_column}, {expires}) "
                    f"VALUES (%s, %s, %s) ON CONFLICT ({cache_key}) DO UPDATE SET "
                    f"{value_column} = EXCLUDED.{value_column}, {expires} = EXCLUDED.{expires}"
                )
                params = [key, encoded.decode("latin1"), exp]
                if mode == "add":
                    # Replace the row only if it has expired; a live key stays as it is.
                    sql += f" WHERE {table}.{expires} < %s"
                    params.append(now)
                cursor.execute(sql, params)
            written = cursor.rowcount == 1
            if self._cull_every and next(self._writes) % self._cull_every == 0:
                self._cull_expired(connection, cursor, now)
        return written

    def _cull_expired(self, connection, cursor, now) -> None:
        """Delete a batch of expired rows; past MAX_ENTRIES, cull live ones as Django does."""
        self._delete_expired_batch(connection, cursor, now, self._cull_every)
        table = self._sql(connection)[0]
        cursor.execute(f"SELECT COUNT(*) FROM {table}")
        count = cursor.fetchone()[0]
        if count > self._max_entries:
            self._cull(connection.alias, cursor, now, count)  # type: ignore[attr-defined]

    def _delete_expired_batch(self, connection, cursor, now, batch_size: int) -> int:
        table, cache_key, _, expires = self._sql(connection)
        cursor.execute(
            f"DELETE FROM {table} WHERE {cache_key} IN "
            f"(SELECT {cache_key} FROM {table} WHERE {expires} < %s LIMIT %s)",
            [now, batch_size],
        )
        return cursor.rowcount

    def delete_expired(self, batch_size: int = 1000) -> int:
        """Delete every expired row, `batch_size` per statement; return how many."""
        alias = router.db_for_write(self.cache_model_class)
        connection = connections[alias]
        now = connection.ops.adapt_datetimefield_value(tz_now().replace(microsecond=0))
        deleted = 0
        with connection.cursor() as cursor:
            while True:
                batch = self._delete_expired_batch(connection, cursor, now, batch_size)
                deleted += batch
                if batch < batch_size:
                    return deleted

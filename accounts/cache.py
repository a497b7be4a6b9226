"""Django's database cache with an atomic `incr` that keeps the key's expiry.

Django's own `incr` for this backend is a `get` then a `set`: two workers can
both read 4 and both write 5, and the `set` replaces the expiry with the default
timeout. Login counters need neither, so this one locks the row and rewrites
only the value.
"""

import base64
import pickle

from django.core.cache.backends import db
from django.db import connections, router, transaction
from django.utils.timezone import now as tz_now


class DatabaseCache(db.DatabaseCache):
    def incr(self, key, delta: int = 1, version=None) -> int:
        key = self.make_and_validate_key(key, version=version)
        alias = router.db_for_write(self.cache_model_class)
        connection = connections[alias]
        quote = connection.ops.quote_name
        table, cache_key, value_column, expires = (
            quote(self._table),
            quote("cache_key"),
            quote("value"),
            quote("expires"),
        )
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

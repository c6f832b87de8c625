"""The file cache that holds rendered data answers (``CACHES["responses"]``).

Django's ``FileBasedCache`` with two costs removed from every store of a fresh answer:

- it compresses every pickled value with zlib, while a response entry
  (:func:`clusterobs.portal.caching._entry`) already holds the gzip-compressed body: the
  second compression gains nothing and cost about 0.5 ms a region page;
- before every write it lists the whole cache folder to see whether the entry limit is
  reached (``_cull``): with the load test's thousands of entries that listing cost more
  than the write. Here a worker looks every :data:`CULL_EVERY` writes, so the folder may
  exceed ``MAX_ENTRIES`` by at most that many entries per worker before it is thinned.

Values are read and written by this class only: entries written by Django's class (zlib
compressed) are not readable here, which is why the folder is ``var/responses`` alone.
"""

from __future__ import annotations

import pickle
import threading
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.filebased import FileBasedCache

#: a worker checks the entry limit once per this many writes
CULL_EVERY = 64


class ResponseFileCache(FileBasedCache):
    """A ``FileBasedCache`` for values that are already compressed (see the module)."""

    def __init__(self, dir: str, params: dict[str, Any]) -> None:
        super().__init__(dir, params)
        self._writes = 0
        self._count_lock = threading.Lock()

    def get(self, key: str, default: Any = None, version: int | None = None) -> Any:
        fname = self._key_to_file(key, version)
        try:
            with open(fname, "rb") as f:
                if not self._is_expired(f):
                    return pickle.loads(f.read())
        except (OSError, EOFError, ValueError, pickle.UnpicklingError):
            pass  # absent, or cut short by a full disk: a miss, never an error
        return default

    def _write_content(self, file: Any, timeout: Any, value: Any) -> None:
        expiry = self.get_backend_timeout(timeout)
        file.write(pickle.dumps(expiry, self.pickle_protocol))
        file.write(pickle.dumps(value, self.pickle_protocol))

    def touch(self, key: str, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        value = self.get(key, version=version)
        if value is None:
            return False
        self.set(key, value, timeout, version)
        return True

    def _cull(self) -> None:
        with self._count_lock:
            self._writes += 1
            due = self._writes % CULL_EVERY == 1  # the first write of a worker looks too
        if due:
            super()._cull()

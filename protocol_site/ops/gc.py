"""The garbage collector's settings for the web workers (issue #10).

CPython runs its cyclic collector after every 700 new container objects, and a full collection
every few dozen requests. A Django request leaves thousands of objects in reference cycles
(prefetched rows point back at their parent, forms and serializers at their fields), so on the
case list and the API a full collection landed every 15-20 requests and took 80-130 ms: it, not
the database, set the p95. Collecting the youngest generation after 50,000 new objects instead
lets most of that garbage die young and cheaply; the bench measured the API list's p95 going
from 170 ms to 56 ms (docs/adr/0004-performance.md). The cost is a few megabytes per worker.
"""

from __future__ import annotations

import gc
import os

DEFAULT_THRESHOLD = 50_000


def tune_garbage_collector() -> tuple[int, int, int]:
    """Set the youngest generation's threshold ($PYTHON_GC_THRESHOLD; 0 keeps CPython's)."""
    value = int(os.environ.get("PYTHON_GC_THRESHOLD", DEFAULT_THRESHOLD))
    if value > 0:
        _, older, oldest = gc.get_threshold()
        gc.set_threshold(value, older, oldest)
    return gc.get_threshold()

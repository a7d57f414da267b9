"""The garbage collector of a service process: collected less often than Python's default.

A service allocates many short-lived objects per request and per event (ORM rows, pydantic
models, SQL expressions), few of which form cycles. With the default threshold (700) the young
generation is collected every few hundred allocations, and each collection also walks the
objects that survived it. Replaying the IBM history into `arflow run` spent a quarter of its CPU
there: 313 s of CPU and 328 s of replay with the default, 236 s and 253 s with these thresholds.
Memory stays bounded: cycles are still collected, just in larger batches.

What start-up built (modules, the app, engines, clients: some 130,000 objects) lives as long as
the process, yet every full collection walked it again: 80-130 ms in credit-service, during
which no request is answered. A served process moves it out of the collector's reach once started
(`freeze_start_up_objects`), so a full collection walks only what came after.
"""

import gc

YOUNG_THRESHOLD = 50_000
"""Net allocations between two collections of the youngest generation (Python's default: 700)."""
MIDDLE_THRESHOLD = 50
"""Young collections between two of the middle generation (default 10)."""
OLD_THRESHOLD = 100
"""Middle collections between two full ones (default 10); Python also waits for enough survivors."""


_serving = False


def collect_less_often() -> None:
    """Set this process's collector thresholds; call once at start-up, before serving."""
    global _serving
    gc.set_threshold(YOUNG_THRESHOLD, MIDDLE_THRESHOLD, OLD_THRESHOLD)
    _serving = True


def freeze_start_up_objects() -> None:
    """In a served process (`collect_less_often` was called): collect once, then freeze what is left.

    Frozen objects are still freed when nothing refers to them; only cycles among them would stay.
    A process that builds and drops apps (the tests) is not a served one, and freezes nothing.
    """
    if _serving:
        gc.collect()
        gc.freeze()

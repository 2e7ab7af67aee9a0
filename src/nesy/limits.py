"""Resource limits for grounding, compilation and evaluation (raised on LimitError), and the
one place deep work gets a stack large enough for the recursion it is allowed."""

from __future__ import annotations

import dataclasses
import queue
import sys
import threading
import time
from dataclasses import dataclass

#: C stack bytes budgeted per unit of Python's recursion counter: the worst pattern measured on
#: CPython 3.11 (a chain of generators resuming each other) takes about 700; the rest is margin.
STACK_BYTES_PER_LEVEL = 1200


@dataclass(frozen=True)
class Limits:
    """Bounds that turn a runaway program into a LimitError naming the bound."""

    max_ground_atoms: int = 1_000_000
    max_depth: int = 2_000
    timeout_s: float = 600.0
    max_circuit_nodes: int = 5_000_000
    max_fixpoint_iterations: int = 10_000
    max_distribution_size: int = 1_000_000
    #: proofs a Module's top-k enumerates per answer of a query shape (once, symbolically)
    max_proofs: int = 100_000
    #: stable models the asp semantics enumerates (clingo, nesy.solvers.asp)
    max_models: int = 1_000_000
    #: stack of the worker thread that parses, grounds and compiles; it bounds how deeply terms
    #: and recursion may nest (about 900,000 levels per GiB)
    max_stack_mb: int = 1024
    #: resident memory of the whole process, checked while grounding, compiling and evaluating
    max_memory_mb: int = 8192
    #: `time.monotonic()` when the run began, so every stage shares one timeout (the CLI sets it
    #: at start-up, `nesy.query` on entry); None: each stage's own start
    started_at: float | None = None
    #: check each IR (ground program, simplified program, circuit) at its stage boundary; on in
    #: the test suite (tests/conftest.py), off by default (it costs a pass over each)
    validate: bool = False


class Deadline:
    """The time and memory bounds of one run, checked cheaply and often by every stage."""

    __slots__ = ("limits", "end", "calls")

    def __init__(self, limits: Limits):
        self.limits = limits
        start = time.monotonic() if limits.started_at is None else limits.started_at
        self.end = start + limits.timeout_s
        self.calls = 0

    def started(self) -> Limits:
        """The limits with `started_at` filled in (now, unless already set)."""
        if self.limits.started_at is not None:
            return self.limits
        return dataclasses.replace(self.limits, started_at=self.end - self.limits.timeout_s)

    def check(self, stage: str) -> None:
        """Raise LimitError when the run is past its time or memory bound."""
        from nesy.errors import LimitError

        if time.monotonic() > self.end:
            raise LimitError(f"{stage} took too long", "timeout_s", self.limits.timeout_s)
        self.calls += 1
        if self.calls & 15 == 0 and resident_mb() > self.limits.max_memory_mb:
            raise LimitError(f"{stage} used too much memory", "max_memory_mb",
                             self.limits.max_memory_mb)


def resident_mb() -> float:
    """The process's resident memory in MiB (0 where it cannot be read)."""
    try:
        with open("/proc/self/statm", "rb") as f:
            pages = int(f.read().split()[1])
    except (OSError, ValueError, IndexError):
        return 0.0
    return pages * 4096 / (1 << 20)


# ----------------------------------------------------------------------------- deep stacks

_deep = threading.local()
_lock = threading.Lock()
_workers: dict[int, _Worker] = {}  # one long-lived worker per stack size, made on first use


class _Worker:
    """A daemon thread with a large stack that runs the jobs handed to it, one at a time."""

    def __init__(self, stack: int):
        self.stack = stack
        self.level = max(1000, stack // STACK_BYTES_PER_LEVEL - 200)
        self.jobs: queue.SimpleQueue = queue.SimpleQueue()
        self.busy = threading.Lock()  # held by the caller whose job runs
        old = threading.stack_size()
        try:
            threading.stack_size(stack)
            self.thread = threading.Thread(target=self._serve, name="nesy-deep", daemon=True)
            self.thread.start()
        finally:
            threading.stack_size(old)

    def _serve(self) -> None:
        _deep.stack_bytes = self.stack
        while True:
            job, done = self.jobs.get()
            saved = sys.getrecursionlimit()
            try:
                # raised only while a job runs: other threads have smaller stacks
                sys.setrecursionlimit(max(saved, self.level))
                job()
            except BaseException:  # noqa: BLE001, S110 - a late interrupt; the job reported
                pass
            finally:
                sys.setrecursionlimit(saved)
            done.set()


def stack_capacity() -> int:
    """The recursion limit the current thread's C stack can hold."""
    size = getattr(_deep, "stack_bytes", 0)
    if not size:
        size = 8 << 20  # the main thread and ordinary threads: glibc's usual 8 MiB
        if threading.current_thread() is threading.main_thread():
            try:
                import resource

                soft, _ = resource.getrlimit(resource.RLIMIT_STACK)
                if 0 < soft < size:
                    size = soft
            except (ImportError, OSError, ValueError):
                pass
    return max(1000, size // STACK_BYTES_PER_LEVEL - 200)


def safe_recursion_limit(wanted: int) -> int:
    """`wanted`, lowered to what this thread's stack holds: a RecursionError, never a crash."""
    return min(wanted, stack_capacity())


def call_deep(fn, *args, limits: Limits | None = None, **kwargs):
    """`fn(*args, **kwargs)` on a worker thread whose stack holds `limits.max_stack_mb`, with
    Python's recursion limit sized to that stack; inside such a worker it is a plain call.

    Parsing, grounding and compiling recurse as deeply as terms nest, and CPython's main
    thread has an 8 MiB stack: past it the process dies of SIGSEGV. On the worker the same
    program ends in a RecursionError, which leaves here as a LimitError naming max_stack_mb.
    (Python's recursion limit is per interpreter: while a job runs, other threads share it.)
    """
    if getattr(_deep, "stack_bytes", 0):
        return fn(*args, **kwargs)
    limits = limits or Limits()
    stack = max(16, int(limits.max_stack_mb)) << 20
    with _lock:
        worker = _workers.get(stack)
        if worker is None or not worker.thread.is_alive():
            try:
                worker = _workers[stack] = _Worker(stack)
            except (RuntimeError, ValueError, MemoryError):
                worker = None
    if worker is None:  # no thread with such a stack: run here, within this stack's limit
        return fn(*args, **kwargs)
    outcome: list = []

    def job():
        try:
            outcome.append((True, fn(*args, **kwargs)))
        except BaseException as exc:  # noqa: BLE001 - handed to the calling thread
            outcome.append((False, exc))

    done = threading.Event()
    budget = Deadline(limits)
    with worker.busy:
        worker.jobs.put((job, done))
        try:
            # a watchdog behind the stages' own checks: a stage stuck between two checks is
            # stopped at its next bytecode, a little past the bound
            sent = None
            while not done.wait(0.05):
                if sent is not None:
                    if time.monotonic() > sent[1] + 1.0:  # still unwinding: answer now
                        outcome[:] = [(False, sent[0]())]
                        break
                elif time.monotonic() > budget.end + 0.5:
                    _interrupt(worker.thread, _TimeOver)
                    sent = (_TimeOver, time.monotonic())
                elif resident_mb() > limits.max_memory_mb * 1.05:
                    _interrupt(worker.thread, _MemoryOver)
                    sent = (_MemoryOver, time.monotonic())
        except KeyboardInterrupt:
            _interrupt(worker.thread, KeyboardInterrupt)
            done.wait(5.0)
            raise
    ok, value = outcome[0] if outcome else (False, RuntimeError("the worker thread died"))
    if ok:
        return value
    from nesy.errors import LimitError

    if isinstance(value, RecursionError):
        raise LimitError("a term or a recursion nests too deeply for the stack",
                         "max_stack_mb", limits.max_stack_mb) from None
    if isinstance(value, _TimeOver):
        raise LimitError("the run took too long", "timeout_s", limits.timeout_s) from None
    if isinstance(value, _MemoryOver):
        raise LimitError("the run used too much memory", "max_memory_mb",
                         limits.max_memory_mb) from None
    raise value


class _TimeOver(BaseException):
    """Raised into a worker past its timeout (a BaseException: no `except Exception` eats it)."""


class _MemoryOver(BaseException):
    """Raised into a worker past its memory bound."""




def _interrupt(worker: threading.Thread, exc_type: type) -> None:
    """Raise `exc_type` in a worker at its next bytecode."""
    import ctypes

    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(worker.ident),
                                               ctypes.py_object(exc_type))

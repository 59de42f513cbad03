"""How use-cases tell what they did: one event per action, and a summary of the run."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator, TypeVar

T = TypeVar("T")


@dataclass
class Summary:
    scanned: int = 0
    normalised: int = 0
    indexed: int = 0
    removed: int = 0
    skipped: int = 0
    restored: int = 0
    pages_written: int = 0
    pages_removed: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    seconds: float = 0.0

    def done(self) -> "Summary":
        self.seconds = time.monotonic() - self.started
        return self

    def line(self) -> str:
        return (f"scanned {self.scanned}, normalised {self.normalised}, indexed {self.indexed}, "
                f"removed {self.removed}, failed {len(self.failed)}, pages {self.pages_written} written"
                f"{f' {self.pages_removed} removed' if self.pages_removed else ''}, {self.seconds:.2f} s")


class Reporter:
    """Collects events; subclasses (CLI, watcher log) show them. Actions: ``normalised``,
    ``renamed``, ``indexed``, ``removed``, ``skipped``, ``failed``, ``page``, ``warning``, ``info``."""

    def __init__(self, sink: Callable[[str, str, str], None] | None = None, keep: int = 100_000):
        self.sink = sink
        self.events: deque[tuple[str, str, str]] = deque(maxlen=keep)  # the latest, for callers and tests

    def event(self, action: str, path: str, detail: str = "") -> None:
        self.events.append((action, path, detail))
        if self.sink:
            self.sink(action, path, detail)

    def progress(self, items: Iterable[T], length: int, label: str) -> Iterator[T]:
        return iter(items)

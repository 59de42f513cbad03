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
    links_dropped: dict[str, int] = field(default_factory=dict)  # links of clips not kept as links, by kind
    started: float = field(default_factory=time.monotonic)
    seconds: float = 0.0
    dry_run: bool = False  # nothing was written: the counts say what a real run would do

    def done(self) -> "Summary":
        self.seconds = time.monotonic() - self.started
        return self

    def _links(self) -> str:
        """``links dropped 5 (hashtag search 4, video source 1), `` or "" (see the README)."""
        if not self.links_dropped:
            return ""
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(self.links_dropped.items()))
        return f"links {'to drop' if self.dry_run else 'dropped'} {sum(self.links_dropped.values())} ({kinds}), "

    def line(self) -> str:
        if self.dry_run:
            return (f"dry run, nothing written: scanned {self.scanned}, would normalise {self.normalised}, "
                    f"would index {self.indexed}, would remove {self.removed}, failed {len(self.failed)}, "
                    f"{self._links()}{self.seconds:.2f} s")
        return (f"scanned {self.scanned}, normalised {self.normalised}, indexed {self.indexed}, "
                f"removed {self.removed}, failed {len(self.failed)}, pages {self.pages_written} written"
                f"{f' {self.pages_removed} removed' if self.pages_removed else ''}, {self._links()}"
                f"{self.seconds:.2f} s")

    def as_dict(self) -> dict:
        """The summary for ``--format json``."""
        out = {"dry_run": self.dry_run, "scanned": self.scanned, "normalised": self.normalised,
               "indexed": self.indexed, "removed": self.removed, "skipped": self.skipped,
               "restored": self.restored, "pages_written": self.pages_written,
               "pages_removed": self.pages_removed,
               "failed": [{"path": p, "reason": r} for p, r in self.failed],
               "links_dropped": dict(sorted(self.links_dropped.items())),
               "seconds": round(self.seconds, 3)}
        return out


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


def fail(summary: Summary, reporter: Reporter, err) -> None:
    """Count a note a run could not handle (``err``: a NoteError, with its path and reason) and say so."""
    summary.failed.append((err.path, err.reason))
    reporter.event("failed", err.path, err.reason)

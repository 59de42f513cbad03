"""What every clip format returns (:class:`Clip`) and the property that marks a normalised clip."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["AUTO_TAGS", "Clip"]

AUTO_TAGS = "auto_tags"  # the record of derived tags; its presence marks a normalised clip


@dataclass
class Clip:
    """What a format extracted from a raw clip.

    ``props`` are the properties to set, in Web Clipper's order. When ``edit_in_place`` is true the
    note's own front matter is kept and only these keys are set (others untouched, in their order);
    otherwise a fresh block is written from ``props`` followed by ``carry`` (keys of the original block
    that no rule maps, kept as they were).
    """

    format: str
    props: dict
    body: str
    edit_in_place: bool = False
    carry: dict = field(default_factory=dict)
    remove: tuple[str, ...] = ()
    hashtags: list[str] = field(default_factory=list)
    super_topics: list[str] = field(default_factory=list)
    explicit_tags: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    dropped_links: dict[str, int] = field(default_factory=dict)  # links not kept as links, by kind

    def took(self, converted) -> None:
        """Take what an HTML conversion found (hashtags, super topics, what it removed)."""
        self.hashtags.extend(h for h in converted.hashtags if h not in self.hashtags)
        self.super_topics.extend(t for t in converted.super_topics if t not in self.super_topics)
        self.messages.extend(f"removed {d}" for d in converted.dropped)
        for kind, n in converted.dropped_links.items():
            self.dropped_links[kind] = self.dropped_links.get(kind, 0) + n

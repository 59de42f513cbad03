"""The vault's vocabulary: which names are one concept, and how that concept is spelt.

Built, once per run, from what the whole vault holds (so the result does not depend on the order
clips arrived in):

* aliases the vault's own text declares (``英伟达（NVIDIA）``), each pair counted once per unique URL
  and kept when at least :data:`MIN_DECLARED` clips declare it (one clip may be wrong);
* the user's ``[tags.synonyms]`` (and the synonyms ``vaulttool tags rename``/``merge`` recorded);
* the number of unique clips holding each name (its document frequency).

Names linked by a declaration or a synonym form one concept (transitively). Its spelling is, in this
order: the user's (the synonym's canonical name), else the name most unique clips hold (ties: the
shorter, then the smaller string). A concept's document frequency is the sum of its names' (a clip
naming it twice is counted twice: an upper bound, used for the promotion threshold and weighting).

Pure: the caller gives the counts (see :class:`vaulttool.usecases.tagging.CachedTagger`).
"""

from __future__ import annotations

from typing import Callable, Iterable, Mapping

from vaulttool.core.tags.concepts import concept_key

__all__ = ["Vocabulary", "ALIAS_PREFIX", "LOWER_PREFIX", "alias_term", "parse_alias_term", "MIN_DECLARED"]

#: Candidate terms that record a declared alias (``\x01`` + Chinese name + ``\x1e`` + English name):
#: counted by the index like any term, once per unique URL, never a tag.
ALIAS_PREFIX = "\x01"
#: Candidate terms that record an English word written in lower case (``\x02`` + key): the vault's
#: evidence that a capitalised ``Group`` or ``Policy`` is an ordinary word, not a name.
LOWER_PREFIX = "\x02"
MIN_DECLARED = 2
#: An English word written in lower case in 1 of this many of its clips is an ordinary word (1 in 10
#: lost Transformer, which the vault also writes in lower case when it means the architecture).
ORDINARY_SHARE = 3


def alias_term(han: str, latin: str) -> str:
    return f"{ALIAS_PREFIX}{han}\x1e{latin}"


def parse_alias_term(term: str) -> tuple[str, str] | None:
    if not term.startswith(ALIAS_PREFIX) or "\x1e" not in term:
        return None
    han, _, latin = term[1:].partition("\x1e")
    return (han, latin) if han and latin else None


def _declared_names(declared: Mapping[str, int], min_declared: int) -> list[tuple[str, str, int]]:
    """The declarations to believe: ``(Chinese name, English name, clips)``.

    A text declares ``通用人工智能（AGI）`` and, read word by word, also ``人工智能（AGI）``; and
    ``美国芯片巨头英伟达（NVIDIA）`` holds ``英伟达（NVIDIA）``. Of two Chinese names of one English
    name, one ending the other, the longer is the name when at least half the declarations of the
    shorter are of it (``通用人工智能``), else the shorter (``英伟达``). Then at least ``min_declared``
    clips must declare it."""
    by_latin: dict[str, dict[str, tuple[str, int]]] = {}
    for term, n in sorted(declared.items()):  # (sorted: the result must not depend on the order counted)
        pair = parse_alias_term(term)
        if pair is None:
            continue
        han, latin = pair
        got = by_latin.setdefault(concept_key(latin), {})
        spelt, m = got.get(han, (latin, 0))
        got[han] = (spelt if m >= n else latin, m + n)
    out = []
    for _lk, names in sorted(by_latin.items()):
        kept = dict(names)
        for longer in sorted(names, key=lambda h: (-len(h), h)):
            for shorter in sorted(names):
                if shorter != longer and longer.endswith(shorter) and shorter in kept and longer in kept:
                    if names[longer][1] * 2 >= names[shorter][1]:
                        del kept[shorter]
                    else:
                        del kept[longer]
                        break
        for han, (latin, n) in sorted(kept.items()):
            if n >= min_declared:
                out.append((han, latin, n))
    # An English name holding another one declared for the same Chinese name is a narrower concept
    # (RLHF, IRL, MARL beside RL for 强化学习): it is not that name's alias.
    by_han: dict[str, set[str]] = {}
    for han, latin, _n in out:
        by_han.setdefault(han, set()).add(concept_key(latin))
    return [(han, latin, n) for han, latin, n in out
            if not any(other != concept_key(latin) and other in concept_key(latin) for other in by_han[han])]


class Vocabulary:
    """Concepts of a vault: :meth:`resolve` a term's key to its concept's key and spelling."""

    def __init__(self, declared: Mapping[str, int], df_of: Callable[[Iterable[str]], Mapping[str, int]],
                 synonyms: Mapping[str, str] | None = None, min_declared: int = MIN_DECLARED) -> None:
        """``declared``: alias terms (:func:`alias_term`) → unique clips declaring them; ``df_of(keys)``:
        unique clips holding each concept key; ``synonyms``: variant key → canonical spelling."""
        parent: dict[str, str] = {}
        names: dict[str, dict[str, int]] = {}  # key -> spelling -> declarations

        def find(k: str) -> str:
            root = k
            while parent.get(root, root) != root:
                root = parent[root]
            while parent.get(k, k) != root:
                parent[k], k = root, parent[k]
            return root

        def union(a: str, b: str) -> None:
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)

        def name(spelt: str, weight: int) -> str:
            k = concept_key(spelt)
            parent.setdefault(k, k)
            got = names.setdefault(k, {})
            got[spelt] = got.get(spelt, 0) + weight
            return k

        self._lower = {t[1:]: n for t, n in declared.items() if t.startswith(LOWER_PREFIX)}
        self._seen: dict[str, int] = {}
        for han, latin, n in _declared_names(declared, min_declared):
            union(name(han, n), name(latin, n))
        user: dict[str, str] = {}
        for variant, canonical in sorted((synonyms or {}).items()):
            ck = name(canonical, 0)
            user[ck] = canonical
            if concept_key(variant) != ck:
                vk = concept_key(variant)
                parent.setdefault(vk, vk)
                names.setdefault(vk, {}).setdefault(variant, 0)
                union(vk, ck)
        groups: dict[str, list[str]] = {}
        for k in parent:
            groups.setdefault(find(k), []).append(k)
        wanted = [k for members in groups.values() if len(members) > 1 for k in members] + list(self._lower)
        df = dict(df_of(wanted)) if wanted else {}
        self._seen = {k: df.get(k, 0) for k in self._lower}
        self._concept: dict[str, tuple[str, str]] = {}  # member key -> (concept key, spelling)
        self._df: dict[str, int] = {}  # concept key -> unique clips (summed over its names)
        self._members: dict[str, list[str]] = {}  # concept key -> the spellings of its names
        self.user: set[str] = set()  # concept keys the user named
        for members in groups.values():
            if len(members) < 2:
                continue
            chosen = next((user[k] for k in sorted(members) if k in user), None)
            if chosen is None:
                best = min(members, key=lambda k: (-df.get(k, 0), len(k), k))
                chosen = max(names[best].items(), key=lambda kv: (kv[1], kv[0]))[0]
            ck = concept_key(chosen)
            total = sum(df.get(k, 0) for k in members)
            spellings = sorted({max(names[k].items(), key=lambda kv: (kv[1], kv[0]))[0] for k in members} - {chosen})
            for k in members:
                self._concept[k] = (ck, chosen)
            self._concept[ck] = (ck, chosen)
            self._df[ck] = total
            self._members[ck] = spellings
            if any(k in user for k in members):
                self.user.add(ck)

    def resolve(self, key: str) -> tuple[str, str | None]:
        """``(concept key, its spelling)``; ``(key, None)`` for a name no alias or synonym links."""
        return self._concept.get(key, (key, None))

    def ordinary(self, key: str) -> bool:
        """True when the vault writes this English word in lower case in at least one in
        :data:`ORDINARY_SHARE` of the unique clips that hold it: capitalised (a sentence start, a title)
        or in capitals (a heading), it is an ordinary word, not a name; a name (Gemini, GPU) is
        hardly ever written in lower case."""
        low = self._lower.get(key, 0)
        return low > 0 and low * ORDINARY_SHARE >= self._seen.get(key, low)

    def df(self, concept: str) -> int:
        return self._df.get(concept, 0)

    def aliases(self) -> dict[str, list[str]]:
        """Each linked concept's spelling → its other names."""
        return {self._concept[ck][1]: list(m) for ck, m in self._members.items()}

    def __len__(self) -> int:
        return len(self._members)

"""Two trials of ``crash_trials.py`` (``--swap-races N``, ``--immutable N``) for what an attack on the
vault found:

* **long-name swap-back races**: a note whose name is near the file system's limit (200-250 bytes of
  UTF-8) is replaced while another program saves it by atomic renames. ``pinned`` trials make the two
  saves land, for real, right before each of vaulttool's two exchanges (the swap and the swap back), so
  that the second save must be kept under a name of its own that is 32 bytes longer than the note's;
  ``writer`` trials race a separate writer process saving as fast as it can against replace after
  replace. Checked: the writer's last save is in the folder (or was the very bytes a replace
  displaced, which a run keeps as the original); every kept name fits 255 bytes; no temp file is left;
  no error but "changed under us" escapes.
* **immutable files**: clips made immutable or append-only for real (``chattr +i`` / ``+a``, which
  needs root and a file system with attributes) among ordinary ones. A ``reindex`` must name each of
  them once, leave their bytes alone, normalise the others, leave no temp file and commit the index;
  once the attributes are lifted, the next run normalises them, every original kept.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SWAP_WRITER = r"""
import json, os, sys, time
path, duration, out = sys.argv[1], float(sys.argv[2]), sys.argv[3]
base = open(path, "rb").read()
print("ready", flush=True)
n, last, deadline = 0, None, time.monotonic() + duration
while time.monotonic() < deadline:
    n += 1
    data = base + f"\nsave {n} of the writer\n".encode()
    tmp = os.path.join(os.path.dirname(path), f".writer-{n}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)
    last = data
json.dump({"saves": n, "last": last.decode("utf-8") if last is not None else None}, open(out, "w"))
"""


@dataclass
class AttackOutcome:
    kind: str
    detail: str = ""
    problems: list[str] = field(default_factory=list)
    bytes_lost: int = 0
    seconds: float = 0.0

    def line(self) -> str:
        state = "ok" if not self.problems else f"FAILED ({len(self.problems)})"
        return f"{self.kind:<12} {self.detail:<76} lost {self.bytes_lost} B  {state}"


def long_name(rnd: random.Random) -> str:
    """A clipper-style name of 200-250 bytes of UTF-8 (titles of Chinese posts run that long)."""
    want = rnd.randint(200, 250)
    parts, size = [], 0
    while size < want - 3:
        piece = rnd.choice(["推理价格", "一年降了十倍", "大模型", " ", "Qwen2.5", "开源", "_", "-", "研究", "AI"])
        if size + len(piece.encode()) > want - 3:
            piece = "x" * (want - 3 - size)
        parts.append(piece)
        size += len(piece.encode())
    return "".join(parts).strip() + ".md"


def _temps(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.endswith((".vaulttool-tmp", ".tmp")) and p.is_file()]


def swap_trial(work: Path, seed: int, pinned: bool) -> AttackOutcome:
    from vaulttool.config import Config
    from vaulttool.errors import NoteError
    from vaulttool.vault import files as vaultio
    from vaulttool.vault.files import ChangedUnderUs, Vault, digest

    t0 = time.monotonic()
    rnd = random.Random(seed)
    root = work / f"swap-{seed}"
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    name = long_name(rnd)
    note = root / name
    base = f"# {name[:-3]}\n\n第{seed}条：推理成本一年下降了十倍。\n".encode()
    note.write_bytes(base)
    vault = Vault(root, Config())
    out = AttackOutcome("swap pinned" if pinned else "swap writer", f"{len(name.encode())}-byte name")
    displaced: set[bytes] = set()  # bytes a successful replace displaced (a run keeps them as originals)
    last: bytes | None = None
    real_exchange = vaultio.exchange
    try:
        if pinned:
            saves = []

            def save_then_exchange(a, b):
                if Path(b) == note and len(saves) < 2:  # a save right before each exchange
                    saves.append(base + f"\nsave {len(saves) + 1} of the user\n".encode())
                    side = note.with_name(".editor-save.tmp")
                    side.write_bytes(saves[-1])
                    os.replace(side, note)
                return real_exchange(a, b)

            vaultio.exchange = save_then_exchange
            data, st = vault.read(name)
            tmp = vault.stage(name, data + b"\nnormalised\n")
            try:
                vault.commit(name, tmp, digest(data), st)
                out.problems.append("the replace went through although two saves landed")
            except ChangedUnderUs:
                pass
            except Exception as exc:  # noqa: BLE001 - a failure of the trial; the saves are checked below
                out.problems.append(f"{type(exc).__name__}: {exc}")
            last = saves[-1] if saves else None
            found = {p.read_bytes() for p in root.rglob("*") if p.is_file()}
            for i, s in enumerate(saves, 1):
                if s not in found:
                    out.problems.append(f"save {i} of the user is lost")
                    out.bytes_lost += len(s)
        else:
            report = work / f"swap-{seed}.json"
            writer = subprocess.Popen([sys.executable, "-c", SWAP_WRITER, str(note), "1.5", str(report)],
                                      stdout=subprocess.PIPE, text=True)
            if writer.stdout.readline().strip() != "ready":
                writer.kill()
                raise RuntimeError("the writer did not start")
            replaced = refused = swapped_back = 0
            while writer.poll() is None:
                try:
                    data, st = vault.read(name)
                    tmp = vault.stage(name, data + b"\nnormalised\n")
                    vault.commit(name, tmp, digest(data), st)
                    displaced.add(data)
                    replaced += 1
                except ChangedUnderUs as err:
                    refused += 1
                    swapped_back += "at the moment it was replaced" in err.reason
                    continue
                except NoteError as err:
                    if "disappeared" not in err.reason:
                        out.problems.append(f"unexpected: {err}")
            writer.wait()
            rep = json.loads(report.read_text(encoding="utf-8"))
            out.detail += f", {rep['saves']} saves, {replaced} replaces, {refused} refused ({swapped_back} swapped back)"
            last = rep["last"].encode("utf-8") if rep["last"] is not None else None
            found = {p.read_bytes() for p in root.rglob("*") if p.is_file()} | displaced
            if last is not None and last not in found:
                out.problems.append("the writer's last save is lost")
                out.bytes_lost += len(last)
    except Exception as exc:  # noqa: BLE001 - any error escaping is a failure of the trial
        out.problems.append(f"{type(exc).__name__}: {exc}")
    finally:
        vaultio.exchange = real_exchange
    for p in root.rglob("*"):
        if len(os.fsencode(p.name)) > 255:
            out.problems.append(f"a name longer than 255 bytes: {p.name[:40]}...")
    temps = _temps(root)
    if temps:
        out.problems.append(f"temp files left: {temps}")
    shutil.rmtree(root, ignore_errors=True)
    out.seconds = time.monotonic() - t0
    return out


def chattr(flag: str, path: Path) -> bool:
    try:
        return subprocess.run(["chattr", flag, str(path)], capture_output=True).returncode == 0
    except OSError:
        return False


def _clip(n: int) -> bytes:
    return (f"# 第{n}条 推理价格一年降了十倍\n\n**URL**: https://weibo.com/1/I{n}\n\n## 原始摘要\n\n推理价格一年降了十倍，"
            f"第{n}条。\n\n## AI 摘要\n\n推理价格快速下降。\n\n## 元数据\n\n- **来源**: ArXiv\n- **类型**: 论文\n"
            "- **保存时间**: 2025-04-01T01:31:59Z\n- **目录日期**: 2025-04-01\n").encode()


def _cli(root: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "vaulttool", "--vault", str(root), *args], capture_output=True,
                          text=True, env=env, timeout=600)


def immutable_trial(work: Path, seed: int, clips: int = 12) -> AttackOutcome:
    t0 = time.monotonic()
    rnd = random.Random(seed)
    root = work / f"immutable-{seed}"
    if root.exists():
        shutil.rmtree(root)
    (root / ".vaulttool").mkdir(parents=True)
    (root / ".vaulttool" / "config.toml").write_text("[watch]\nquiet = 0\n", encoding="utf-8")
    names = [f"c{n:02d}.md" for n in range(clips)]
    for n, name in enumerate(names):
        (root / name).write_bytes(_clip(seed * 100 + n))
    frozen = {name: rnd.choice(["+i", "+a"]) for name in rnd.sample(names, rnd.randint(1, clips // 2))}
    out = AttackOutcome("immutable", f"{len(frozen)} of {clips} clips frozen")
    done = []
    try:
        for name, flag in frozen.items():
            if not chattr(flag, root / name):
                out.detail = "skipped: chattr is not available here"
                return out
            done.append((name, flag))
        r = _cli(root, "reindex")
        text = r.stdout + r.stderr
        if "Traceback" in text:
            out.problems.append("a traceback")
        if r.returncode != 1:
            out.problems.append(f"exit code {r.returncode}, not 1")
        for name in frozen:
            said = [line for line in text.splitlines() if line.startswith("failed:") and f" {name}:" in line]
            if len(said) != 1 or "immutable or append-only" not in said[0]:
                out.problems.append(f"{name}: named {len(said)} times")
            if (root / name).read_bytes() != _clip(seed * 100 + names.index(name)):
                out.problems.append(f"{name}: its bytes changed")
                out.bytes_lost += len(_clip(0))
        for name in set(names) - set(frozen):
            if (root / name).exists():
                out.problems.append(f"{name}: not normalised beside the frozen ones")
        temps = [str(p) for p in root.rglob("*") if p.name.endswith((".vaulttool-tmp", ".tmp"))]
        if temps:
            out.problems.append(f"temp files left: {temps}")
        import sqlite3

        conn = sqlite3.connect(root / ".vaulttool" / "index.db")
        indexed = conn.execute("SELECT count(*) FROM notes").fetchone()[0]
        conn.close()
        if indexed != clips:
            out.problems.append(f"the index holds {indexed} notes, not {clips}: not committed")
    finally:
        for name, flag in done:
            chattr(flag.replace("+", "-"), root / name)
    r = _cli(root, "reindex")
    if r.returncode != 0:
        out.problems.append(f"the run after the attributes were lifted: exit code {r.returncode}")
    left = [name for name in names if (root / name).exists()]
    if left:
        out.problems.append(f"still raw after the attributes were lifted: {left}")
    from vaulttool.config import Config
    from vaulttool.vault.files import Vault
    from vaulttool.vault.originals import Originals

    originals = Originals(Vault(root, Config()))
    kept = {e.hash for e in originals.entries()}
    from vaulttool.vault.files import digest

    for n, name in enumerate(names):
        if digest(_clip(seed * 100 + n)) not in kept:
            out.problems.append(f"{name}: rewritten without its original kept")
            out.bytes_lost += len(_clip(seed * 100 + n))
    shutil.rmtree(root, ignore_errors=True)
    out.seconds = time.monotonic() - t0
    return out


def run_attack_trials(work: Path, swap_races: int, immutable: int, seed: int, progress=None) -> list[AttackOutcome]:
    outs = []
    for i in range(swap_races):
        o = swap_trial(work, seed * 1000 + i, pinned=i % 2 == 0)
        outs.append(o)
        if progress:
            progress(len(outs), o)
    for i in range(immutable):
        o = immutable_trial(work, seed * 1000 + i)
        outs.append(o)
        if progress:
            progress(len(outs), o)
    return outs

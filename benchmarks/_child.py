"""Run one measured command in a fresh, small process and report its wall time and peak memory.

    python benchmarks/_child.py RESULT.json TIMEOUT STDOUT STDERR -- CMD...

This process starts the command, waits for it and writes ``{"wall", "rc", "maxrss_kb", "user", "sys",
"timeout"}`` to RESULT.json. Because it has exactly one child, ``RUSAGE_CHILDREN.ru_maxrss`` is that
child's own peak (or that of its largest descendant). Only the standard library is imported, and the
clock starts right before the command is started, so the interpreter start-up of this wrapper is not
part of the figure.
"""

import json
import os
import resource
import signal
import subprocess
import sys
import threading
import time


def main() -> int:
    result_path, timeout, out_path, err_path, sep, *cmd = sys.argv[1:]
    assert sep == "--" and cmd, "usage: _child.py RESULT TIMEOUT STDOUT STDERR -- CMD..."
    timed_out = []
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL, start_new_session=True)

        def kill() -> None:
            timed_out.append(True)
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

        # A blocking wait (waitpid) wakes the moment the command ends; Popen.wait(timeout=...) would
        # poll with growing sleeps and round the figure up.
        timer = threading.Timer(float(timeout), kill)
        timer.start()
        rc = proc.wait()
        wall = time.perf_counter() - start
        timer.cancel()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(result_path, "w") as fh:
        json.dump({"wall": wall, "rc": rc, "maxrss_kb": usage.ru_maxrss, "user": usage.ru_utime,
                   "sys": usage.ru_stime, "timeout": bool(timed_out)}, fh)
    return 0


if __name__ == "__main__":
    sys.exit(main())

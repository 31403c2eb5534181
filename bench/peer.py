"""The peer: the `typst` PyPI package (typst-py) compiling the same table N times to PDF in one
process, as jixiao's bench times it. Prints wall seconds, CPU seconds and peak RSS (MiB).

    python3 bench/peer.py DIR N        (DIR from examples/emit_typst.rs)
"""
import resource
import sys
import time

import typst

root, n = sys.argv[1], int(sys.argv[2])
cpu0, t0 = time.process_time(), time.perf_counter()
size = 0
for _ in range(n):
    size += len(typst.compile(f"{root}/main.typ", root=root))
wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{wall:.3f} {cpu:.2f} {rss:.0f} {size}")

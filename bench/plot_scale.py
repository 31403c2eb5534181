"""Draws bench/scale.csv (bench/scale.sh) as bench/scale.png: wall seconds, CPU seconds and
peak RSS against the number of projects, log-log, one line per layout and --jobs."""
import csv
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8")))
fig, axes = plt.subplots(1, 3, figsize=(15, 4.5))
for (layout, jobs) in sorted({(r["layout"], r["jobs"]) for r in rows}):
    sel = [r for r in rows if r["layout"] == layout and r["jobs"] == jobs]
    x = [int(r["projects"]) for r in sel]
    label = f"{'1 project' if layout == 'one' else '20 projects'} per department, --jobs {jobs}"
    for ax, key in zip(axes, ["wall_s", "cpu_s", "peak_rss_mb"]):
        ax.plot(x, [float(r[key]) for r in sel], marker="o", label=label)
for ax, title in zip(axes, ["wall time (s)", "CPU time, user + sys (s)", "peak RSS (MB)"]):
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("projects")
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
axes[0].legend(fontsize=8)
revs = ", ".join(dict.fromkeys(r["revision"] for r in rows)) or "?"
fig.suptitle(f"jixiao build, xinjiang style, one page per project (revision {revs})")
fig.tight_layout()
fig.savefig(sys.argv[2], dpi=100)

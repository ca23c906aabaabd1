"""What every benchmark shares: the machine description and Markdown tables."""

from __future__ import annotations

import os
import platform
from pathlib import Path

import pandas as pd


def machine() -> dict:
    """What the numbers were measured on."""
    cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text()
                .splitlines() if ln.startswith("model name")), platform.processor())
    mem_kb = next(int(ln.split()[1]) for ln in Path("/proc/meminfo").read_text().splitlines()
                  if ln.startswith("MemTotal"))
    return {"nproc": len(os.sched_getaffinity(0)), "cpu": cpu, "ram_gb": round(mem_kb / 2**20, 1),
            "python": platform.python_version(), "load_avg_at_start": os.getloadavg()}


def md_table(df: pd.DataFrame) -> str:
    """A Markdown table (no tabulate dependency): floats to 3 decimals, pipes escaped."""
    if df.empty:
        return "(none)"

    def cell(v) -> str:
        return (f"{v:.3f}" if isinstance(v, float) else str(v)).replace("|", "\\|")

    rows = [list(map(str, df.columns)), ["---"] * df.shape[1],
            *([cell(v) for v in row] for row in df.itertuples(index=False))]
    return "\n".join("| " + " | ".join(r) + " |" for r in rows)

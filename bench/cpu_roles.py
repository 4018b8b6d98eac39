"""Where the machine's cores went during a benchmark: the CPU time of every process,
grouped by its role (app nodes, task workers, Varnish, PostgreSQL, Redis, wrk, nginx,
this benchmark's own client), read from /proc. Standard library only.

    before = cpu_roles.snapshot()
    ...                                   # the measured phase
    share = cpu_roles.since(before)       # {"wall_s", "cores", "busy_s", "roles": {...}}
    cpu_roles.print_share(share)

A process's CPU is `utime + stime` of /proc/<pid>/stat (all its threads). A process
that started during the phase counts from zero; one that ended during it is missing
from the roles, and so is the kernel's own work: both are in `unattributed_s`, the
machine's busy time (/proc/stat) minus the roles' sum. bench/registration_rush.py and
bench/read_tier.py print it beside their figures.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

CLK_TCK = os.sysconf("SC_CLK_TCK")

# (role, test on (pid, comm, command line)), the first that matches wins.
ROLES = (
    ("bench client", lambda pid, comm, args: pid == os.getpid()),
    ("app nodes (granian)", lambda pid, comm, args: "granian" in args),
    ("purge worker", lambda pid, comm, args: "db_worker" in args and "purge" in args),
    ("task workers", lambda pid, comm, args: "db_worker" in args),
    ("varnish", lambda pid, comm, args: comm.startswith(("varnishd", "cache-"))),
    ("postgresql", lambda pid, comm, args: comm == "postgres" or "postgres:" in args),
    ("redis", lambda pid, comm, args: comm == "redis-server"),
    ("wrk", lambda pid, comm, args: comm == "wrk"),
    ("nginx", lambda pid, comm, args: comm == "nginx"),
)


def role_of(pid: int, comm: str, args: str) -> str:
    for role, test in ROLES:
        if test(pid, comm, args):
            return role
    return "other"


def _processes() -> dict[int, tuple[str, int]]:
    """{pid: (role, CPU ticks)} of every process readable now."""
    found = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        pid = int(proc.name)
        try:
            stat = (proc / "stat").read_text()
            args = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat.rsplit(")", 1)[1].split()
        found[pid] = (role_of(pid, comm, args), int(fields[11]) + int(fields[12]))
    return found


def _machine_ticks() -> tuple[int, int]:
    """(busy, total) ticks of all cores since boot, from /proc/stat's first line."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    # user nice system idle iowait irq softirq steal [guest guest_nice: already in user]
    idle = values[3] + values[4]
    total = sum(values[:8])
    return total - idle, total


def snapshot() -> dict:
    busy, total = _machine_ticks()
    return {"time": time.monotonic(), "processes": _processes(), "busy": busy, "total": total}


def since(before: dict) -> dict:
    """The CPU seconds spent by each role since `before` (a `snapshot()`)."""
    after = snapshot()
    roles: dict[str, float] = {}
    for pid, (role, ticks) in after["processes"].items():
        earlier = before["processes"].get(pid)
        # a reused pid (another role) or a new process: all its ticks are in the phase
        spent = ticks - earlier[1] if earlier and earlier[0] == role else ticks
        roles[role] = roles.get(role, 0) + max(0, spent)
    wall = after["time"] - before["time"]
    busy = (after["busy"] - before["busy"]) / CLK_TCK
    seconds = {role: round(ticks / CLK_TCK, 2) for role, ticks in roles.items() if ticks}
    return {
        "wall_s": round(wall, 2),
        "cores": os.cpu_count(),
        "busy_s": round(busy, 2),
        "unattributed_s": round(max(0.0, busy - sum(seconds.values())), 2),
        "roles": dict(sorted(seconds.items(), key=lambda item: -item[1])),
    }


def print_share(share: dict, title: str = "CPU by role") -> None:
    """One line per role: CPU seconds and share of the machine (cores × wall)."""
    capacity = max(1e-9, share["wall_s"] * (share["cores"] or 1))
    print(
        f"{title}: {share['busy_s']:.2f} s busy of {capacity:.2f} s "
        f"({share['cores']} cores × {share['wall_s']:.2f} s, {share['busy_s'] / capacity:.0%})"
    )
    for role, seconds in [*share["roles"].items(), ("unattributed", share["unattributed_s"])]:
        print(f"  {role:<22} {seconds:7.2f} s  {seconds / capacity:5.1%}")

"""Where the machine's cores went during a benchmark: the CPU time of every process,
grouped by its role (app nodes, task workers, Varnish, PostgreSQL, Redis, wrk, nginx,
this benchmark's own client), read from /proc. Standard library only.

    before = cpu_roles.snapshot()
    ...                                   # the measured phase
    share = cpu_roles.since(before)       # {"wall_s", "cores", "busy_s", "roles": {...}}
    cpu_roles.print_share(share)

A process's CPU is `utime + stime` of /proc/<pid>/stat (all its threads). A process
that started during the phase counts from zero. The children this process started and
waited for (wrk) are their own role, from its `cutime + cstime`. What is left of the
machine's busy time (/proc/stat) is `unattributed_s`: other processes that ended during
the phase (a PostgreSQL backend closed with its connection), and the kernel's interrupt
work done while no process ran. `interrupts_s` is the kernel's irq and softirq time
(the network's, on loopback too), from /proc/stat: most of it is already inside the
roles' time (charged to the process that was running), so it is shown apart, not added.
bench/registration_rush.py and bench/read_tier.py print it beside their figures.
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


ENDED_CHILDREN = "bench's ended children"


def role_of(pid: int, comm: str, args: str) -> str:
    for role, test in ROLES:
        if test(pid, comm, args):
            return role
    return "other"


def _processes() -> dict[int, tuple[str, int]]:
    """{pid: (role, CPU ticks)} of every process readable now, and under the pseudo-pid
    -1 the CPU of this process's children that ended and were waited for (the `wrk`
    runs it started: `cutime + cstime` of /proc/self/stat)."""
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
        if pid == os.getpid():
            found[-1] = (ENDED_CHILDREN, int(fields[13]) + int(fields[14]))
    return found


def _machine_ticks() -> tuple[int, int]:
    """(busy, interrupts) ticks of all cores since boot, from /proc/stat's first line:
    interrupts are the kernel's irq and softirq time (the network's, mostly), which no
    process is charged for."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    # user nice system idle iowait irq softirq steal [guest guest_nice: already in user]
    busy = sum(values[:8]) - values[3] - values[4]
    return busy, values[5] + values[6]


def snapshot() -> dict:
    busy, interrupts = _machine_ticks()
    return {
        "time": time.monotonic(),
        "processes": _processes(),
        "busy": busy,
        "interrupts": interrupts,
    }


def since(before: dict) -> dict:
    """The CPU seconds spent by each role since `before` (a `snapshot()`)."""
    return between(before, snapshot())


def between(before: dict | None, after: dict | None) -> dict:
    """The CPU seconds spent by each role from one `snapshot()` to a later one ({} when
    either is missing)."""
    if not before or not after:
        return {}
    roles: dict[str, float] = {}
    for pid, (role, ticks) in after["processes"].items():
        earlier = before["processes"].get(pid)
        # a reused pid (another role) or a new process: all its ticks are in the phase
        spent = ticks - earlier[1] if earlier and earlier[0] == role else ticks
        roles[role] = roles.get(role, 0) + max(0, spent)
    wall = after["time"] - before["time"]
    busy = (after["busy"] - before["busy"]) / CLK_TCK
    interrupts = (after["interrupts"] - before["interrupts"]) / CLK_TCK
    seconds = {role: round(ticks / CLK_TCK, 2) for role, ticks in roles.items() if ticks}
    return {
        "wall_s": round(wall, 2),
        "cores": os.cpu_count(),
        "busy_s": round(busy, 2),
        "interrupts_s": round(interrupts, 2),
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
    interrupts = share["interrupts_s"]
    print(f"  of which the kernel's irq/softirq {interrupts:.2f} s ({interrupts / capacity:.1%})")

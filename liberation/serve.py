"""`make serve`: the production topology on one machine, started by one command.

    Varnish :8080 (PORT), admin :6083 (VARNISH_ADMIN_PORT)
      └─ round robin over NODES app nodes: granian :8101, :8102… (NODE_PORT_BASE)
    each node its own process group (granian and its workers), with a task worker;
    one purge worker (the `purge` queue, polled every 0.1 s: core/purge.py);
    one clock (scheduled publishing and the minute's commands: run.py), in this process.

Two nodes need a database and a cache both can reach: PostgreSQL (DATABASE_URL) and
Redis (REDIS_URL). Without them (SQLite, the memory cache of each process) NODES
defaults to 1 and more is refused: the SQLite file serves one node's workers, and
rate limits and cached counters must be shared by every process that answers.

The same supervision as `make run` (run.py): `prepare` first, then every child started
again after a pause when it stops. Varnish runs in the foreground (`-F`) as one of the
children, with the configuration of deploy/varnish/default.vcl, its backends written
from NODES into var/varnish/ (docs/deployment.md).
"""

import os
import re
import secrets
import shutil
import sys
from pathlib import Path

from liberation import run

ROOT = run.ROOT
VCL = ROOT / "deploy" / "varnish" / "default.vcl"
BACKENDS = re.compile(r"# BACKENDS.*?# END BACKENDS", re.S)
PROBE = '{ .url = "/robots.txt"; .interval = 2s; .timeout = 1s; .window = 3; .threshold = 2; }'
# Varnish's shared-memory log (VSL): for each client request it keeps the transaction
# (Begin, End, Link), the method, URL and status, and all of the backend fetches and
# errors, so that `varnishlog -g request -q 'RespStatus >= 500'` and `varnishtop -i
# ReqURL` still answer; not the headers, timestamps, VCL steps and byte counts of every
# hit: a fifth less of Varnish's CPU per hit on one 2-core machine, no measurable change
# on another (bench/read_tier.py, docs/benchmarks.md).
# VARNISH_VSL_MASK=default logs everything (an access log by varnishncsa needs it).
VSL_MASKED = (
    "ReqStart",
    "ReqProtocol",
    "ReqHeader",
    "ReqUnset",
    "ReqAcct",
    "RespProtocol",
    "RespReason",
    "RespHeader",
    "RespUnset",
    "Timestamp",
    "VCL_call",
    "VCL_return",
    "Hit",
    "Storage",
    "Filters",
    "SessOpen",
    "SessClose",
)
VSL_MASK = ",".join(f"-{tag}" for tag in VSL_MASKED)


def shared_services() -> bool:
    database = os.environ.get("DATABASE_URL", "")
    return database.startswith(("postgres://", "postgresql://")) and bool(
        os.environ.get("REDIS_URL")
    )


def node_count() -> int:
    default = "2" if shared_services() else "1"
    nodes = int(os.environ.get("NODES", default))
    if nodes < 1:
        raise SystemExit("NODES must be at least 1.")
    if nodes > 1 and not shared_services():
        raise SystemExit(
            "Several nodes need PostgreSQL (DATABASE_URL=postgres://…) and Redis (REDIS_URL): "
            "on SQLite `make serve` runs one node (NODES=1)."
        )
    return nodes


def vcl_with_backends(template: str, ports: list[int]) -> str:
    """deploy/varnish/default.vcl with one backend per node, in a round robin."""
    lines = ["# BACKENDS (written by liberation/serve.py)"]
    for number, port in enumerate(ports, start=1):
        lines += [
            f"backend node{number} {{",
            '    .host = "127.0.0.1";',
            f'    .port = "{port}";',
            f"    .probe = {PROBE}",
            "}",
        ]
    lines += ["", "sub vcl_init {", "    new nodes = directors.round_robin();"]
    lines += [f"    nodes.add_backend(node{number});" for number in range(1, len(ports) + 1)]
    lines += ["}", "# END BACKENDS"]
    return BACKENDS.sub(lambda _match: "\n".join(lines), template, count=1)


def varnish_command(*, port: str, admin_port: str, folder: Path, vcl: Path) -> list[str]:
    secret = folder / "secret"
    if not secret.exists():
        secret.write_text(secrets.token_hex(16) + "\n", encoding="utf-8")
        secret.chmod(0o600)
    return [
        shutil.which("varnishd") or "/usr/sbin/varnishd",
        "-F",  # in the foreground: supervised like the other children
        "-n",
        str(folder / "work"),
        "-a",
        f"{os.environ.get('HOST', '127.0.0.1')}:{port}",
        "-T",
        f"127.0.0.1:{admin_port}",
        "-S",
        str(secret),
        "-f",
        str(vcl),
        "-s",
        f"malloc,{os.environ.get('VARNISH_MEMORY', '256m')}",
        "-p",
        "feature=+http2",
        *vsl_mask_parameter(),
    ]


def vsl_mask_parameter() -> list[str]:
    """varnishd's `-p vsl_mask=…` (VSL_MASK, or VARNISH_VSL_MASK; none for `default`)."""
    mask = os.environ.get("VARNISH_VSL_MASK", VSL_MASK).strip()
    return [] if mask in ("", "default") else ["-p", f"vsl_mask={mask}"]


def children(*, port: str, admin_port: str, nodes: int, base: int) -> list[run.Child]:
    folder = Path(os.environ.get("VARNISH_DIR", ROOT / "var" / "varnish")).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    ports = [base + number for number in range(nodes)]
    vcl = folder / "default.vcl"
    vcl.write_text(vcl_with_backends(VCL.read_text(encoding="utf-8"), ports), encoding="utf-8")
    # varnishd started by root reads its configuration as its own user (varnish).
    folder.chmod(0o755)
    vcl.chmod(0o644)
    env = {**os.environ, "PURGE_URLS": f"http://127.0.0.1:{port}"}
    # Every request comes from Varnish: the client is the address Varnish appends to
    # X-Forwarded-For (rate limits, login throttle: docs/deployment.md, "Behind a
    # reverse proxy"); the nodes listen on 127.0.0.1 only, so no client can write it.
    env.setdefault("REGISTRATION_CLIENT_IP_HEADER", "X-Forwarded-For")
    env.setdefault("REGISTRATION_PROXY_COUNT", "1")
    workers = os.environ.get("WEB_CONCURRENCY", "1")
    manage = [run.PY, str(ROOT / "manage.py")]
    result = [
        run.Child(
            "varnish",
            varnish_command(port=port, admin_port=admin_port, folder=folder, vcl=vcl),
            group=True,
        )
    ]
    for number, node_port in enumerate(ports, start=1):
        web = run.web_server_command("127.0.0.1", str(node_port), workers)
        result.append(run.Child(f"node {number} web server", web, group=True, env=env))
        result.append(run.Child(f"node {number} task worker", [*manage, "db_worker"], env=env))
    purge = [*manage, "db_worker", "--queue-name", "purge", "--interval", "0.1"]
    result.append(run.Child("purge worker", purge, env=env))
    return result


def main() -> int:
    if not shutil.which("varnishd") and not Path("/usr/sbin/varnishd").exists():
        raise SystemExit(
            "varnishd is not installed: `apt-get install varnish varnish-modules` "
            "(docs/deployment.md)."
        )
    nodes = node_count()
    run.prepare()
    port = os.environ.get("PORT", "8080")
    admin_port = os.environ.get("VARNISH_ADMIN_PORT", "6083")
    base = int(os.environ.get("NODE_PORT_BASE", "8101"))
    os.environ["PURGE_URLS"] = f"http://127.0.0.1:{port}"  # the clock's publishes purge too
    banner = (
        f"Libération is served on http://127.0.0.1:{port}/ through Varnish, "
        f"{nodes} node(s) on :{base}–{base + nodes - 1}. Ctrl-C stops it."
    )
    return run.supervise(
        children(port=port, admin_port=admin_port, nodes=nodes, base=base), banner=banner
    )


if __name__ == "__main__":
    sys.exit(main())

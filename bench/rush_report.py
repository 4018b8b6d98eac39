"""What a rush of bench/registration_rush.py printed and whether it kept its promises:
`rush_print` (one figure a line) and `rush_kept` (the exit status), for that bench and
for bench/read_tier.py. Standard library only."""

from __future__ import annotations

import sys

import cpu_roles


def rush_print(args, summary: dict, details: dict) -> None:
    """The rush's figures, one per line, as `main` prints them."""
    lost, editor = details["lost"], details["editor"]
    final_capacity, seats_taken = summary["capacity_after"], summary["seats_taken"]
    counter_matches = summary["counter_matches"]
    print(
        f"attempts            {args.attempts} ({args.concurrency} concurrent clients"
        f"{', forms loaded first' if args.warm else ''})"
    )
    print(
        f"confirmed           {summary['confirmed']} stored, {summary['answered_303']} answered"
        f" 303, seats_taken {seats_taken} / {final_capacity}"
    )
    print(
        f"confirmed/s         {summary['confirmed_per_s']} (first POST to confirmation "
        f"#{min(len(details['times']), summary['capacity'])}: {summary['window_s']} s)"
    )
    print(f"POST latency        p50 {summary['post_p50_ms']} ms, p99 {summary['post_p99_ms']} ms")
    print(f"form GET latency    p50 {summary['get_p50_ms']} ms, p99 {summary['get_p99_ms']} ms")
    print(f"refused (409)       {summary['refused_409']}")
    print(f"oversold seats      {summary['oversold']}")
    print(
        f"seat counter        {seats_taken}, seats held {summary['seats_held']}"
        f" ({'equal' if counter_matches else 'MISMATCH'}), capacity at the end {final_capacity}"
    )
    if editor is not None:
        print(
            f"staff edits         {editor.saves} saves, {editor.refused} refused, "
            f"{len(editor.errors)} errors (every {args.staff_edits} s"
            + (
                f", +{args.staff_add_seats} seats every second save)"
                if args.staff_add_seats
                else ")"
            )
        )
        for error in editor.errors[:3]:
            print(f"  {error}", file=sys.stderr)
    print(f"lost submissions    {len(lost)}" + (f" e.g. {lost[:3]}" if lost else ""))
    print(f"5xx answers         {summary['errors_5xx']}")
    print(f"transport errors    {summary['transport_errors']}")
    print(
        f"server CPU          {summary['server_cpu_s']} s, "
        f"{summary['server_cpu_ms_per_request']} ms per request (GET or POST)"
    )
    print(
        f"client CPU          {summary['client_cpu_s']} s, "
        f"{summary['client_cpu_ms_per_request']} ms per request (this load generator, same cores)"
    )
    print(f"statuses            {summary['statuses']}")
    cpu_roles.print_share(summary["cpu_by_role"], "CPU by role, the rush")
    if summary["confirming_cpu"]:
        cpu_roles.print_share(summary["confirming_cpu"], "CPU by role, first POST to last seat")
        print(
            f"the machine's CPU per confirmation in that window "
            f"{summary['machine_cpu_ms_per_confirmation']} ms (every process)"
        )
    for error in details["errors"][:5]:
        print(f"  {error}", file=sys.stderr)


def rush_kept(summary: dict, details: dict) -> bool:
    """0 oversold, the counter equal to the seats held, 0 lost, 0 5xx, 0 transport
    errors, no staff save that failed."""
    staff_failed = details["editor"] is not None and bool(details["editor"].errors)
    return not (
        summary["oversold"]
        or details["lost"]
        or summary["errors_5xx"]
        or summary["transport_errors"]
        or not summary["counter_matches"]
        or staff_failed
    )

"""A hiring event's burst: N bookings (default 2,000) posted as fast as the API answers them,
until the last invitation is in the outbox, next to the embedded AWS's floor for the same AWS
requests in the same run.

Run: make bench (or PYTHONPATH=layers/shared:functions:. python bench/booking_burst.py [-n N]).

The machinery is bench/pipeline_throughput.py's: the local runtime in a subprocess, one job, N
candidates and N/10 slots created over HTTP first (not timed); then every booking is posted from
a thread pool that sends the next one as soon as an answer comes back, and the clock stops when
N invitations are in the outbox. The floor is that script's too: the functions' own requests to
the embedded AWS while the clock ran, replayed to a fresh one on as many threads. Prints
`name: value` lines.
"""

from __future__ import annotations

import argparse

from bench.pipeline_throughput import run_floor, run_pipeline

DEFAULT_BOOKINGS = 2000
# Seconds allowed per booking, after the last one is answered, for its invitation to arrive.
MAIL_SECONDS_PER_BOOKING = 0.25


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "-n", "--bookings", type=int, default=DEFAULT_BOOKINGS, help=f"bookings (default {DEFAULT_BOOKINGS})"
    )
    parser.add_argument("-c", "--concurrency", type=int, default=16, help="client threads (default 16)")
    args = parser.parse_args()

    run = run_pipeline(
        args.bookings, args.concurrency, mail_timeout=max(240.0, args.bookings * MAIL_SECONDS_PER_BOOKING)
    )
    print(f"runtime_startup_s: {run.startup_seconds:.1f}")
    print(f"burst_bookings: {run.bookings} over HTTP from {args.concurrency} threads")
    answered = run.bookings / run.booking_seconds
    print(f"burst_booking_phase_s: {run.booking_seconds:.1f} ({answered:.1f} bookings/s answered)")
    print(f"burst_until_last_invitation_s: {run.total_seconds:.1f} (first booking sent to last invitation)")
    floor = run_floor(run, args.concurrency)
    answered_otherwise = sum(floor.mismatched.values())
    print(f"burst_floor_requests: {sum(floor.sent.values())} ({answered_otherwise} answered otherwise)")
    print(f"burst_floor_s: {floor.seconds:.1f} (the functions' requests, replayed to an embedded AWS)")
    print(f"burst_time_to_floor_ratio: {run.total_seconds / floor.seconds:.2f} (1.00 would be the floor)")


if __name__ == "__main__":
    main()

"""The embedded AWS is scheduled ahead of the functions, where the operating system allows it.

In AWS, DynamoDB, S3, SES and the rest run on machines of their own: a function busy on its CPU
does not slow them. Here they share the machine's cores with the workers and the runtime, and
under load moto's one thread (embedded.py), which every request waits for, was runnable but
waiting for a CPU for about a seventh of a 500-booking run while the functions held the cores
(docs/PERFORMANCE.md, the twelfth round). Linux's real-time policy, at its lowest priority, runs a
thread of the embedded AWS's process as soon as it is runnable, ahead of every normally scheduled
one; the kernel still keeps 5 % of each second for those (`sched_rt_runtime_us`), and the process
serves requests and otherwise sleeps.

Real-time scheduling needs CAP_SYS_NICE (root, most often) or a real-time limit (`ulimit -r`) of
1 or more. Without either, the embedded AWS is scheduled as the functions are, and the log at start
says so: everything works, and under load its requests wait for a CPU as AWS's would not.
"""

from __future__ import annotations

import os


def schedule_ahead_of_functions() -> str:
    """Puts the calling thread, and the threads it starts from now on, ahead of the functions;
    returns how the embedded AWS is scheduled, in a line for the log at start. Call it first thing
    in the embedded AWS's process, before it starts a thread. (Not SCHED_RESET_ON_FORK: Linux
    resets a new thread with it too, not only a forked process.)"""
    if not hasattr(os, "sched_setscheduler"):  # not Linux
        return "the embedded AWS shares the CPU with the functions: this system has no real-time policy here"
    priority = os.sched_get_priority_min(os.SCHED_FIFO)
    try:
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(priority))
    except PermissionError:
        return (
            "the embedded AWS shares the CPU with the functions as their equal: real-time scheduling is "
            "not permitted (CAP_SYS_NICE or `ulimit -r` 1 or more allows it), so under load its "
            "requests wait for a CPU, as AWS's would not"
        )
    return (
        f"the embedded AWS is scheduled ahead of the functions (SCHED_FIFO, priority {priority}), "
        "as AWS's services do not share the functions' CPUs"
    )

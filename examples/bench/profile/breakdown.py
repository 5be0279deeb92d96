#!/usr/bin/env python3
"""Per-step breakdown of the start path from the timestamp marks (see PROFILE.md).

usage: breakdown.py MARKS_FILE [SKIP]   (SKIP: warm-up jobs to drop, default 20)
"""
import collections
import statistics
import sys

STEPS = [
    # (from, to, what)  -- the start path in order; "||" rows run in parallel
    ("A0_start", "A1_files_written", "app: job id, mkdir job + work, spec.json, status.json"),
    ("A1_files_written", "A2_spawned", "app: create supervisor.log, posix_spawn (vfork + exec)"),
    ("A2_spawned", "S0_main", "supervisor: ld.so, Rust runtime, main -> init()"),
    ("S0_main", "S1_locked_status_read", "supervisor: signalfd, setsid, create+flock lock, read status"),
    ("S1_locked_status_read", "S2_announced", "supervisor: /proc/self/stat, status write (pid)"),
    ("S2_announced", "S3_spec_log", "supervisor: stop check, thread check, read spec, create output.log"),
    ("S3_spec_log", "S4_cgroup_created", "supervisor: cgroup detect + 5 mkdir + 5 limit writes"),
    ("S4_cgroup_created", "S5_pipes_newpid", "supervisor: 5 pipes, unshare(CLONE_NEWPID)"),
    ("S5_pipes_newpid", "S6_forked", "supervisor: fork the sandbox init"),
    ("S6_forked", "S7_attached", "|| supervisor: attach init (5 x cgroup.procs)"),
    ("I0_init", "I2_unshared", "|| init: unshare(NEWNS|NEWNET|NEWUTS|NEWIPC)"),
    ("I2_unshared", "I3_host_lo", "|| init: sethostname, loopback up"),
    ("I3_host_lo", "I4_mounted", "|| init: mounts, pivot_root, remount ro, stdio"),
    ("S6_forked", "I1_go_read", "joined: fork -> init has go (max of the two above)"),
    ("I1_go_read", "I5_job_forked", "init: fork the job"),
    ("I5_job_forked", "I6_job_reaped", "job: runs Noop, exits; init reaps it"),
    ("I6_job_reaped", "S10_pump_done", "init exits (pid/mnt/net ns teardown), supervisor sees EOF+SIGCHLD"),
    ("S10_pump_done", "S11_killed_all", "supervisor: kill_all (5 x read cgroup.procs)"),
    ("S11_killed_all", "S12_cgroup_removed", "supervisor: remove cgroup (5 x rmdir)"),
    ("S12_cgroup_removed", "S13_result_written", "supervisor: result.json (create + rename)"),
    ("S13_result_written", "S14_work_removed", "supervisor: log record, rmdir work"),
    ("S14_work_removed", "S15_final_status", "supervisor: final status.json (create + rename)"),
    ("S15_final_status", "A3_supervisor_gone", "supervisor exits -> app's pidfd wakes tokio"),
    ("A3_supervisor_gone", "A4_wait_returns", "app: read status.json + result.json"),
]


def main():
    path = sys.argv[1]
    skip = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    jobs = collections.defaultdict(dict)
    for line in open(path):
        parts = line.split()
        if len(parts) == 3:
            jobs[parts[0]][parts[1]] = int(parts[2])
    names = {name for step in STEPS for name in step[:2]}
    complete = sorted(
        (marks for marks in jobs.values() if names <= marks.keys()),
        key=lambda marks: marks["A0_start"],
    )[skip:]
    if not complete:
        sys.exit("no complete job in " + path)

    def stat(values):
        values = sorted(values)
        return statistics.median(values), values[int(0.99 * (len(values) - 1))]

    print(f"{len(complete)} jobs; ms, median and p99 of each step")
    print(f"{'step':<72} {'median':>7} {'p99':>7}")
    for start, end, what in STEPS:
        median, p99 = stat([(m[end] - m[start]) / 1e6 for m in complete])
        print(f"{what:<72} {median:7.3f} {p99:7.3f}")
    median, p99 = stat([(m["A4_wait_returns"] - m["A0_start"]) / 1e6 for m in complete])
    print(f"{'TOTAL start() -> wait() returns':<72} {median:7.3f} {p99:7.3f}")
    median, p99 = stat([(m["S9_running_written"] - m["S8_go_sent"]) / 1e6 for m in complete])
    print(f"{'(off the path) supervisor: running status write after go':<72} {median:7.3f} {p99:7.3f}")


if __name__ == "__main__":
    main()

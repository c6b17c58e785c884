#!/usr/bin/env python3
"""Runs a load-generating client and measures what it cost, the same way for any client:

    measure_client.py URL LABEL -- COMMAND [ARGS...]

Before and after the command, the mock's /metrics at URL give the requests it completed and
the tokens it generated; a streamed chat answer of T tokens is T + 4 SSE messages (the role
chunk, one chunk per token, the finish chunk, the usage chunk and [DONE]). While the command
runs, the proportional set size (PSS: resident memory, with pages shared between processes
split among them, so that forked workers are not counted twice) of its whole process tree is
summed every 100 ms. Prints one Markdown row: label, wall seconds, requests, SSE events, client
CPU seconds (user + system of the command and every process it waited for), microseconds of
client CPU per event, the peak of that sum, and the peak resident memory of the largest single
process (exact, from the kernel, but blind to the other processes of a multi-process client).
"""

import os
import re
import resource
import subprocess
import sys
import time
import urllib.request


def counters(url):
    text = urllib.request.urlopen(f"{url}/metrics", timeout=10).read().decode()
    total = lambda name: sum(float(v) for v in re.findall(rf"^{name}{{[^}}]*}} (\S+)$", text, re.M))
    return total("vllm:request_success_total"), total("vllm:generation_tokens_total")


def descendants(root):
    tree, frontier = [root], [root]
    while frontier:
        pid = frontier.pop()
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{pid}/task/{task}/children") as f:
                    children = [int(child) for child in f.read().split()]
            except OSError:
                continue
            tree.extend(children)
            frontier.extend(children)
    return tree


def tree_pss_kib(root):
    total = 0
    for pid in descendants(root):
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                total += next(int(line.split()[1]) for line in f if line.startswith("Pss:"))
        except (OSError, StopIteration):
            pass
    return total


def main():
    url, label, command = sys.argv[1], sys.argv[2], sys.argv[sys.argv.index("--") + 1:]
    requests_before, tokens_before = counters(url)
    usage_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak_kib = 0
    while child.poll() is None:
        peak_kib = max(peak_kib, tree_pss_kib(child.pid))
        time.sleep(0.1)
    wall = time.monotonic() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    if child.returncode != 0:
        sys.exit(f"{label} failed ({child.returncode}):\n{child.stderr.read().decode()[-2000:]}")
    cpu = (usage.ru_utime - usage_before.ru_utime) + (usage.ru_stime - usage_before.ru_stime)
    requests_after, tokens_after = counters(url)
    requests = requests_after - requests_before
    events = (tokens_after - tokens_before) + 4 * requests
    peak_mib = peak_kib / 1024
    largest_mib = usage.ru_maxrss / 1024
    print(f"| {label} | {wall:.1f} | {requests:.0f} | {events:.0f} | {cpu:.2f} | {cpu / events * 1e6:.1f} | {peak_mib:.0f} | {largest_mib:.0f} |")


if __name__ == "__main__":
    main()

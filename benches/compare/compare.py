#!/usr/bin/env python3
"""The side-by-side benchmark behind benches/compare.sh (run that, not this).

Sections, each writing its numbers into RESULTS (JSON) and a chart beside it:
  cost     one message to three recipients, as whole processes, by buildmail, msmtp, swaks,
           Python smtplib and nodemailer against a clean `buildmail sim`: medians of wall time,
           CPU time (user + system, from wait4) and peak RSS, ratios to buildmail in the same run;
           instruction counts (callgrind) of buildmail and msmtp, which load does not change.
  refusal  time to delivery after the earliest moment the server would accept, per scenario,
           for each tool straight to the sim and for Postfix (defaults) as a loopback relay.
  flush    `buildmail outbox flush` of N kept messages through ratelimit:20/10s.
  scan     `buildmail explain --scan` against ripgrep on one generated log.

Every process it starts is recorded in WORK/pids so the shell's trap can stop it; traffic goes to
127.0.0.1 only.
"""

import argparse
import json
import os
import re
import shutil
import signal
import smtplib
import statistics
import subprocess
import sys
import threading
import time
from email.message import EmailMessage
from pathlib import Path

HERE = Path(__file__).resolve().parent
FROM = "ci@example.com"
RECIPIENTS = ["dev1@example.com", "dev2@example.com", "dev3@example.com"]
RUSAGE = "rusage"  # set by main: the launcher compiled from rusage.c
TOOLS = ["buildmail", "msmtp", "swaks", "smtplib", "nodemailer"]
ALL_SECTIONS = ["cost", "refusal", "flush", "scan"]


class Run:
    """The paths and processes of one benchmark run."""

    def __init__(self, binary, work):
        self.bin = binary
        self.work = Path(work)
        self.children = []
        self.sims = 0
        # The flush section runs in a thread beside the refusal section: two sims started at
        # once must not share a record file.
        self.lock = threading.Lock()

    def spawn(self, argv, **kwargs):
        process = subprocess.Popen(argv, **kwargs)
        self.children.append(process)
        with open(self.work / "pids", "a") as pids:
            pids.write(f"{process.pid}\n")
        return process

    def sim(self, *scenarios):
        """Starts a sim on a free loopback port; returns (port, record file)."""
        with self.lock:
            self.sims += 1
            record = self.work / f"sim-{self.sims}.jsonl"
        record.touch()
        argv = [self.bin, "sim", "--listen", "127.0.0.1:0", "--record", str(record)]
        if scenarios:
            argv += ["--scenario", *scenarios]
        process = self.spawn(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = process.stdout.readline()
        match = re.search(r"127\.0\.0\.1:(\d+)", line)
        if not match:
            sys.exit(f"compare: the sim did not say where it listens: {line!r}")
        return int(match.group(1)), record

    def stop_all(self):
        for process in self.children:
            if process.poll() is None:
                process.terminate()
        for process in self.children:
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()


def delivered(record):
    with open(record) as lines:
        return sum(1 for line in lines if line.strip())


def send_argv(run, tool, port, sender=FROM, recipients=RECIPIENTS):
    """The command line with which `tool` sends one message, and the file for its stdin."""
    to = ",".join(recipients)
    if tool == "buildmail":
        return [run.bin, "send", "--smtp-url", f"smtp://127.0.0.1:{port}", "--from", sender,
                "--to", to, "--subject", "build #42 passed", "--body", "The build passed."], None
    if tool == "msmtp":
        return (["msmtp", "-C", str(run.work / "msmtprc"), "--host=127.0.0.1", f"--port={port}",
                 "--auth=off", "--tls=off", f"--from={sender}", *recipients],
                run.work / "message.eml")
    if tool == "swaks":
        return ["swaks", "--server", f"127.0.0.1:{port}", "--from", sender, "--to", to,
                "--header", "Subject: build #42 passed", "--body", "The build passed.",
                "--silent", "2"], None
    if tool == "smtplib":
        return ["python3", str(HERE / "smtplib-send.py"), str(port), sender, to], None
    if tool == "nodemailer":
        return ["node", str(HERE / "nodemailer-send.js"), str(port), sender, to], None
    raise ValueError(tool)


def measure(argv, stdin_path):
    """Runs argv to its end under the rusage launcher: (exit code, wall s, CPU s, peak RSS KiB)."""
    stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
    out = Path(RUSAGE + ".out")
    process = subprocess.Popen([RUSAGE, str(out), *argv], stdin=stdin,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    process.wait()
    wall, cpu, rss, code = out.read_text().split()
    if stdin_path:
        stdin.close()
    return int(code), float(wall), float(cpu), int(rss)


def instructions(argv, stdin_path):
    """Instructions counted by callgrind for one run of argv (all threads), or None."""
    if not shutil.which("valgrind"):
        return None
    stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
    result = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
                             *argv], stdin=stdin, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    match = re.search(r"Collected : (\d+)", result.stderr)
    return int(match.group(1)) if match else None


def section_cost(run, runs, results):
    port, record = run.sim()
    samples = {tool: [] for tool in TOOLS}
    for round_ in range(runs + 1):
        # Interleaved, so that a burst of load elsewhere hits every tool alike; round 0 warms
        # the page cache and is thrown away.
        for tool in TOOLS:
            before = delivered(record)
            code, wall, cpu, rss = measure(*send_argv(run, tool, port))
            if code != 0 or delivered(record) != before + 1:
                sys.exit(f"compare: {tool} failed to deliver (exit {code})")
            if round_:
                samples[tool].append((wall, cpu, rss))
    table = {}
    for tool, rows in samples.items():
        table[tool] = {
            "wall_ms": statistics.median(r[0] for r in rows) * 1000,
            "cpu_ms": statistics.median(r[1] for r in rows) * 1000,
            "rss_kib": statistics.median(r[2] for r in rows),
        }
    base = table["buildmail"]
    for row in table.values():
        row["wall_vs_buildmail"] = row["wall_ms"] / base["wall_ms"]
        row["cpu_vs_buildmail"] = row["cpu_ms"] / max(base["cpu_ms"], 1e-3)
        row["rss_vs_buildmail"] = row["rss_kib"] / base["rss_kib"]
    counts = {}
    for tool in ["buildmail", "msmtp"]:
        counts[tool] = instructions(*send_argv(run, tool, port))
    explain = [run.bin, "explain", "421 4.7.0 Try again later"]
    counts["buildmail explain"] = instructions(explain, None)
    counts["buildmail --version"] = instructions([run.bin, "--version"], None)
    explain_cpu = statistics.median(measure(explain, None)[2] for _ in range(runs)) * 1000
    version_cpu = statistics.median(
        measure([run.bin, "--version"], None)[2] for _ in range(runs)) * 1000
    results["cost"] = {"runs": runs, "tools": table, "instructions": counts,
                       "explain_cpu_ms": explain_cpu, "version_cpu_ms": version_cpu}


# Refusal scenarios: (name, sim scenario, seconds from the reference moment to the earliest
# moment the server accepts, reference: "start" of the send or the "preload" message).
SCENARIOS = [
    ("greylist, stated window (20 s)", "greylist-hint:20s", 20, "start"),
    ("greylist, no stated window (60 s)", "greylist:60s", 60, "start"),
    ("busy:2", "busy:2", 0, "start"),
    ("ratelimit:1/20s, stated delay", "ratelimit:1/20s", 20, "preload"),
]


def submit(port, sender, recipients):
    """One message straight from this process (the preload of a rate limit, Postfix's input)."""
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, ", ".join(recipients), "load"
    message.set_content("load\n")
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        smtp.send_message(message)


def section_refusal(run, bound, results, postfix):
    watches = []  # (scenario, via, tool, process or None, record, earliest, before)
    for index, (name, spec, wait, reference) in enumerate(SCENARIOS):
        for tool in TOOLS:
            port, record = run.sim(spec)
            sender = f"ci-{tool}@example.com"
            moment = time.monotonic()
            if reference == "preload":
                submit(port, sender, ["load@example.com"])
                moment = time.monotonic()
            argv, stdin_path = send_argv(run, tool, port, sender)
            stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
            process = run.spawn(argv, stdin=stdin, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
            watches.append([name, "direct", tool, process, record, moment + wait,
                            delivered(record)])
        if postfix:
            port, record = run.sim(spec)
            domain = f"s{index}.test"
            postfix.route(domain, port)
            watches.append([name, "postfix", domain, None, record, None, 0, port])
    if postfix:
        postfix.start()
        for watch in [w for w in watches if w[1] == "postfix"]:
            name, _, domain, _, record, _, _, port = watch
            spec_wait, reference = next((s[2], s[3]) for s in SCENARIOS if s[0] == name)
            sender = f"ci-{domain.split('.')[0]}@example.com"
            moment = time.monotonic()
            if reference == "preload":
                submit(port, sender, ["load@example.com"])
                moment = time.monotonic()
            watch[6] = delivered(record)
            submit(postfix.port, sender, [f"dev{i}@{domain}" for i in (1, 2, 3)])
            watch[5] = moment + spec_wait
    deadline = time.monotonic() + bound
    outcome = {}
    while time.monotonic() < deadline and len(outcome) < len(watches):
        for i, watch in enumerate(watches):
            if i in outcome:
                continue
            name, via, tool, process, record, earliest, before = watch[:7]
            if delivered(record) > before:
                outcome[i] = {"late_s": round(time.monotonic() - earliest, 2)}
            elif process is not None and process.poll() is not None:
                outcome[i] = {"gave_up": f"exit {process.returncode}"}
        time.sleep(0.05)
    rows = []
    for i, watch in enumerate(watches):
        name, via, tool, process, record, earliest = watch[:6]
        row = {"scenario": name, "via": via, "tool": "postfix" if via == "postfix" else tool}
        row.update(outcome.get(i, {"not_delivered_within_s": bound}))
        if via == "postfix" and i not in outcome:
            scheduled = postfix.next_attempt()
            if scheduled is not None:
                row["next_attempt_late_s"] = round(scheduled - (time.time() - time.monotonic()
                                                                + earliest), 1)
        rows.append(row)
    for process in [w[3] for w in watches if w[3] is not None]:
        if process.poll() is None:
            process.terminate()
    results["refusal"] = {"bound_s": bound, "rows": rows}


class Postfix:
    """Debian's Postfix on its defaults, as a relay on one loopback port, in WORK/postfix."""

    def __init__(self, run, port):
        self.run, self.port = run, port
        self.dir = run.work / "postfix"
        self.routes = {}

    def route(self, domain, port):
        self.routes[domain] = port

    def start(self):
        conf, spool = self.dir / "conf", self.dir / "spool"
        conf.mkdir(parents=True)
        spool.mkdir()
        (self.dir / "data").mkdir()
        shutil.chown(self.dir / "data", "postfix")
        (conf / "transport").write_text(
            "".join(f"{d} smtp:[127.0.0.1]:{p}\n" for d, p in self.routes.items()))
        (conf / "main.cf").write_text(f"""\
compatibility_level = 3.6
queue_directory = {spool}
data_directory = {self.dir / 'data'}
myhostname = relay.bench.test
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
transport_maps = texthash:{conf / 'transport'}
default_transport = error:only the benchmark's domains
smtp_tls_security_level = none
smtpd_tls_security_level = none
alias_maps =
alias_database =
maillog_file = {self.dir / 'maillog'}
maillog_file_prefixes = {self.dir}
syslog_name = postfix-bench
""")
        master = []
        for line in Path("/etc/postfix/master.cf").read_text().splitlines():
            fields = line.split()
            if not fields or line[0] in "# \t":
                master.append(line)
                continue
            if fields[:2] == ["smtp", "inet"]:
                fields[0] = f"127.0.0.1:{self.port}"
            if len(fields) >= 8:
                fields[4] = "n"  # no chroot: the spool is not under /var/spool/postfix
            master.append(" ".join(fields))
        (conf / "master.cf").write_text("\n".join(master) + "\n")
        self.conf = conf
        started = subprocess.run(["postfix", "-c", str(conf), "start"],
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if started.returncode != 0:
            sys.exit(f"compare: postfix did not start: {started.stdout}")
        for _ in range(100):
            try:
                with smtplib.SMTP("127.0.0.1", self.port, timeout=2):
                    return
            except OSError:
                time.sleep(0.1)
        sys.exit("compare: postfix did not start listening")

    def next_attempt(self):
        """When Postfix will next try its deferred mail (wall clock), from the queue files'
        modification times, which is where its queue manager keeps that moment."""
        times = [p.stat().st_mtime for p in (self.dir / "spool" / "deferred").rglob("*")
                 if p.is_file()]
        return max(times) if times else None

    def stop(self):
        if hasattr(self, "conf"):
            subprocess.run(["postfix", "-c", str(self.conf), "stop"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def section_flush(run, count, results):
    outbox = run.work / "outbox"
    outbox.mkdir()
    # Kept messages, made the way users make them: a send that finds no server. Every send must
    # say it kept its message (exit 75, "kept": true): a message it could not keep would show up
    # later as one the flush "lost".
    dead = [run.bin, "send", "--smtp-url", "smtp://127.0.0.1:9", "--retry-budget", "0",
            "--outbox", str(outbox), "--from", FROM, "--to", ",".join(RECIPIENTS),
            "--subject", "build passed", "--body", "The build passed.", "--output", "json"]
    pending, not_kept = [], []

    def settle(process):
        stdout, stderr = process.communicate()
        report = json.loads(stdout or "{}")
        if process.returncode != 75 or report.get("kept") is not True:
            not_kept.append({"exit": process.returncode, "kept": report.get("kept"),
                             "warnings": report.get("warnings"), "stderr": stderr[-500:]})
        return report.get("message_id")

    kept_ids = set()
    for _ in range(count):
        pending.append(subprocess.Popen(dead, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        text=True))
        if len(pending) >= 4:
            kept_ids.add(settle(pending.pop(0)))
    for process in pending:
        kept_ids.add(settle(process))
    kept = len(list(outbox.glob("*.json")))
    port, record = run.sim("ratelimit:20/10s")
    start = time.monotonic()
    flush = run.spawn([run.bin, "outbox", "flush", "--outbox", str(outbox), "--smtp-url",
                       f"smtp://127.0.0.1:{port}", "--output", "json"],
                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    stdout, stderr = flush.communicate()
    elapsed = time.monotonic() - start
    reports = json.loads(stdout or "[]")
    attempts = [a for r in reports for a in r.get("attempts", [])]
    refused = sum(1 for a in attempts if a.get("outcome") != "ok")
    accepted = accepted_messages(record)
    sent = len(accepted)
    allowed = 20 / 10
    rate = sent / elapsed if elapsed else 0
    results["flush"] = {"messages": count, "kept": kept, "delivered": sent, "exit": flush.returncode,
                        "elapsed_s": round(elapsed, 1), "per_s": round(rate, 3),
                        "fraction_of_allowed": round(rate / allowed, 3),
                        "attempts": len(attempts), "refused": refused,
                        "refused_fraction": round(refused / max(len(attempts), 1), 3),
                        "connections": len({m["connection"] for m in accepted}),
                        "not_kept_by_send": not_kept,
                        "left_in_outbox": len(list(outbox.glob("*.json"))),
                        "never_reached_the_sim": sorted(kept_ids - {m["message_id"] for m in accepted}),
                        "flush_warnings": [line for line in stderr.splitlines()
                                           if "warning" in line][:20]}


def accepted_messages(record):
    with open(record) as lines:
        return [json.loads(line) for line in lines if line.strip()]


def section_scan(run, size_mb, results):
    log = run.work / "scan.log"
    subprocess.run(["python3", str(HERE / "scan-log.py"), str(log), str(size_mb)], check=True)
    size = log.stat().st_size
    commands = {
        "buildmail explain --scan": [run.bin, "explain", "--scan", str(log), "--output", "json"],
        "ripgrep -c": ["rg", "-c", r"\b[45][0-9][0-9][ -]", str(log)],
    }
    table = {}
    for name, argv in commands.items():
        rows = [measure(argv, None) for _ in range(3)]
        wall = statistics.median(r[1] for r in rows)
        table[name] = {"wall_s": round(wall, 3),
                       "cpu_s": round(statistics.median(r[2] for r in rows), 3),
                       "rss_kib": statistics.median(r[3] for r in rows),
                       "mb_per_s": round(size / 1e6 / wall, 1)}
    # Memory flat in the log's size: the same scan of a log five times as long.
    big = run.work / "scan-5x.log"
    with open(big, "wb") as out:
        for _ in range(5):
            with open(log, "rb") as part:
                shutil.copyfileobj(part, out)
    rss_5x = measure([run.bin, "explain", "--scan", str(big), "--output", "json"], None)[3]
    big.unlink()
    results["scan"] = {"bytes": size, "tools": table, "buildmail_rss_kib_5x": rss_5x}
    log.unlink()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--results", required=True)
    parser.add_argument("--sections", default=",".join(ALL_SECTIONS))
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--bound", type=float, default=90)
    parser.add_argument("--flush-count", type=int, default=500)
    parser.add_argument("--scan-mb", type=int, default=100)
    parser.add_argument("--postfix-port", type=int, default=10025)
    parser.add_argument("--load", default="")
    args = parser.parse_args()
    run = Run(args.bin, args.work)
    global RUSAGE
    RUSAGE = str(run.work / "rusage")
    subprocess.run(["cc", "-O2", "-o", RUSAGE, str(HERE / "rusage.c")], check=True)
    (run.work / "msmtprc").write_text("# no account: everything is on the command line\n")
    os.chmod(run.work / "msmtprc", 0o600)
    (run.work / "message.eml").write_text(
        f"From: {FROM}\nTo: {', '.join(RECIPIENTS)}\nSubject: build #42 passed\n\n"
        "The build passed.\n")
    sections = args.sections.split(",")
    results = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
               "machine": machine(), "load": args.load,
               "load_average_at_start": os.getloadavg()}
    postfix = Postfix(run, args.postfix_port) if "refusal" in sections else None
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    flush = None
    try:
        if "cost" in sections:
            section_cost(run, args.runs, results)
        if "flush" in sections and "refusal" in sections:
            # The flush mostly waits for the rate limit: it runs beside the refusal section.
            flush = threading.Thread(target=section_flush,
                                     args=(run, args.flush_count, results))
            flush.start()
        elif "flush" in sections:
            section_flush(run, args.flush_count, results)
        if "refusal" in sections:
            section_refusal(run, args.bound, results, postfix)
        if "scan" in sections:
            section_scan(run, args.scan_mb, results)
        if flush:
            flush.join()
    finally:
        if postfix:
            postfix.stop()
        run.stop_all()
    results["load_average_at_end"] = os.getloadavg()
    Path(args.results).write_text(json.dumps(merged(args.results, sections, results), indent=2)
                                  + "\n")


def merged(path, sections, results):
    """A run of some sections (`--sections flush`) replaces only theirs in the results file; the
    others keep their numbers, and the run is listed under `partial_runs` with its date and load."""
    previous = Path(path)
    if set(sections) >= set(ALL_SECTIONS) or not previous.exists():
        return results
    kept = json.loads(previous.read_text())
    for section in sections:
        if section in results:
            kept[section] = results[section]
    kept.setdefault("partial_runs", []).append(
        {"sections": sections, "date": results["date"], "load": results["load"],
         "load_average_at_start": results["load_average_at_start"],
         "load_average_at_end": results["load_average_at_end"]})
    return kept


def machine():
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory = Path("/proc/meminfo").read_text().split()[1]
    return f"{os.cpu_count()} cores, {cpu}, {int(memory) // 1024 // 1024} GiB"


if __name__ == "__main__":
    main()

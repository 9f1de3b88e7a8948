#!/usr/bin/env python3
"""Turns benches/results/compare.json into Markdown tables and two small SVG charts.

Usage: python3 render.py RESULTS.json OUT.md SVG_DIR
"""
import json
import sys
from html import escape
from pathlib import Path

TARGETS = {
    "send_cpu": "CPU time at most msmtp's",
    "send_wall": "wall time at most half of msmtp's",
    "send_rss": "peak RSS at most msmtp's",
    "explain": "`explain` of one reply at most 3 ms CPU",
}


def main():
    results = json.loads(Path(sys.argv[1]).read_text())
    out, svg_dir = Path(sys.argv[2]), Path(sys.argv[3])
    lines = [f"Measured {results['date']} on {results['machine']}; load average "
             f"{fmt_load(results['load_average_at_start'])} at the start, "
             f"{fmt_load(results.get('load_average_at_end', []))} at the end"
             + (f" ({results['load']})" if results.get("load") else "") + ".", ""]
    for partial in results.get("partial_runs", []):
        lines += [f"Measured again {partial['date']}, only {', '.join(partial['sections'])}; load "
                  f"average {fmt_load(partial['load_average_at_start'])} at the start, "
                  f"{fmt_load(partial['load_average_at_end'])} at the end"
                  + (f" ({partial['load']})" if partial.get("load") else "") + ".", ""]
    if "cost" in results:
        lines += cost_table(results["cost"])
        (svg_dir / "benchmarks-cost.svg").write_text(cost_svg(results["cost"]))
    if "refusal" in results:
        lines += refusal_table(results["refusal"])
        (svg_dir / "benchmarks-delivery.svg").write_text(refusal_svg(results["refusal"]))
    if "flush" in results:
        lines += flush_table(results["flush"])
    if "scan" in results:
        lines += scan_table(results["scan"])
    out.write_text("\n".join(lines) + "\n")


def fmt_load(load):
    return "/".join(f"{x:.1f}" for x in load)


def cost_table(cost):
    rows = [f"### One message to three recipients (medians of {cost['runs']} runs)", "",
            "| tool | wall | CPU | peak RSS | wall ÷ buildmail | CPU ÷ buildmail | RSS ÷ buildmail |",
            "|---|---:|---:|---:|---:|---:|---:|"]
    for tool, r in cost["tools"].items():
        rows.append(f"| {tool} | {r['wall_ms']:.1f} ms | {r['cpu_ms']:.1f} ms | "
                    f"{r['rss_kib'] / 1024:.1f} MiB | {r['wall_vs_buildmail']:.1f} | "
                    f"{r['cpu_vs_buildmail']:.1f} | {r['rss_vs_buildmail']:.2f} |")
    counts = cost["instructions"]
    rows += ["", "Instructions (callgrind, all threads, one run; independent of load): " + ", ".join(
        f"{name} {n / 1e6:.2f} M" for name, n in counts.items() if n), "",
        f"`buildmail explain \"421 4.7.0 Try again later\"`: {cost['explain_cpu_ms']:.1f} ms CPU "
        f"(median); `buildmail --version`: {cost['version_cpu_ms']:.1f} ms.", ""]
    b, m = cost["tools"]["buildmail"], cost["tools"]["msmtp"]
    verdicts = [("send_cpu", b["cpu_ms"] <= m["cpu_ms"]),
                ("send_wall", b["wall_ms"] <= m["wall_ms"] / 2),
                ("send_rss", b["rss_kib"] <= m["rss_kib"]),
                ("explain", cost["explain_cpu_ms"] <= 3)]
    rows += ["| target | met in this run |", "|---|---|"]
    rows += [f"| {TARGETS[key]} | {'yes' if ok else '**no**'} |" for key, ok in verdicts]
    return rows + [""]


def refusal_table(refusal):
    rows = ["### Time to delivery under refusal", "",
            "Seconds after the earliest moment the server would have accepted the message; "
            f"waited at most {refusal['bound_s']:.0f} s.", "",
            "| scenario | client | via | delivered |", "|---|---|---|---|"]
    for r in refusal["rows"]:
        rows.append(f"| {r['scenario']} | {r['tool']} | {r['via']} | {verdict(r)} |")
    return rows + [""]


def verdict(r):
    if "late_s" in r:
        return f"{r['late_s']:+.1f} s"
    if "gave_up" in r:
        return f"gave up at the first refusal ({r['gave_up']})"
    text = f"not within {r['not_delivered_within_s']:.0f} s"
    if "next_attempt_late_s" in r:
        text += f"; next attempt scheduled at +{r['next_attempt_late_s']:.0f} s"
    return text


def flush_table(flush):
    rows = ["### `outbox flush` through ratelimit:20/10s", "",
            "| messages | in the outbox | delivered | time | rate | of the allowed 2/s | attempts | refused | connections |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
            f"| {flush['messages']} | {flush.get('kept', '?')} | {flush['delivered']} | {flush['elapsed_s']} s | "
            f"{flush['per_s']}/s | {flush['fraction_of_allowed']:.0%} | {flush['attempts']} | "
            f"{flush['refused']} ({flush['refused_fraction']:.1%}) | {flush.get('connections', '?')} |", ""]
    problems = []
    if flush.get("not_kept_by_send"):
        problems.append(f"{len(flush['not_kept_by_send'])} sends did not keep their message")
    if flush.get("never_reached_the_sim"):
        problems.append(f"{len(flush['never_reached_the_sim'])} kept messages never reached the sim")
    if flush.get("left_in_outbox"):
        problems.append(f"{flush['left_in_outbox']} entries left in the outbox")
    if flush.get("exit", 0) != 0:
        problems.append(f"the flush exited {flush['exit']}")
    if problems:
        rows += ["**Not clean:** " + "; ".join(problems) + " (details in compare.json).", ""]
    return rows


def scan_table(scan):
    rows = [f"### Scan of a {scan['bytes'] / 1e6:.0f} MB log (medians of 3)", "",
            "| tool | wall | CPU | peak RSS | throughput |", "|---|---:|---:|---:|---:|"]
    for tool, r in scan["tools"].items():
        rows.append(f"| {tool} | {r['wall_s']:.2f} s | {r['cpu_s']:.2f} s | "
                    f"{r['rss_kib'] / 1024:.1f} MiB | {r['mb_per_s']:.0f} MB/s |")
    rows += ["", f"buildmail's peak RSS on a log five times as long: "
             f"{scan['buildmail_rss_kib_5x'] / 1024:.1f} MiB.", ""]
    return rows


def bars_svg(title, groups, unit, width=640):
    """Horizontal bars: groups is [(label, [(series, value)])]."""
    colours = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2"]
    series = []
    for _, values in groups:
        for name, _ in values:
            if name not in series:
                series.append(name)
    top = max((v for _, values in groups for _, v in values if v is not None), default=1) or 1
    bar, gap, left, y = 14, 10, 190, 40
    parts = [f'<text x="10" y="20" font-size="14" font-weight="bold">{escape(title)}</text>']
    for label, values in groups:
        parts.append(f'<text x="10" y="{y + bar}" font-size="12">{escape(label)}</text>')
        for name, value in values:
            colour = colours[series.index(name) % len(colours)]
            length = 0 if value is None else max(1, (width - left - 90) * value / top)
            shown = "—" if value is None else f"{value:.1f} {unit}"
            parts.append(f'<rect x="{left}" y="{y}" width="{length:.1f}" height="{bar}" '
                         f'fill="{colour}"><title>{escape(name)}</title></rect>')
            parts.append(f'<text x="{left + length + 4:.1f}" y="{y + bar - 3}" '
                         f'font-size="11">{escape(name)}: {shown}</text>')
            y += bar + 2
        y += gap
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{y + 10}" '
            f'font-family="sans-serif">\n' + "\n".join(parts) + "\n</svg>\n")


def cost_svg(cost):
    groups = [(tool, [("CPU", r["cpu_ms"]), ("wall", r["wall_ms"])])
              for tool, r in cost["tools"].items()]
    return bars_svg("One message to three recipients: CPU and wall time (median)", groups, "ms")


def refusal_svg(refusal):
    groups = {}
    for r in refusal["rows"]:
        name = r["tool"] if r["via"] == "direct" else "postfix relay"
        if "late_s" in r:
            value = max(r["late_s"], 0)
        elif "next_attempt_late_s" in r:
            value = r["next_attempt_late_s"]
        else:
            value = None  # gave up
        groups.setdefault(r["scenario"], []).append((name, value))
    return bars_svg("Seconds late after the server would accept (— : gave up)",
                    list(groups.items()), "s")


if __name__ == "__main__":
    main()

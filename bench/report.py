"""Writes the measured table of BENCHMARKS.md from bench/results.json, between two markers; the rest
of the file (what was changed and what it bought) is written by hand."""

from __future__ import annotations

from pathlib import Path

START, END = "<!-- bench:results:start -->", "<!-- bench:results:end -->"


def _s(figure: dict, unit: str) -> tuple[str, str]:
    return f"{figure['median']:,} {unit}", f"{figure['min']:,}–{figure['max']:,}"


def _ms(value) -> str:
    return "—" if value is None else f"{value:,} ms"


def scale_rows(at_scale: dict) -> list[str]:
    """Measurements 4 and 5 at each scale, as table rows."""
    rows: list[str] = []
    for size, at in at_scale.items():
        d = at["deadlines"]
        lateness = d["lateness_ms"]
        rows.append(f"| 4. deadline lateness, {int(size):,} open, {d['due']:,} falling due over 10 s | "
                    f"p50 {_ms(lateness['p50'])}, p99 {_ms(lateness['p99'])} | {d['fired']:,} fired |"
                    f" p99 < 1 s | {(lateness['p99'] or 0) / 1000:.1f} |")
        rows.append(f"| 4. sweep cost, {int(size):,} open | {d['sweep_ms_per_escalation']} ms per escalation fired; "
                    f"{d['idle_sweep_query_ms']} ms per wake with nothing due | {d['sweeps']} sweeps, "
                    f"{d['sweep_seconds_total']} s in all | at 1 M within 2× of 10 k | |")
        rows += oversight_rows(int(size), at)
    return rows + flatness_rows(at_scale)


def oversight_rows(size: int, at: dict) -> list[str]:
    """Measurement 5 at one scale: each query from the read models beside the previous path."""
    if "oversight_states_per_second" not in at:
        return []
    rows = [f"| 5. oversight's writer building its projection and read models: {at['oversight_states']:,} more "
            f"referrals to {size:,} in {at['loaded_in_s']['oversight_s']:,} s | {at['oversight_states_per_second']:,} "
            f"states/s | transactions of 2,000 | | |"]
    for query, t in at["oversight"].items():
        if query == "settled_in_s":
            continue
        kept, before = t["read_models"]["median_ms"], t["previous"]["median_ms"]
        differs = f"; answers differ: {', '.join(t['differs'])}" if t["differs"] else "; same answers"
        if query == "metrics refresh":
            rows.append(f"| 5. the /metrics refresh (open by state and tier, overdue), {size:,} referrals | {kept:,} ms "
                        f"| previous recount {before:,} ms: {t['ratio']:,}× as long{differs} | < 100 ms | "
                        f"{kept / 100:.2f} |")
            continue
        served = t["http"]["median_ms"]
        rows.append(f"| 5. oversight {query}, {size:,} referrals | {served:,} ms over HTTP ({kept:,} ms in-process) "
                    f"| previous aggregation {before:,} ms: {t['ratio']:,}× as long{differs} | < 1 s | "
                    f"{served / 1000:.2f} |")
    return rows


def flatness_rows(at_scale: dict) -> list[str]:
    """Each oversight figure at the largest scale against the smallest: flat means within 2×."""
    sizes = [s for s in at_scale if "oversight_states_per_second" in at_scale[s]]
    if len(sizes) < 2:
        return []
    low, high = at_scale[sizes[0]]["oversight"], at_scale[sizes[-1]]["oversight"]
    rows = []
    for query in (q for q in high if q != "settled_in_s"):
        way = "read_models" if query == "metrics refresh" else "http"
        a, b = low[query][way]["median_ms"], high[query][way]["median_ms"]
        verdict = "flat" if b <= 2 * a else "grows"
        rows.append(f"| 5. {query} from {int(sizes[0]):,} to {int(sizes[-1]):,} referrals | {a:,} → {b:,} ms "
                    f"({b / a:.2f}×): {verdict} | previous path {low[query]['previous']['median_ms']:,} → "
                    f"{high[query]['previous']['median_ms']:,} ms | within 2× | {b / a / 2:.2f} |")
    return rows


def table(r: dict) -> str:
    m = r["machine"]
    rows = [
        f"Run of {r['date']} ({r['bench_minutes']} min): {m['cpus']} vCPU, {m['memory_gb']} GB, {m['platform']}, "
        f"Python {m['python']}, Kafka {m['kafka']}, {m['store']}.",
        "",
        "| measurement | result | spread / detail | target (issue 8) | ratio to target |",
        "|---|---|---|---|---|",
    ]
    raw, flow = r["raw_limit_messages_per_second"], r["pipeline_referrals_per_second"]
    rows.append(f"| 1. raw limit: produce, consume, re-produce {r['message_bytes']:,}-byte messages, acks=all, "
                f"idempotent, 3 partitions | {' | '.join(_s(raw, 'msg/s'))} | the ceiling | |")
    rows.append(f"| 2. pipeline: inbound topic → triaged and tracked in the store | {' | '.join(_s(flow, 'referrals/s'))} "
                f"| ≥ 2,000 /s | {flow['median'] / 2000:.2f} |")
    rows.append(f"| 2. pipeline ÷ raw limit | {r['pipeline_to_raw_ratio']} | | as close to 1 as batching allows | |")
    if cluster := r.get("cluster"):
        on = cluster["pipeline_referrals_per_second"]
        rows.append(f"| 2. pipeline on {cluster['brokers']} Kafka nodes (3 copies, min.insync.replicas=2), "
                    f"{cluster['replicas_per_service']} replicas of every service, {cluster['partitions']} partitions "
                    f"| {' | '.join(_s(on, 'referrals/s'))} | beside the single node's above | "
                    f"{on['median'] / flow['median']:.2f} of it |")
        rows.append(f"| 2. Kafka disk per referral through the pipeline, one copy | "
                    f"{cluster['kafka_bytes_per_referral_per_copy']:,} bytes | records in the log segments of every topic it touched | | |")
    for name, lat in r["latency_ms"].items():
        at_100 = name.endswith("at 100.0/s")
        target, ratio = ("p99 < 100 ms", f"{lat['p99'] / 100:.1f}") if at_100 and lat["p99"] else ("", "")
        missing = f", {lat['not_tracked_within_60s']} not within 60 s" if lat["not_tracked_within_60s"] else ""
        rows.append(f"| 3. submission → tracked decision, {name} | p50 {_ms(lat['p50'])}, p95 {_ms(lat['p95'])}, "
                    f"p99 {_ms(lat['p99'])} | {lat['measured']:,} of {lat['offered']:,} measured{missing} "
                    f"| {target} | {ratio} |")
    rows += scale_rows(r.get("at_scale", {}))
    rows.append(f"| 6. replay: rebuilding tracking from the Kafka log | "
                f"{' | '.join(_s(r['replay_events_per_second'], 'events/s'))} | | |")
    for label, key in (("after the load", "resident_mb_after_load"), ("at the largest scale", "resident_mb_at_largest_scale")):
        if key in r:
            mem = r[key]
            rows.append(f"| 7. resident memory {label}: " + " / ".join(mem) + " | "
                        + " / ".join(f"{v:g}" for v in mem.values()) + " MB | | each < 150 MB | "
                        + f"{max(mem.values()) / 150:.2f} |")
    return "\n".join(rows)


MILLION_START, MILLION_END = "<!-- bench:million:start -->", "<!-- bench:million:end -->"


def write_scale_only(results: dict, path: Path) -> None:
    """A run of 4 and 5 alone (BENCH_SCALE_ONLY, e.g. the million) into its own marked section."""
    header = ["| measurement | result | spread / detail | target (issue 8) | ratio to target |", "|---|---|---|---|---|"]
    body = "\n".join([f"Run of {results['date']} ({results['bench_minutes']} min), store cache "
                      f"{results['machine'].get('store_cache') or 'default'}:", "", *header,
                      *scale_rows(results.get("at_scale", {}))])
    text = path.read_text()
    if MILLION_START not in text:
        text += f"\n{MILLION_START}\n{MILLION_END}\n"
    before, rest = text.split(MILLION_START, 1)
    path.write_text(f"{before}{MILLION_START}\n{body}\n{MILLION_END}{rest.split(MILLION_END, 1)[1]}")


def write(results: dict, path: Path) -> None:
    text = path.read_text() if path.exists() else f"# Benchmarks\n\n{START}\n{END}\n"
    if START not in text:
        text += f"\n{START}\n{END}\n"
    before, rest = text.split(START, 1)
    after = rest.split(END, 1)[1]
    path.write_text(f"{before}{START}\n{table(results)}\n{END}{after}")


STORE_START, STORE_END = "<!-- bench:store:start -->", "<!-- bench:store:end -->"


def _listed(figures: dict) -> str:
    return ", ".join(f"{name} {n:g}" for name, n in figures.items())


def store_table(results: dict) -> str:
    """The engine-independent figures (bench/store_figures.py) as a table: per referral, per escalation."""
    s = results["store_figures"]
    walks = [s["per_referral"], s["per_escalation"], *([s["per_escalation_at_load"]] if "per_escalation_at_load" in s else [])]
    r, e = walks[0], walks[1]
    at_load = f", and {walks[2]['count']:,} over 10 s" if len(walks) > 2 else ""

    def row(label: str, figure) -> str:
        return f"| {label} | " + " | ".join(figure(w) for w in walks) + " |"

    rows = [f"Counted on {results['date']} (bench/store_figures.py): {r['count']} referrals along the demo's path, "
            f"{e['count']} reminders falling due over 10 s{at_load}; the services' own commands only "
            f"(with nothing to do they send {s['idle_commands_per_second']:g} a second: the watcher's and the "
            f"sweeps' timers).", "",
            "| figure | per referral (submission to closure) | per escalation (due to told), 3 a second |"
            + (" per escalation, 100 a second |" if len(walks) > 2 else ""), "|---|---|---|" + ("---|" if len(walks) > 2 else ""),
            row("store commands", lambda w: f"{w['commands']:g}"),
            row("by command", lambda w: _listed(w["commands_by_name"])),
            row("by service", lambda w: _listed(w["commands_by_service"])),
            row("by service, collection and command", lambda w: _listed(w["commands_by_collection"])),
            row("documents written", lambda w: f"{w['documents_written']:g}"),
            row("by service and collection", lambda w: _listed(w["documents_written_by_collection"])),
            row("index entries the writes may maintain", lambda w: f"{w['index_entries']:g}"),
            row("by service and collection", lambda w: _listed(w.get("index_entries_by_collection", {}))),
            f"| indexes per collection written | {_listed(s['indexes'])} |" + " |" * (len(walks) - 1)]
    return "\n".join(rows)


def write_store_figures(results: dict, path: Path) -> None:
    text = path.read_text()
    if STORE_START not in text:
        text += f"\n{STORE_START}\n{STORE_END}\n"
    before, rest = text.split(STORE_START, 1)
    path.write_text(f"{before}{STORE_START}\n{store_table(results)}\n{STORE_END}{rest.split(STORE_END, 1)[1]}")

// The oversight dashboard: the API's figures as charts a commissioner reads at a glance, with the
// tables beside them for printing and CSV. Every figure is the API's (the read models'); the page
// only arranges them, and says times in the partnership's zone (format.js).
"use strict";
const $ = (id) => document.getElementById(id);
const ZONE = document.querySelector('meta[name="partnership-timezone"]').content || "UTC";
const TIERS = ["urgent", "crisis_follow_up", "priority", "routine"];
const COLOURS = {urgent: "#b3261e", crisis_follow_up: "#7b3fa0", priority: "#b35c00", routine: "#1d5a85"};
const WEEKS = 8, WEEK_MS = 7 * 86400000;
const esc = (v) => String(v ?? "").replace(/[&<>"]/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}[c]));
const when = (iso) => Format.moment(iso, ZONE);
const charts = {};
const key = () => sessionStorage.getItem("apiKey");
if (location.hash.startsWith("#key=")) {
  sessionStorage.setItem("apiKey", decodeURIComponent(location.hash.slice(5)));
  history.replaceState(null, "", location.pathname);  // the key leaves the address bar (and history)
}

async function call(path, params, as = "json") {
  const query = new URLSearchParams(Object.entries(params || {}).filter(([, v]) => v)).toString();
  const response = await fetch(path + (query ? "?" + query : ""), {headers: {Authorization: "Bearer " + key()}});
  if (response.status === 401) throw Object.assign(new Error("this key was not accepted (missing, mistyped or expired)"), {unauthorised: true});
  if (!response.ok) throw new Error(path + ": " + response.status + " " + (await response.text()));
  return as === "json" ? response.json() : response.blob();
}

function filters() {
  const data = Object.fromEntries(new FormData($("filters")));
  for (const name of ["since", "until"]) if (data[name]) data[name] = Format.zonedMidnight(data[name], ZONE);
  return data;
}

function table(id, head, body) {
  $(id).innerHTML = "<thead><tr>" + head.map((h) => `<th scope="col">${esc(h)}</th>`).join("") + "</tr></thead><tbody>" +
    body.map((r) => `<tr${r.attrs || ""}>` + r.cells.map((c) => `<td>${c}</td>`).join("") + "</tr>").join("") + "</tbody>";
}

function chart(id, config) {
  if (charts[id]) charts[id].destroy();
  const base = {animation: false, responsive: true, maintainAspectRatio: false, plugins: {legend: {position: "bottom"}}};
  charts[id] = new Chart($(id), {...config, options: {...base, ...config.options}});
}

function tiles(s) {
  const f = s.funnel;
  const list = [["volume", "Referrals", s.volume, ""], ["overdue", "Overdue first contact", s.overdue, ""],
    ["unassigned", "Unassigned", s.unassigned, ""], ["unknown", "Unknown outcome", s.unknown_outcomes, ""],
    ["conversion", "Referral → engagement", f.conversion_pct == null ? "–" : Math.round(f.conversion_pct) + " %",
      `${f.engaged} of ${f.sent} engaged`],
    ["breaches", "Breaches", s.breaches.length, `${s.breaches_with_reason} with the owner's reason`]];
  $("tiles").innerHTML = list.map(([id, label, n, of]) => `<div class="tile" data-tile="${id}"><div class="n">${esc(n)}</div>` +
    `<div class="l">${esc(label)}</div>${of ? `<div class="of">${esc(of)}</div>` : ""}</div>`).join("");
}

function timeliness(s) {
  table("timeliness", ["tier", "contacted", "median", "90th percentile", "within standard (of those due)"],
    Object.entries(s.time_to_first_contact).map(([tier, t]) => ({attrs: ` data-tier="${esc(tier)}"`, cells: [esc(tier),
      esc(t.count), esc(Format.duration(t.median_hours)), esc(Format.duration(t.p90_hours)),
      esc(Format.share(t.within_standard, t.due, t.within_standard_pct))]})));
}

function funnel(s) {
  const f = s.funnel, steps = [["sent", f.sent], ["acknowledged", f.acknowledged], ["first contact", f.first_contact],
    ["engaged", f.engaged]];
  chart("funnel-chart", {type: "bar", data: {labels: steps.map(([k]) => k),
    datasets: [{label: "referrals", data: steps.map(([, n]) => n), backgroundColor: "#1d5a85"}]},
    options: {indexAxis: "y", plugins: {legend: {display: false}}, scales: {x: {beginAtZero: true, ticks: {precision: 0}}}}});
  table("funnel", ["step", "referrals"], steps.map(([k, n]) => ({cells: [esc(k), esc(k === "sent" ? n : Format.share(n, f.sent))]})));
}

function backlog(s) {
  const ages = Object.entries(s.backlog_age);
  chart("backlog-chart", {type: "bar", data: {labels: ages.map(([k]) => k),
    datasets: [{label: "open referrals without a contact attempt", data: ages.map(([, n]) => n), backgroundColor: "#b35c00"}]},
    options: {plugins: {legend: {display: false}}, scales: {y: {beginAtZero: true, ticks: {precision: 0}}}}});
  table("backlog", ["age", "referrals"], ages.map(([k, n]) => ({cells: [esc(k), esc(n)]})));
}

function others(s) {
  table("breaches", ["agency", "tier", "found", "late by", "deadline", "reason"], s.breaches.map((b) => ({cells: [
    esc(b.agency_id), esc(b.tier || "–"), esc(when(b.fired_at)), esc(Format.duration(b.overdue_hours)), esc(when(b.deadline)),
    esc(b.reason || "not given yet")]})));
  table("sources", ["source", "referrals", "reached a first appointment", "no-shows (of appointments)"],
    Object.entries(s.by_source).map(([source, f]) => ({attrs: ` data-source="${esc(source)}"`, cells: [esc(source),
      esc(f.referrals), esc(Format.share(f.with_appointment, f.referrals, f.first_appointment_pct)),
      esc(Format.share(f.no_shows, f.appointments, f.no_show_rate_pct))]})));
  const ft = s.follow_through;
  table("follow", ["consults", "plans updated", "staff briefed", "plan update overdue", "staff briefing overdue"],
    [{cells: [esc(ft.consults), esc(Format.share(ft.plans_updated, ft.consults)), esc(Format.share(ft.staff_briefed, ft.consults)),
      esc(ft.plan_update_overdue), esc(ft.staff_briefing_overdue)]}]);
}

// Eight weeks back from the end of the period (the platform's time, which a demo may run ahead):
// each week's own summary from the API, and the breach log's entries by the week they were found.
async function weekly(chosen, s) {
  const end = new Date(chosen.until || s.as_of).getTime();
  const windows = [...Array(WEEKS).keys()].reverse().map((i) => ({since: end - (i + 1) * WEEK_MS, until: end - i * WEEK_MS}));
  const summaries = await Promise.all(windows.map((w) => call("/v1/oversight/summary",
    {...chosen, since: new Date(w.since).toISOString(), until: new Date(w.until).toISOString()})));
  const labels = windows.map((w) => Format.day(new Date(w.since).toISOString(), ZONE));
  chart("weekly-chart", {type: "line", data: {labels, datasets: TIERS.map((tier) => ({label: tier, borderColor: COLOURS[tier],
    backgroundColor: COLOURS[tier], spanGaps: true,
    data: summaries.map((w) => (w.time_to_first_contact[tier] || {}).within_standard_pct ?? null)}))},
    options: {scales: {y: {min: 0, max: 100, title: {display: true, text: "% within standard"}}},
      plugins: {legend: {position: "bottom"}, tooltip: {callbacks: {label: (item) => {
        const t = summaries[item.dataIndex].time_to_first_contact[TIERS[item.datasetIndex]];
        return `${TIERS[item.datasetIndex]}: ${Format.share(t.within_standard, t.due, t.within_standard_pct)}`;
      }}}}}});
  const span = (i) => ` data-since="${new Date(windows[i].since).toISOString()}" data-until="${new Date(windows[i].until).toISOString()}"`;
  table("weekly", ["week from", ...TIERS], summaries.map((w, i) => ({attrs: span(i), cells: [esc(labels[i]), ...TIERS.map((tier) => {
    const t = w.time_to_first_contact[tier];
    return t && t.due ? esc(Format.share(t.within_standard, t.due, t.within_standard_pct)) : "–";
  })]})));
  const found = windows.map((w) => s.breaches.filter((b) => {
    const at = new Date(b.fired_at).getTime();
    return at >= w.since && at < w.until;
  }).length);
  chart("breaches-chart", {type: "bar", data: {labels, datasets: [{label: "breaches found", data: found, backgroundColor: "#b3261e"}]},
    options: {plugins: {legend: {display: false}}, scales: {y: {beginAtZero: true, ticks: {precision: 0}}}}});
  table("breaches-weekly", ["week from", "breaches found"], found.map((n, i) => ({attrs: span(i), cells: [esc(labels[i]), esc(n)]})));
}

async function worklist(chosen) {
  const list = await call("/v1/oversight/worklist", {...chosen, sort: "acuity"});
  table("worklist", ["reference", "tier", "age", "owner", "last attempt", "next action", "deadline", "overdue"],
    list.map((r) => ({attrs: ` class="clickable" tabindex="0" data-referral="${esc(r.referral_id)}"`, cells: [esc(r.client_reference),
      esc(r.tier || "–"), esc(Format.duration(r.age_days * 24)), esc(r.owner || "–"), esc(when(r.last_attempt_at)),
      esc(r.next_action), esc(when(r.deadline)), r.overdue ? "<strong>overdue</strong>" : ""]})));
}

async function render() {
  const chosen = filters();
  $("status").textContent = "Loading…";
  try {
    const s = await call("/v1/oversight/summary", chosen);
    tiles(s); timeliness(s); funnel(s); backlog(s); others(s);
    await Promise.all([weekly(chosen, s), worklist(chosen)]);
    $("status").textContent = `As of ${when(s.as_of)} (the platform's time; every time here is ${ZONE}'s)`;
  } catch (error) {
    if (error.unauthorised) return askForKey(error.message);
    $("status").innerHTML = `<span class="error">${esc(error.message)}</span>`;
  }
}

async function detail(row) {
  // The referral as this service holds it (the latest state tracking published); its timeline is tracking's.
  const v = await call("/v1/oversight/referrals/" + row.dataset.referral);
  const steps = [["referral submitted", v.submitted_at], ["triaged", v.triaged_at], ["acknowledged", v.acknowledged_at],
    ["accepted", v.accepted_at], ["first contact attempted", v.first_contact_at],
    ["last contact attempt", v.last_contact_attempt_at], ["closed: " + (v.closure ? v.closure.outcome : ""),
    v.closure && v.closure.closed_at]].filter(([, at]) => at);
  $("detail").hidden = false;
  $("detail").innerHTML = `<h2>Referral ${esc(v.client_reference)}: ${esc(v.state)}</h2>` +
    `<p>Tier ${esc(v.tier || "–")}, contact deadline ${esc(when(v.contact_deadline))}, ` +
    `${esc(v.contact_attempts)} contact attempt(s)</p><h3>Accountability</h3><ul>` +
    (v.accountable.length ? v.accountable.map((a) => `<li>${esc(`${a.agency_id} (${a.role}${a.person ? ", " + a.person : ""})`)}</li>`).join("")
      : "<li>nobody: the loop is closed</li>") +
    "</ul><h3>Steps</h3><ol>" + steps.map(([what, at]) => `<li>${esc(when(at))}: ${esc(what)}</li>`).join("") + "</ol>" +
    "<h3>Escalations</h3><ol>" + v.escalations.map((e) => `<li>${esc(when(e.at))}: ${esc(e.step)} to the ${esc(e.role)} lead of ` +
      `${esc(e.agency_id)}` + (e.reason_text ? `: ${esc(e.reason_text)}` : "") + "</li>").join("") + "</ol>";
}

async function csv(name) {
  const blob = await call(`/v1/oversight/${name}`, {...filters(), format: "csv", sort: name === "worklist" ? "acuity" : ""}, "blob");
  const link = Object.assign(document.createElement("a"), {href: URL.createObjectURL(blob), download: `${name}.csv`});
  link.click();
  URL.revokeObjectURL(link.href);
}

function askForKey(problem) {
  sessionStorage.removeItem("apiKey");
  $("figures").hidden = true;
  $("key-prompt").hidden = false;
  $("key-problem").textContent = problem || "";
  $("key").focus();
}

function showFigures() {
  $("key-prompt").hidden = true;
  $("figures").hidden = false;
  render();
}

$("zone-note").textContent = `Times are shown in ${ZONE}, the partnership's time zone.`;
$("worklist").addEventListener("click", (event) => { const row = event.target.closest("tr[data-referral]"); if (row) detail(row); });
$("worklist").addEventListener("keydown", (event) => {
  const row = event.target.closest("tr[data-referral]");
  if (row && (event.key === "Enter" || event.key === " ")) { event.preventDefault(); detail(row); }
});
document.querySelectorAll("button.csv").forEach((b) => b.addEventListener("click", () => csv(b.dataset.csv)));
$("filters").addEventListener("submit", (event) => { event.preventDefault(); render(); });
$("forget-key").addEventListener("click", () => askForKey(""));
$("key-form").addEventListener("submit", (event) => {
  event.preventDefault();
  sessionStorage.setItem("apiKey", $("key").value.trim());
  $("key").value = "";
  showFigures();
});
window.addEventListener("beforeprint", () => document.querySelectorAll("details").forEach((d) => { d.open = true; }));
if (key()) showFigures(); else askForKey("");

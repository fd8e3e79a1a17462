// How the dashboard says times, durations and shares: in the partnership's time zone, in the unit
// that fits, and every percentage with the counts it is made of. Pure: no page, no clock.
(function (root) {
  "use strict";
  const partsCache = new Map();

  function formatter(locale, zone) {
    const key = locale + " " + zone;
    if (!partsCache.has(key)) {
      partsCache.set(key, new Intl.DateTimeFormat(locale, {timeZone: zone, weekday: "short", day: "numeric",
        month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZoneName: "short"}));
    }
    return partsCache.get(key);
  }

  function parts(iso, zone) {
    // Intl gives the wall clock of `zone` at that instant, daylight saving included. The zone's
    // abbreviation as people there write it: British English knows GMT and BST, American English
    // EST and EDT; where neither has one, the offset (GMT+2).
    const at = new Date(iso);
    const p = Object.fromEntries(formatter("en-GB", zone).formatToParts(at).map((x) => [x.type, x.value]));
    if (/^GMT[+-]/.test(p.timeZoneName)) {
      const us = formatter("en-US", zone).formatToParts(at).find((x) => x.type === "timeZoneName").value;
      if (!/^GMT[+-]/.test(us)) p.timeZoneName = us;
    }
    return p;
  }

  // "Thu 3 Dec 2026, 16:27 GMT": a moment as the partnership's clocks show it.
  function moment(iso, zone) {
    if (iso == null || iso === "") return "–";
    const p = parts(iso, zone);
    return `${p.weekday} ${p.day} ${p.month} ${p.year}, ${p.hour}:${p.minute} ${p.timeZoneName}`;
  }

  // "Mon 5 Oct": a day, for week labels.
  function day(iso, zone) {
    const p = parts(iso, zone);
    return `${p.weekday} ${p.day} ${p.month}`;
  }

  // A duration in the unit that fits: minutes under 90, hours under 48, then days.
  function duration(hours) {
    if (hours == null) return "–";
    const minutes = hours * 60;
    if (minutes < 1) return "under 1 min";
    if (minutes < 90) return `${Math.round(minutes)} min`;
    if (hours < 48) return `${hours.toFixed(1)} h`;
    return `${(hours / 24).toFixed(1)} days`;
  }

  // "4 of 5 (80 %)": a share with what it counts; the percentage as the API gave it when it did.
  function share(count, total, pct) {
    if (!total) return `${count} of ${total}`;
    const value = pct == null ? Math.round((100 * count) / total) : Math.round(pct);
    return `${count} of ${total} (${value} %)`;
  }

  // Midnight of a local date ("2026-10-05") in `zone`, as an ISO instant: the filters' dates are
  // the partnership's days, not UTC's.
  function zonedMidnight(date, zone) {
    const [y, m, d] = date.split("-").map(Number);
    const guess = Date.UTC(y, m - 1, d);
    const offsetAt = (instant) => {
      const p = Object.fromEntries(new Intl.DateTimeFormat("en-GB", {timeZone: zone, year: "numeric", month: "2-digit",
        day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23"})
        .formatToParts(new Date(instant)).map((x) => [x.type, x.value]));
      return Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second) - instant;
    };
    const first = guess - offsetAt(guess);
    return new Date(guess - offsetAt(first)).toISOString();
  }

  const api = {moment, day, duration, share, zonedMidnight};
  if (typeof module !== "undefined" && module.exports) module.exports = api;
  else root.Format = api;
})(this);

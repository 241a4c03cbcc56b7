'use strict';
// Test helpers shared by the suites: zone arithmetic independent of the app (Intl only, so a test
// does not check the core's time rules with the core's own code), and a seeded PRNG.

const dtfCache = new Map();
/** The wall-clock parts of instant `ms` in `zone`, as numbers. */
function partsIn(zone, ms) {
  let dtf = dtfCache.get(zone);
  if (!dtf) {
    dtf = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    dtfCache.set(zone, dtf);
  }
  return Object.fromEntries(dtf.formatToParts(new Date(ms)).filter((x) => x.type !== 'literal').map((x) => [x.type, Number(x.value)]));
}
/** UTC offset (ms) of `zone` at instant `ms`. */
function offsetAt(zone, ms) {
  const p = partsIn(zone, ms);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(ms / 1000) * 1000;
}
/** The instant of a local date + time in `zone` (for times that are not in a DST gap or overlap). */
function zoned(zone, { year, month, day }, hh, mm) {
  const wall = Date.UTC(year, month - 1, day, hh, mm);
  let t = wall - offsetAt(zone, wall);
  t = wall - offsetAt(zone, t);
  return t;
}
/** The local calendar date of instant `ms` in `zone`. */
function localDate(zone, ms) {
  const p = partsIn(zone, ms);
  return { year: p.year, month: p.month, day: p.day };
}

/** Deterministic pseudo-random numbers in [0, 1) from a seed (mulberry32). */
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

module.exports = { partsIn, offsetAt, zoned, localDate, mulberry32 };

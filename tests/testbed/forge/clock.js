'use strict';
// Simulated wall clock for the Forge test bed.
//
//   const clock = createClock('2026-01-05T09:00:00Z');   // number (ms), ISO string or Date
//   clock.now(); clock.set(ms); clock.advance(ms); clock.date();
//   clock.install();   // replaces Date.now globally -> code reading Date.now() sees simulated time
//   clock.uninstall(); // restores the real Date.now
//
// Only Date.now is replaced: `new Date()` (no argument), performance.now(), setTimeout & co keep REAL
// time. Code under test that wants simulated time must read Date.now() (or new Date(Date.now())).

const REAL_DATE_NOW = Date.now;
let installedClock = null;

function toMs(v) {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number') return v;
  if (v instanceof Date) return v.getTime();
  const ms = Date.parse(String(v));
  if (Number.isNaN(ms)) throw new Error(`clock: cannot parse time ${JSON.stringify(v)}`);
  return ms;
}

const DEFAULT_START = Date.UTC(2026, 0, 5, 9, 0, 0); // Monday 2026-01-05 09:00:00 UTC

function createClock(startMs = DEFAULT_START) {
  let current = toMs(startMs);
  if (!Number.isFinite(current)) throw new Error('clock: start time must be finite');
  const listeners = new Set();
  const clock = {
    now: () => current,
    date: () => new Date(current),
    iso: () => new Date(current).toISOString(),
    set(ms) {
      const next = toMs(ms);
      if (!Number.isFinite(next)) throw new Error('clock.set: time must be finite');
      const prev = current;
      current = next;
      for (const l of listeners) l(current, prev);
      return current;
    },
    advance(ms) {
      if (!Number.isFinite(ms) || ms < 0) throw new Error('clock.advance: ms must be a finite number >= 0');
      return clock.set(current + ms);
    },
    /** cb(nowMs, prevMs) after every set/advance; returns an unsubscribe function */
    onChange(cb) { listeners.add(cb); return () => listeners.delete(cb); },
    install() {
      if (installedClock && installedClock !== clock) throw new Error('clock.install: another simulated clock is installed');
      installedClock = clock;
      Date.now = function now() { return current; };
      return clock;
    },
    uninstall() {
      if (installedClock === clock) {
        Date.now = REAL_DATE_NOW;
        installedClock = null;
      }
    },
    get installed() { return installedClock === clock; },
  };
  return clock;
}

module.exports = { createClock, REAL_DATE_NOW, DEFAULT_START };

// Time formatting shared by the pages. Every time shown names its zone; the UTC instant is in a
// tooltip (the `time` element's title).

export function debounce(fn, ms) {
  let t;
  return (...args) => {
    clearTimeout(t);
    t = setTimeout(() => fn(...args), ms);
  };
}

/** "2026-03-27 17:00 CET" in the viewer's zone (named). */
export function formatTime(iso) {
  if (iso == null) return '';
  const d = new Date(typeof iso === 'number' ? iso : String(iso));
  if (Number.isNaN(d.getTime())) return String(iso);
  const p = (n) => String(n).padStart(2, '0');
  let zone = '';
  try {
    zone = new Intl.DateTimeFormat('en-GB', { timeZoneName: 'short' }).formatToParts(d).find((x) => x.type === 'timeZoneName')?.value || '';
  } catch (_e) { /* no zone names: the tooltip still has UTC */ }
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}${zone ? ` ${zone}` : ''}`;
}

/** The local wall time of an ISO string with offset, as written (2026-04-06T09:00:00+02:00 -> 2026-04-06 09:00). */
export function wallTime(isoWithOffset) {
  const m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d)/.exec(String(isoWithOffset || ''));
  return m ? `${m[1]} ${m[2]}` : String(isoWithOffset || '');
}

/** "Mon 30 Mar, 09:00 (Europe/Berlin)": an instant in a board's zone (the viewer's when it has none). */
export function whenInZone(iso, zone) {
  const d = new Date(iso);
  try {
    const text = new Intl.DateTimeFormat('en-GB', { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: zone || undefined }).format(d);
    return zone ? `${text} (${zone})` : text;
  } catch (_e) {
    return d.toISOString();
  }
}

/** Every IANA zone the browser knows, for the zone pickers. */
export const ZONES = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : ['UTC'];

/** The viewer's own zone. */
export const viewerZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

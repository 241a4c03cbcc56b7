// A tiny DOM builder. No innerHTML and no style attributes (Forge's CSP forbids inline styles):
// dynamic sizes go through element.style (CSSOM), which the CSP allows.

const SVG_NS = 'http://www.w3.org/2000/svg';

function apply(el, attrs) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k === 'class') el.setAttribute('class', Array.isArray(v) ? v.filter(Boolean).join(' ') : v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'style') Object.assign(el.style, v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2).toLowerCase(), v);
    else if (k in el && !(el instanceof SVGElement) && typeof v !== 'string') el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs && (attrs instanceof Node || typeof attrs !== 'object' || Array.isArray(attrs))) children.unshift(attrs);
  else apply(el, attrs);
  append(el, children);
  return el;
}

export function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  apply(el, attrs);
  append(el, children);
  return el;
}

export function mount(parent, ...children) {
  parent.replaceChildren();
  append(parent, children);
  return parent;
}

export function debounce(fn, ms) {
  let t;
  return (...args) => {
    clearTimeout(t);
    t = setTimeout(() => fn(...args), ms);
  };
}

/** "2026-03-27 17:00 CET" in the viewer's zone (named), with the UTC instant as a tooltip. */
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

export function timeElement(iso) {
  const d = new Date(typeof iso === 'number' ? iso : String(iso));
  return h('time', { datetime: Number.isNaN(d.getTime()) ? '' : d.toISOString(), title: Number.isNaN(d.getTime()) ? '' : d.toISOString() }, formatTime(iso));
}

// Resolver calls: every answer is {ok:true, data} or {ok:false, error:{code, status, message, details}}.
// A failure becomes an ApiError the page shows with the sentence for its code; nothing is swallowed.
import { invoke } from '@forge/bridge';
import { h } from './dom.js';
import { errorSentence } from './messages.js';

export class ApiError extends Error {
  constructor({ code, status, message, details } = {}) {
    super(message || code || 'error');
    this.code = code || 'BAD_RESPONSE';
    this.status = status;
    this.details = details;
  }
}

export async function call(key, payload = {}) {
  let r;
  try {
    r = await invoke(key, payload);
  } catch (e) {
    throw new ApiError({ code: 'NETWORK', message: String((e && e.message) || e) });
  }
  if (!r || typeof r !== 'object' || typeof r.ok !== 'boolean') {
    throw new ApiError({ code: 'BAD_RESPONSE', message: `${key} answered ${JSON.stringify(r)}`.slice(0, 300) });
  }
  if (!r.ok) throw new ApiError(r.error || {});
  return r.data;
}

/** The field a validation error names, without the payload prefix ("settings.timeZone" -> "timeZone"). */
export function errorField(err) {
  const f = err && err.details && err.details.field;
  return typeof f === 'string' ? f.split('.').pop() : null;
}

/** An error banner: the sentence for the code; the server's message, field and code folded
 *  under "Details" (for a report to the vendor, not for reading first). */
export function errorBox(err, { title } = {}) {
  const e = err instanceof ApiError ? err : new ApiError({ code: err && err.code, message: String((err && err.message) || err) });
  const field = e.details && e.details.field;
  return h('div', { class: 'banner banner-error', role: 'alert', dataset: { code: e.code } },
    title ? h('strong', null, title, ' ') : null,
    h('span', { class: 'banner-text' }, errorSentence(e.code)),
    h('details', { class: 'banner-detail' }, h('summary', null, 'Details'),
      e.message && e.message !== e.code ? `${e.message}` : null,
      field ? ` (field: ${field})` : null, ' ',
      h('code', { class: 'code' }, e.code)));
}

/** The error shown right under the field it names, in words, and tied to the field for assistive
 *  technology (aria-invalid, aria-describedby). Returns the element (already placed). */
export function fieldError(input, err) {
  clearFieldError(input);
  const id = `${input.id || input.name || 'field'}-error`;
  const box = h('div', { class: 'field-error', role: 'alert', id, dataset: { code: err.code } }, errorSentence(err.code));
  input.insertAdjacentElement('afterend', box);
  input.classList.add('invalid');
  input.setAttribute('aria-invalid', 'true');
  input.setAttribute('aria-describedby', id);
  return box;
}

/** Undo [`fieldError`]. */
export function clearFieldError(input) {
  const id = input.getAttribute('aria-describedby');
  if (id && id.endsWith('-error')) { const old = document.getElementById(id); if (old) old.remove(); }
  input.classList.remove('invalid');
  input.removeAttribute('aria-invalid');
  input.removeAttribute('aria-describedby');
}

/** The whole-page refusal shown when the caller lacks the rights for the page. */
export function refusal(err) {
  return h('section', { class: 'refusal', role: 'alert', dataset: { code: err.code } },
    h('h2', null, err.code === 'NOT_JIRA_ADMIN' ? 'Jira administrators only' : err.code === 'NOT_AUTHENTICATED' ? 'Not signed in' : 'Project administrators only'),
    h('p', null, errorSentence(err.code)),
    h('p', { class: 'muted' }, h('code', { class: 'code' }, err.code)));
}

export const DENIALS = new Set(['NOT_AUTHENTICATED', 'NOT_JIRA_ADMIN', 'NOT_PROJECT_ADMIN']);

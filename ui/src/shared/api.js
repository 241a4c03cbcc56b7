// Resolver calls: every answer is {ok:true, data} or {ok:false, error:{code, status, message, details}}.
// A failure becomes an ApiError the page shows with the sentence for its code; nothing is swallowed.
import { invoke } from '@forge/bridge';

export class ApiError extends Error {
  constructor({ code, status, message, details } = {}) {
    super(message || code || 'error');
    this.code = code || 'BAD_RESPONSE';
    this.status = status;
    this.details = details;
  }
}

/**
 * @template {import('./codes').ResolverKey} K
 * @param {K} key
 * @param {object} [payload]
 * @returns {Promise<import('./resolvers').ResolverData[K]>}
 */
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

/** Any thrown value as an ApiError (a page's own bug shows with its message, not as a blank). */
export function asApiError(err) {
  return err instanceof ApiError ? err : new ApiError({ code: err && err.code, message: String((err && err.message) || err) });
}

/** The field a validation error names, without the payload prefix ("settings.timeZone" -> "timeZone"). */
export function errorField(err) {
  const f = err && err.details && err.details.field;
  return typeof f === 'string' ? f.split('.').pop() : null;
}

export const DENIALS = new Set(['NOT_AUTHENTICATED', 'NOT_JIRA_ADMIN', 'NOT_PROJECT_ADMIN']);

// The pieces every page shares, on Atlassian's design system: errors in words (a banner, or right
// under the field they name), the refusal of a page, loading, times with their zone, the zone picker.
import SectionMessage from '@atlaskit/section-message';
import { ErrorMessage } from '@atlaskit/form';
import Spinner from '@atlaskit/spinner';
import { CreatableSelect } from '@atlaskit/select';
import { asApiError } from './api.js';
import { errorSentence } from './messages.js';
import { formatTime, ZONES } from './format.js';

/** An error banner: the sentence for the code; the server's message, field and code folded under
 *  "Details" (for a report to the vendor, not for reading first). */
export function ErrorBanner({ error, title, id }) {
  const e = asApiError(error);
  const field = e.details && e.details.field;
  return (
    <div role="alert" className="error-banner" data-code={e.code} id={id}>
      <SectionMessage appearance="error" title={title}>
        <p className="banner-text">{errorSentence(e.code)}</p>
        <details className="banner-detail">
          <summary>Details</summary>
          {e.message && e.message !== e.code ? `${e.message} ` : null}
          {field ? `(field: ${field}) ` : null}
          <code>{e.code}</code>
        </details>
      </SectionMessage>
    </div>
  );
}

/** The error under the field it names, in words; the field points at it with aria-describedby
 *  (`fieldProps`). */
export function FieldError({ id, error }) {
  if (!error) return null;
  return (
    <div role="alert" className="field-error" id={`${id}-error`} data-code={error.code}>
      <ErrorMessage>{errorSentence(error.code)}</ErrorMessage>
    </div>
  );
}

/** What a control gets when the error names it: marked invalid and described by the error. */
export function invalidProps(id, error) {
  return error ? { isInvalid: true, 'aria-invalid': true, 'aria-describedby': `${id}-error` } : { isInvalid: false };
}

const REFUSAL_TITLES = { NOT_JIRA_ADMIN: 'Jira administrators only', NOT_AUTHENTICATED: 'Not signed in' };

/** The whole-page refusal shown when the caller lacks the rights for the page. */
export function Refusal({ error }) {
  return (
    <section className="refusal" role="alert" data-code={error.code}>
      <SectionMessage appearance="error" title={REFUSAL_TITLES[error.code] || 'Project administrators only'}>
        <p>{errorSentence(error.code)}</p>
        <p><code>{error.code}</code></p>
      </SectionMessage>
    </section>
  );
}

export function Loading({ label = 'Loading…' }) {
  return <div className="loading" role="status"><Spinner size="medium" label={label} /> <span className="muted">{label}</span></div>;
}

/** An instant in the viewer's zone, named; the UTC instant in the tooltip and `datetime`. */
export function Time({ value }) {
  const d = new Date(typeof value === 'number' ? value : String(value));
  const iso = Number.isNaN(d.getTime()) ? undefined : d.toISOString();
  return <time dateTime={iso} title={iso}>{formatTime(value)}</time>;
}

const ZONE_OPTIONS = ZONES.map((z) => ({ label: z, value: z }));

/** A searchable IANA zone picker. A name the browser does not list can still be typed (the app's
 *  zone table may be newer than the browser's): the server checks it and says why if it refuses. */
export function ZonePicker({ id, name, value, onChange, placeholder, error, label }) {
  const selected = value ? ZONE_OPTIONS.find((o) => o.value === value) || { label: value, value } : null;
  return (
    <CreatableSelect
      inputId={id}
      name={name}
      aria-label={label}
      isClearable
      placeholder={placeholder}
      options={ZONE_OPTIONS}
      value={selected}
      onChange={(o) => onChange(o ? o.value : '')}
      formatCreateLabel={(v) => `Use "${v}"`}
      {...invalidProps(id, error)}
    />
  );
}

// Settings: automation on/off for the whole site and the defaults boards use when their project
// administrators leave a field empty.
import { useEffect, useState } from 'react';
import Button from '@atlaskit/button/new';
import { Checkbox } from '@atlaskit/checkbox';
import { HelperMessage, Label } from '@atlaskit/form';
import Select from '@atlaskit/select';
import Textfield from '@atlaskit/textfield';
import { call, DENIALS, errorField } from '../shared/api.js';
import { ErrorBanner, FieldError, invalidProps, Loading, Refusal, ZonePicker } from '../shared/components.jsx';
import { CARRY_OVER } from '../shared/messages.js';

const CARRY_OPTIONS = Object.entries(CARRY_OVER).map(([value, label]) => ({ value, label }));
const FIELDS = ['automationEnabled', 'defaultTimeZone', 'defaultCarryOver', 'logRetentionDays'];

export function Settings() {
  const [loaded, setLoaded] = useState(null); // {settings} | {error}
  const [form, setForm] = useState(null);
  const [saving, setSaving] = useState(false);
  const [status, setStatus] = useState({ text: '', tone: '' });
  const [error, setError] = useState(null); // {field, error}: field null = banner

  useEffect(() => {
    let live = true;
    call('getGlobalSettings').then((data) => {
      if (!live) return;
      const s = data.settings;
      setLoaded({ settings: s });
      setForm({
        automationEnabled: Boolean(s.automationEnabled),
        defaultTimeZone: s.defaultTimeZone || '',
        defaultCarryOver: s.defaultCarryOver,
        logRetentionDays: s.logRetentionDays == null ? '' : String(s.logRetentionDays),
      });
    }, (e) => { if (live) setLoaded({ error: e }); });
    return () => { live = false; };
  }, []);

  // The field an error names gets the focus (its message is under it).
  useEffect(() => {
    if (error && error.field) {
      const el = document.getElementById(error.field);
      if (el) el.focus();
    }
  }, [error]);

  if (!loaded) return <Loading label="Loading settings…" />;
  if (loaded.error) {
    return DENIALS.has(loaded.error.code) ? <Refusal error={loaded.error} />
      : <ErrorBanner error={loaded.error} title="The settings could not be loaded." />;
  }

  const set = (field, value) => setForm((f) => ({ ...f, [field]: value }));
  const fieldErr = (field) => (error && error.field === field ? error.error : null);

  const onSubmit = async (e) => {
    e.preventDefault();
    if (saving) return; // one save at a time (the button stays focusable for the keyboard)
    setError(null);
    setStatus({ text: 'Saving…', tone: '' });
    setSaving(true);
    try {
      const raw = form.logRetentionDays;
      const days = Number(raw);
      const r = await call('updateGlobalSettings', { settings: {
        automationEnabled: form.automationEnabled,
        defaultTimeZone: form.defaultTimeZone.trim(),
        defaultCarryOver: form.defaultCarryOver,
        logRetentionDays: raw === '' || !Number.isFinite(days) ? raw : days,
      } });
      setForm((f) => ({ ...f, defaultTimeZone: r.settings.defaultTimeZone }));
      setStatus({ text: 'Saved.', tone: 'ok' });
    } catch (err) {
      const f = errorField(err);
      // Under the field it names when there is one; a banner otherwise.
      if (f && FIELDS.includes(f)) {
        setError({ field: f, error: err });
        setStatus({ text: 'Not saved.', tone: 'err' });
      } else {
        setError({ field: null, error: err });
        setStatus({ text: '', tone: '' });
      }
    } finally {
      setSaving(false);
    }
  };

  return (
    <>
      <p className="lede">Switch sprint automation on for the whole site and set the defaults boards use when their project administrators leave a field empty.</p>
      {/* noValidate: the app checks every value and names the field; the browser's own bubbles would hide that. */}
      <form className="admin-form" id="settings-form" noValidate onSubmit={onSubmit}>
        <div className="admin-field">
          <Checkbox
            id="automationEnabled"
            name="automationEnabled"
            label="Automation on (when off, no board is started, closed or moved)"
            isChecked={form.automationEnabled}
            onChange={(e) => set('automationEnabled', e.target.checked)}
            {...invalidProps('automationEnabled', fieldErr('automationEnabled'))}
          />
          <FieldError id="automationEnabled" error={fieldErr('automationEnabled')} />
        </div>
        <div className="admin-field">
          <Label htmlFor="defaultTimeZone">Default time zone</Label>
          <ZonePicker
            id="defaultTimeZone"
            name="defaultTimeZone"
            value={form.defaultTimeZone}
            onChange={(v) => set('defaultTimeZone', v)}
            placeholder="Choose or type a time zone"
            error={fieldErr('defaultTimeZone')}
          />
          <FieldError id="defaultTimeZone" error={fieldErr('defaultTimeZone')} />
          <HelperMessage>For boards that name no zone of their own. An IANA name, e.g. Europe/Berlin.</HelperMessage>
        </div>
        <div className="admin-field">
          <Label htmlFor="defaultCarryOver">Default carry-over of unfinished issues</Label>
          <Select
            inputId="defaultCarryOver"
            name="defaultCarryOver"
            options={CARRY_OPTIONS}
            value={CARRY_OPTIONS.find((o) => o.value === form.defaultCarryOver) || null}
            onChange={(o) => set('defaultCarryOver', o ? o.value : '')}
            {...invalidProps('defaultCarryOver', fieldErr('defaultCarryOver'))}
          />
          <FieldError id="defaultCarryOver" error={fieldErr('defaultCarryOver')} />
        </div>
        <div className="admin-field admin-field-narrow">
          <Label htmlFor="logRetentionDays">Keep log entries for (days)</Label>
          <Textfield
            type="number"
            id="logRetentionDays"
            name="logRetentionDays"
            min={1}
            max={365}
            value={form.logRetentionDays}
            onChange={(e) => set('logRetentionDays', e.target.value)}
            {...invalidProps('logRetentionDays', fieldErr('logRetentionDays'))}
          />
          <FieldError id="logRetentionDays" error={fieldErr('logRetentionDays')} />
          <HelperMessage>1 to 365 days.</HelperMessage>
        </div>
        <div className="admin-actions">
          <Button type="submit" appearance="primary" id="save-settings">Save</Button>
          <div className={`status ${status.tone}`} id="settings-status" role="status">{status.text}</div>
        </div>
        {error && !error.field ? <ErrorBanner error={error.error} title="Not saved." /> : null}
      </form>
    </>
  );
}

'use strict';
/* global document, getComputedStyle -- inside page.evaluate (browser code) */
// The pages under Forge's content security policy, built from the manifest's `permissions.content`
// (the demo serves every page with it; tests/demo/server.js forgeCsp cites the source), and in Jira's
// dark theme. Atlassian's design system themes a page by injecting <style> elements, which
// `style-src 'self'` refuses: the manifest's `content.styles: [unsafe-inline]` is what lets it.
const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const { startUi } = require('./browser');

const themed = (page) => page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--ds-text').trim());

describe('Forge content security policy and theming', { timeout: 120000 }, () => {
  it('with the manifest\'s content permissions every page is themed and nothing is refused', async () => {
    const ui = await startUi();
    try {
      for (const [url, ready] of [['/admin/settings?as=admin', '#settings-form'], ['/project-settings/?as=padmin&project=DEMO', '#boards-table'], ['/bulk/?as=padmin&project=DEMO', '#plan-form']]) {
        const page = await ui.open(url);
        await page.locator(ready).waitFor();
        assert.match(await themed(page), /^#|rgb/, `${url}: the design tokens are applied`);
        await page.close();
      }
      // the dark theme (Jira's, through view.theme.enable()): tokens switch, contrast still passes
      const dark = await ui.open('/project-settings/?as=padmin&project=DEMO&theme=dark');
      await dark.locator('#boards-table').waitFor();
      assert.equal(await dark.evaluate(() => document.documentElement.dataset.colorMode), 'dark');
      await dark.locator('button[name=edit]').first().click();
      await dark.locator('[role=dialog]').waitFor();
      await ui.shot(dark, 'project-settings-dark');
      await dark.close();
      assert.deepEqual(ui.a11y, []);
      assert.deepEqual(ui.errors, [], 'no CSP refusal and no exception');
    } finally {
      await ui.close();
    }
  });

  it('without `content.styles: [unsafe-inline]` Forge would refuse the theme: the permission is needed', async () => {
    const ui = await startUi({ contentPermissions: {} });
    try {
      const page = await ui.open('/project-settings/?as=padmin&project=DEMO');
      await page.locator('#boards-table').waitFor();
      await page.waitForTimeout(300);
      assert.ok(ui.errors.some((e) => /CSP refused style-src/.test(e)), ui.errors.join('\n') || 'no refusal recorded');
      assert.equal(await themed(page), '', 'no design tokens without it');
    } finally {
      await ui.close();
    }
  });
});

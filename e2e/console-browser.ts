import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const SCREENSHOTS = resolve(__dirname, '../test-results/console');
const CHROMIUM = '/usr/bin/chromium';

/** Debian's Chromium, headless (apt-get install chromium; Playwright's own download cannot run here). */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // As root Chromium refuses its sandbox; /dev/shm is small in CI containers.
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
  });
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** axe-core run inside the page (WCAG 2.1 A/AA rules); returns the serious and critical violations. */
export async function seriousA11yViolations(page: Page): Promise<AxeViolation[]> {
  const source = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  await page.addScriptTag({ content: source });
  // Runs in the page; typed loosely because this file is compiled without the DOM lib.
  const violations = await page.evaluate(async () => {
    const g = globalThis as unknown as {
      document: unknown;
      axe: {
        run(
          context: unknown,
          options: object,
        ): Promise<{ violations: (AxeViolation & { nodes: { target: string[] }[] })[] }>;
      };
    };
    const result = await g.axe.run(g.document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target })),
    }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

export async function screenshot(
  page: Page,
  name: string,
  options: { fullPage?: boolean; selector?: string } = {},
): Promise<string> {
  const path = resolve(SCREENSHOTS, `${name}.png`);
  mkdirSync(dirname(path), { recursive: true });
  if (options.selector) await page.locator(options.selector).screenshot({ path });
  else await page.screenshot({ path, fullPage: options.fullPage ?? false });
  return path;
}

/**
 * Checks a screen the way a person looks at it, at the three sizes Pi kiosks
 * use: nothing sticks out of the viewport or out of its own box, the status
 * bar is one row (and a small share of a 7" screen), and an Indonesian screen
 * shows no English from the catalogue, nor main's English as the only words:
 * what the screen quotes from outside (device, OS, server, log, config) is
 * marked `data-untranslated` and `data-quoted` and left out.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { screenshot } from './fixtures';
import { ROOT } from './host';

export const SIZES = [
  { name: '800x480', width: 800, height: 480 },
  { name: '720x1280', width: 720, height: 1280 },
  { name: '1920x1080', width: 1920, height: 1080 },
] as const;

export type Size = (typeof SIZES)[number];

type Json = { [key: string]: Json | string };

function flatten(tree: Json, prefix = '', out = new Map<string, string>()): Map<string, string> {
  for (const [k, v] of Object.entries(tree)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'string') out.set(key, v);
    else flatten(v, key, out);
  }
  return out;
}

const catalogue = (lang: 'en' | 'id') => flatten(JSON.parse(fs.readFileSync(path.join(ROOT, 'renderer', 'i18n', `${lang}.json`), 'utf8')) as Json);

/** Fragments shorter than this are not looked for (words such as "OK", "Log", "Audit" are the same in both). */
export const MIN_FRAGMENT = 6;

/**
 * The English catalogue's words that must not appear on an Indonesian screen:
 * each value that differs from its Indonesian one, cut at its {{placeholders}},
 * keeping the pieces of at least MIN_FRAGMENT characters that the Indonesian
 * catalogue does not also use.
 */
export function englishFragments(): string[] {
  const en = catalogue('en');
  const id = catalogue('id');
  const allIndonesian = [...id.values()].join('\n');
  const fragments = new Set<string>();
  for (const [key, value] of en) {
    if (id.get(key) === value) continue;
    for (const piece of value.split(/\{\{[^}]*\}\}/)) {
      const text = piece.trim().replace(/^[\s:;,.()–—-]+|[\s:;,.()–—-]+$/g, '');
      if (text.length >= MIN_FRAGMENT && !allIndonesian.includes(text)) fragments.add(text);
    }
  }
  return [...fragments];
}

/** Every text on the page a person can read or hear (text, labels, titles, alt texts), but for `data-untranslated` parts. */
export function screenText(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    const skip = (el: Element | null) => !el || el.closest('[data-untranslated="true"], script, style') !== null;
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      const node = walker.currentNode;
      if (skip(node.parentElement)) continue;
      const text = node.textContent?.trim();
      if (text) out.push(text);
    }
    for (const el of document.body.querySelectorAll('[aria-label], [title], [alt], [placeholder]')) {
      if (skip(el)) continue;
      for (const name of ['aria-label', 'title', 'alt', 'placeholder']) {
        const value = el.getAttribute(name);
        if (value) out.push(value);
      }
    }
    return out;
  });
}

export async function englishOnScreen(page: Page, fragments = englishFragments()): Promise<string[]> {
  const texts = await screenText(page);
  const found = new Set<string>();
  // Whole words only: "upload" inside a setting's name such as uploadAllAttractions is not English text.
  const patterns = fragments.map((f) => [f, new RegExp(`(?<![\\p{L}\\p{N}])${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\p{L}\\p{N}])`, 'u')] as const);
  for (const text of texts) for (const [f, re] of patterns) if (re.test(text)) found.add(`"${f}" in "${text.slice(0, 120)}"`);
  return [...found];
}

/**
 * Text main sent in English and the screen shows as the only words: a visible
 * `data-untranslated` part that is not quoted text from outside (the device's,
 * the OS's or the server's words, a log, the config, marked `data-quoted`,
 * shown beneath our own words). Such a part is main's own sentence: it must
 * travel as a code the screen translates.
 */
export function untranslatedSentences(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll('[data-untranslated="true"]:not([data-quoted="true"])')]
      .filter((el) => el instanceof HTMLElement && el.checkVisibility() && el.closest('details:not([open]) > :not(summary)') === null)
      .map((el) => (el.textContent ?? '').trim())
      .filter((text) => text !== '')
      .map((text) => `"${text.slice(0, 120)}"`),
  );
}

/**
 * Elements outside the viewport (left/right; top/bottom too where the screen
 * must not scroll) and boxes whose content is wider (or, where clipped,
 * taller) than the box. Text shortened on purpose (text-overflow: ellipsis)
 * and sideways scrollers marked `data-scroll-x` are left alone.
 */
export function layoutProblems(page: Page, options: { scroll: boolean }): Promise<string[]> {
  return page.evaluate(({ scroll }) => {
    const problems: string[] = [];
    const vw = document.documentElement.clientWidth;
    const vh = document.documentElement.clientHeight;
    const name = (el: Element) => {
      const id = el.getAttribute('data-testid');
      const cls = typeof el.className === 'string' && el.className ? `.${el.className.trim().split(/\s+/).join('.')}` : '';
      return `${el.tagName.toLowerCase()}${id ? `[${id}]` : ''}${cls}`;
    };
    const body = document.querySelector('.app__body');
    if (!scroll && body && body.scrollHeight > body.clientHeight + 1) {
      problems.push(`the screen scrolls: content ${body.scrollHeight} px in ${body.clientHeight} px`);
    }
    for (const el of document.body.querySelectorAll('*')) {
      if (!(el instanceof HTMLElement) && !(el instanceof SVGSVGElement)) continue;
      const style = getComputedStyle(el);
      if (style.display === 'none' || style.visibility === 'hidden' || !el.checkVisibility()) continue;
      if (el.closest('details:not([open]) > :not(summary)')) continue;
      const r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      // Inside a container that scrolls (the page body of admin, the log), the container's own box is the limit.
      const scroller = el.parentElement?.closest('.app__body, .log-lines, .demo-panel__sheet, .intake-scroll, [data-scroll-x]');
      if (r.left < -1 || r.right > vw + 1) problems.push(`${name(el)} sticks out of the viewport sideways (${Math.round(r.left)}…${Math.round(r.right)} of ${vw})`);
      if (!scroller && (r.top < -1 || r.bottom > vh + 1)) problems.push(`${name(el)} sticks out of the viewport (${Math.round(r.top)}…${Math.round(r.bottom)} of ${vh})`);
      if (!(el instanceof HTMLElement)) continue;
      if (style.display === 'inline' || style.display === 'contents' || style.display === 'table-row' || el.tagName === 'TR') continue;
      if (el.hasAttribute('data-scroll-x')) continue;
      const ellipsis = style.textOverflow === 'ellipsis';
      if (el.scrollWidth > el.clientWidth + 1 && !ellipsis) problems.push(`${name(el)} overflows its box sideways (${el.scrollWidth} > ${el.clientWidth})`);
      const clipsY = style.overflowY === 'hidden' || style.overflowY === 'clip';
      if (clipsY && el.scrollHeight > el.clientHeight + 1) problems.push(`${name(el)} clips its content (${el.scrollHeight} > ${el.clientHeight})`);
    }
    return [...new Set(problems)];
  }, options);
}

/** The status bar: one row, every part inside it, and at most 15 % of a 7" screen's height. */
export function statusBarProblems(page: Page, size: Size): Promise<string[]> {
  return page.evaluate(
    ({ height, name }) => {
      const bar = document.querySelector('[data-testid="status-bar"]');
      if (!bar) return [];
      const problems: string[] = [];
      const b = bar.getBoundingClientRect();
      if (name === '800x480' && b.height > height * 0.15) problems.push(`status bar ${Math.round(b.height)} px tall, ${Math.round((b.height / height) * 100)} % of ${height}`);
      const parts = [...bar.querySelectorAll('.status-pill, .kiosk-name, .status-clock')];
      const tallest = Math.max(...parts.map((p) => p.getBoundingClientRect().height));
      if (b.height > tallest + 16) problems.push(`status bar ${Math.round(b.height)} px for parts at most ${Math.round(tallest)} px tall: more than one row`);
      // Words in the bar are never cut (only the kiosk name may be shortened).
      for (const el of bar.querySelectorAll('.status-pill, .status-pill *, .status-clock, .status-clock *')) {
        if (!(el instanceof HTMLElement) || getComputedStyle(el).display === 'inline') continue;
        if (el.scrollWidth > el.clientWidth + 1) problems.push(`${el.className} is cut (${el.scrollWidth} > ${el.clientWidth})`);
      }
      for (const p of parts) {
        const r = p.getBoundingClientRect();
        // One row: every part spans the bar's middle line.
        const middle = b.top + b.height / 2;
        if (r.top > middle || r.bottom < middle) problems.push(`${p.className} is not on the bar's one row`);
        if (r.height > 72) problems.push(`${p.className} is ${Math.round(r.height)} px tall (wrapped?)`);
      }
      return problems;
    },
    { height: size.height, name: size.name },
  );
}

/**
 * Admin: every tab and Exit in sight, and on one row where height is scarce
 * (landscape: 800x480 keeps its page for the content). A portrait screen has
 * height to spare: the tabs may take a second row there rather than shrink.
 */
export function adminTabsProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const nav = document.querySelector('.admin__tabs');
    if (!nav) return [];
    const n = nav.getBoundingClientRect();
    const items = [...nav.querySelectorAll('.admin__tab, .admin__exit')];
    const tallest = Math.max(...items.map((i) => i.getBoundingClientRect().height));
    const problems: string[] = [];
    const portrait = window.innerHeight > window.innerWidth;
    if (portrait && n.height > tallest * 2 + 30) problems.push(`admin tabs ${Math.round(n.height)} px tall for buttons of ${Math.round(tallest)} px: more than two rows`);
    if (!portrait && n.height > tallest + 20) problems.push(`admin tabs ${Math.round(n.height)} px tall for buttons of ${Math.round(tallest)} px: more than one row`);
    for (const i of items) {
      const r = i.getBoundingClientRect();
      if (r.right > n.right + 1 || r.left < n.left - 1) problems.push(`${i.textContent} is outside the tab row`);
    }
    return problems;
  });
}

export interface CheckOptions {
  /** The screen may scroll vertically (admin pages, the problem screen's details). */
  scroll?: boolean;
  /** More checks at each size. */
  each?: (size: Size) => Promise<string[]>;
  /** Screenshots at 800×480 and 720×1280 under this name (lang appended). */
  shot?: string;
}

/**
 * The screen now on `page` at each size: layout, status bar and (for 'id')
 * English left on it. Returns the problems, each prefixed with where.
 */
export async function checkScreen(page: Page, lang: 'en' | 'id', where: string, options: CheckOptions = {}): Promise<string[]> {
  const problems: string[] = [];
  const fragments = englishFragments();
  for (const size of SIZES) {
    await page.setViewportSize({ width: size.width, height: size.height });
    // Layout settles (fonts, ResizeObserver, container queries).
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
    const at = `${where} [${lang} ${size.name}]`;
    for (const p of await layoutProblems(page, { scroll: options.scroll ?? false })) problems.push(`${at}: ${p}`);
    for (const p of await statusBarProblems(page, size)) problems.push(`${at}: ${p}`);
    for (const p of await adminTabsProblems(page)) problems.push(`${at}: ${p}`);
    for (const p of (await options.each?.(size)) ?? []) problems.push(`${at}: ${p}`);
    if (lang === 'id') for (const p of await englishOnScreen(page, fragments)) problems.push(`${at}: English ${p}`);
    if (lang === 'id') for (const p of await untranslatedSentences(page)) problems.push(`${at}: main's English shown alone ${p}`);
    if (options.shot && size.name !== '1920x1080') await screenshot(page, `${options.shot}-${lang}-${size.name}`);
  }
  await page.setViewportSize({ width: 800, height: 480 });
  return problems;
}

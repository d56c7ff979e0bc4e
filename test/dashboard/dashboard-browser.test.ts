/**
 * The dashboard as a person sees it: a real run with a failure, watched live in
 * headless Chromium until it ends, then a second run served mostly from the
 * cache, shown alone, with the first one picked again in the run selector.
 * Screenshots are saved in test-artifacts/.
 */
import { mkdirSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { delayed, reportProgress, shutdown, startRun } from '../../src/index.js';
import { tempDir } from '../helpers.js';
import { launchChromium } from './browser.js';

const simulate = delayed(function simulate(seed: number) {
  const until = Date.now() + 40;
  let x = seed;
  while (Date.now() < until) x = (x * 1103515245 + 12345) % 2147483648;
  return x;
});
const load = delayed(function load(sample: number) {
  if (sample === 7) throw new Error(`bad input: sample ${sample} is missing`);
  return sample;
});
const summarise = delayed(function summarise(...values: number[]) {
  return values.reduce((a, b) => a + b, 0) / values.length;
});

// Holds a run open until the page has shown it going on. Each run gets a new gate.
let release!: () => void;
let released!: Promise<void>;
function closeGate() {
  released = new Promise<void>((resolve) => (release = resolve));
}
closeGate();
const gate = delayed(
  async function gate() {
    await released;
    return 0;
  },
  // It waits on a promise, which no identity can hold: it says who it is itself.
  { mainThread: true, cache: false, version: 'gate' },
);

const cache = tempDir();
let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await shutdown();
  cache.remove();
});

describe('the dashboard in a browser', () => {
  it('shows runs live: counts, the task stream, per-function progress, failures and the coloured graph', async () => {
    const seeds = Array.from({ length: 24 }, (_, i) => simulate(i));
    const targets = [summarise(...seeds), load(7), gate()];
    const options = { cacheDir: cache.path, workers: 2, onFailure: 'continue', dashboard: { port: 0, updateIntervalMs: 100 } } as const;
    const run = startRun(targets, options);
    const url = await run.dashboardUrl!;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const requested: string[] = [];
    page.on('request', (request) => requested.push(request.url()));
    const notFound: string[] = [];
    page.on('response', (response) => void (response.status() === 404 && notFound.push(response.url())));
    await page.goto(url);
    // Live: the run is going on, and the page says what is running.
    await expect.poll(() => page.textContent('#status'), { timeout: 60_000 }).toBe('running');
    await expect.poll(() => page.textContent('#memory'), { timeout: 60_000 }).toMatch(/running now: .*gate/);
    expect(Number(await page.textContent('#count-running'))).toBeGreaterThanOrEqual(1);
    // Progress by function, read from the going run: the gate is its one running call.
    const gateRow = page.locator('#functions tr', { hasText: 'gate' });
    await expect.poll(() => gateRow.locator('td').nth(2).textContent(), { timeout: 30_000 }).toBe('0 / 1');
    expect(await gateRow.locator('.seg.running').getAttribute('title')).toBe('running: 1');
    release();
    await expect.poll(() => page.textContent('#status'), { timeout: 60_000 }).toBe('finished with failures');
    await run.settled;

    expect(await page.textContent('#count-executed')).toBe('26');
    expect(await page.textContent('#count-failed')).toBe('1');
    expect(await page.textContent('#count-total')).toBe('27');
    expect(await page.locator('#stream rect.task[data-name="simulate"]').count()).toBe(24);
    // The failure has its bar too, in its worker's lane, marked as failed.
    expect(await page.locator('#stream rect.task.failed').count()).toBe(1);
    expect(await page.locator('#stream rect.task.failed').getAttribute('data-name')).toBe('load');
    // Clicking a bar tells about its task: CID, function, where and how long it ran, its
    // arguments, and for the failure the error with its stack.
    await page.locator('#stream rect.task.failed').click();
    const detail = page.locator('#task-detail');
    await expect.poll(() => detail.isVisible(), { timeout: 10_000 }).toBe(true);
    const shown = (await detail.textContent()) ?? '';
    expect(shown).toContain(load(7).cid);
    expect(shown).toMatch(/functionload/);
    expect(shown).toMatch(/ran(main thread|worker \d), from \d+(\.\d)? m?s for \d+(\.\d)? m?s, failed/);
    expect(shown).toContain('argument 07');
    expect(shown).toContain('bad input: sample 7 is missing');
    expect(await detail.locator('pre').textContent()).toMatch(/\bat /);
    await page.locator('#stream rect.task[data-name="simulate"]').first().click();
    await expect.poll(() => detail.locator('h3').textContent(), { timeout: 10_000 }).toBe('simulate');
    expect(await detail.locator('pre').count()).toBe(0);
    await detail.locator('button').click();
    expect(await detail.isHidden()).toBe(true);
    expect(await page.textContent('#legend')).toContain('failed');
    expect(await page.textContent('#stream')).toMatch(/worker \d+/);
    const simulateRow = page.locator('#functions tr', { hasText: 'simulate' });
    expect(await simulateRow.locator('td').nth(2).textContent()).toBe('24 / 24');
    expect(await page.textContent('#failures')).toContain('bad input: sample 7 is missing');
    await expect.poll(() => page.locator('#graph g.node.done').count(), { timeout: 30_000 }).toBe(26);
    expect(await page.locator('#graph g.node.failed').count()).toBe(1);
    expect(await page.locator('#workers tbody tr').count()).toBeGreaterThan(0);
    // 24 points in a row are wider than the page: the picture is shrunk to its box, and
    // the button shows it at actual size, which scrolls.
    const box = page.locator('#graph');
    const picture = page.locator('#graph svg');
    const natural = Number(await picture.getAttribute('width'));
    const boxWidth = (await box.boundingBox())!.width;
    expect(natural).toBeGreaterThan(boxWidth);
    expect((await picture.boundingBox())!.width).toBeLessThanOrEqual(boxWidth);
    await page.click('#graph-fit');
    expect((await picture.boundingBox())!.width).toBe(natural);
    expect(await page.textContent('#graph-fit')).toBe('fit to width');
    await page.click('#graph-fit');
    expect((await picture.boundingBox())!.width).toBeLessThanOrEqual(boxWidth);
    // The wheel zooms in about the pointer, and dragging pans the zoomed picture.
    await box.scrollIntoViewIfNeeded();
    const area = (await box.boundingBox())!;
    await page.mouse.move(area.x + area.width / 2, area.y + 10);
    await page.mouse.wheel(0, -600);
    await expect.poll(async () => (await picture.boundingBox())!.width, { timeout: 10_000 }).toBeGreaterThan(boxWidth);
    const scrolled = await box.evaluate((element) => element.scrollLeft);
    await page.mouse.down();
    await page.mouse.move(area.x + area.width / 2 - 200, area.y + 10);
    await page.mouse.up();
    expect(await box.evaluate((element) => element.scrollLeft)).toBeGreaterThan(scrolled);
    await page.click('#graph-fit');
    expect((await picture.boundingBox())!.width).toBeLessThanOrEqual(boxWidth);

    // Everything the page loaded came from the dashboard itself: no CDN.
    expect(requested.length).toBeGreaterThan(0);
    for (const address of requested) expect(address.startsWith(url)).toBe(true);
    // Not even a favicon is missing.
    expect(notFound).toEqual([]);

    mkdirSync('test-artifacts', { recursive: true });
    await page.screenshot({ path: 'test-artifacts/dashboard.png', fullPage: true });

    // Run 1 is the only run: no totals to tell apart from its counts, and its stream starts at its start.
    expect(await page.isVisible('#totals')).toBe(false);
    expect(await page.locator('#stream text.tick').first().textContent()).toBe('0 ms');

    // A second run in the same process: the page turns to it as it starts, and shows it alone.
    // The summary comes from the cache, so nothing below it is looked at; the failure is
    // tried again, and the gate (never cached) runs again. The page's request for the new
    // picture is held until the run has ended, so updates arrive while the page waits for
    // it: the picture must still end up with the final states, not those it asked with.
    let releasePicture!: () => void;
    const pictureHeld = new Promise<void>((resolve) => (releasePicture = resolve));
    await page.route(
      (address) => address.pathname === '/api/graph.svg',
      async (route) => {
        await pictureHeld;
        await route.continue();
      },
    );
    closeGate();
    const again = startRun(targets, options);
    expect(await again.dashboardUrl).toBe(url);
    await expect.poll(() => page.textContent('#run'), { timeout: 30_000 }).toBe('2 runs in this process, 1 going on, 1 with failures');
    await expect.poll(() => page.textContent('#graph-title'), { timeout: 30_000 }).toBe('Graph of run 2');
    await expect.poll(() => page.textContent('#memory'), { timeout: 30_000 }).toMatch(/running now: .*gate/);
    expect(await page.inputValue('#run-select')).toBe('2');
    release();
    await again.settled;
    await expect.poll(() => page.textContent('#status'), { timeout: 30_000 }).toBe('finished with failures');
    await expect.poll(() => page.textContent('#run'), { timeout: 30_000 }).toBe('2 runs in this process, 2 with failures');
    releasePicture();
    // Run 2's own counts, not the two runs added up: the summary from the cache, the gate run again, the failure again.
    expect(await page.textContent('#summary-title')).toBe('Run 2');
    expect(await page.textContent('#count-total')).toBe('3');
    expect(await page.textContent('#count-cached')).toBe('1');
    expect(await page.textContent('#count-executed')).toBe('1');
    expect(await page.textContent('#count-failed')).toBe('1');
    // The totals are there too, and say that they are totals.
    expect(await page.isVisible('#totals')).toBe(true);
    expect(await page.textContent('#totals')).toBe(
      'totals over all 2 runs: 30 nodes · 27 executed · 1 from cache · 0 deduplicated · 2 failed · 0 skipped',
    );
    // Every run is listed, numbered in the order they started, with its status and size.
    expect(await page.locator('#run-select option').allTextContents()).toEqual(['run 1 · failed · 27 nodes', 'run 2 · failed · 3 nodes (latest)']);
    await expect.poll(() => page.locator('#graph g.node.cached').count(), { timeout: 30_000 }).toBe(1);
    expect(await page.locator('#graph g.node.failed').count()).toBe(1);
    expect(await page.locator('#graph g.node.done').count()).toBe(1); // the gate, which ran again
    expect(await page.locator('#graph g.node.running').count()).toBe(0);
    expect(await page.locator('#graph g.node.unknown').count()).toBe(24); // not looked at: only the cached summary needs them
    // Its rows and stream are its own: no simulation was looked at, and two tasks ran (the gate, and the failure again).
    expect(await page.locator('#functions tr', { hasText: 'simulate' }).count()).toBe(0);
    expect(await page.locator('#functions tr', { hasText: 'summarise' }).locator('td').nth(2).textContent()).toBe('1 / 1');
    expect(await page.locator('#stream rect.task').count()).toBe(2);
    expect(await page.locator('#stream rect.task.failed').count()).toBe(1);
    expect(await page.locator('#failures li').count()).toBe(1);
    // The stream's time axis counts from run 2's start, not the process's or run 1's.
    expect(await page.locator('#stream text.tick').first().textContent()).toBe('0 ms');
    await page.screenshot({ path: 'test-artifacts/dashboard-second-run.png', fullPage: true });

    // Run 1, picked in the selector: its counts, rows, stream, failures and picture again.
    await page.selectOption('#run-select', '1');
    await expect.poll(() => page.textContent('#summary-title'), { timeout: 30_000 }).toBe('Run 1');
    expect(await page.textContent('#count-total')).toBe('27');
    expect(await page.textContent('#count-executed')).toBe('26');
    expect(await page.textContent('#count-cached')).toBe('0');
    expect(await page.textContent('#count-failed')).toBe('1');
    expect(await page.textContent('#totals')).toMatch(/^totals over all 2 runs: 30 nodes/);
    expect(await page.locator('#stream rect.task[data-name="simulate"]').count()).toBe(24);
    expect(await page.locator('#stream rect.task.failed').count()).toBe(1);
    expect(await page.locator('#stream text.tick').first().textContent()).toBe('0 ms');
    expect(await simulateRow.locator('td').nth(2).textContent()).toBe('24 / 24');
    expect(await page.locator('#failures li').count()).toBe(1);
    await expect.poll(() => page.textContent('#graph-title'), { timeout: 30_000 }).toBe('Graph of run 1');
    await expect.poll(() => page.locator('#graph g.node.done').count(), { timeout: 30_000 }).toBe(26);
    // A bar tells of its attempt in run 1: from run 1's start.
    await page.locator('#stream rect.task.failed').click();
    await expect.poll(() => detail.locator('h3').textContent(), { timeout: 10_000 }).toBe('load');
    expect(await detail.textContent()).toMatch(/attempt|ran/);
    await detail.locator('button').click();
    await page.screenshot({ path: 'test-artifacts/dashboard-earlier-run.png', fullPage: true });

    // A third run starts: the page stays on run 1, which was picked, and lists run 3.
    closeGate();
    const third = startRun(targets, options);
    await expect.poll(() => page.locator('#run-select option').count(), { timeout: 30_000 }).toBe(3);
    expect(await page.locator('#run-select option').nth(2).textContent()).toMatch(/^run 3 · running · \d+ nodes? \(latest\)$/);
    expect(await page.textContent('#summary-title')).toBe('Run 1');
    expect(await page.inputValue('#run-select')).toBe('1');
    release();
    await third.settled;
    await expect.poll(() => page.locator('#run-select option').nth(2).textContent(), { timeout: 30_000 }).toBe('run 3 · failed · 3 nodes (latest)');
    expect(await page.textContent('#count-total')).toBe('27');
    // Picking the latest run follows the runs again: a fourth is shown as it starts.
    await page.selectOption('#run-select', '3');
    await expect.poll(() => page.textContent('#summary-title'), { timeout: 30_000 }).toBe('Run 3');
    closeGate();
    const fourth = startRun(targets, options);
    await expect.poll(() => page.textContent('#summary-title'), { timeout: 30_000 }).toBe('Run 4');
    release();
    await fourth.settled;
    await expect.poll(() => page.textContent('#status'), { timeout: 30_000 }).toBe('finished with failures');
    expect(await page.textContent('#count-total')).toBe('3');
    expect(await page.textContent('#totals')).toMatch(/^totals over all 4 runs: /);
    await page.close();
  }, 180_000);

  it('shows what running tasks say of their progress, and the nodes of graphs that tasks return', async () => {
    closeGate();
    const stepper = delayed(
      async function stepper() {
        reportProgress(0.4, 'step 2 of 5');
        await released;
        return 1;
      },
      { mainThread: true, cache: false, version: 'stepper' },
    );
    // Decides on the main thread how many simulations to run: its picture grows when it has.
    const fanOut = delayed((n: number) => Array.from({ length: n }, (_, i) => simulate(100 + i)), { name: 'fanOut', mainThread: true, version: 'fan-out' });
    const run = startRun([stepper(), fanOut(3)], { cache: false, dashboard: { port: 0, updateIntervalMs: 100 } });
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto((await run.dashboardUrl)!);
    await expect.poll(() => page.textContent('#memory'), { timeout: 60_000 }).toMatch(/running now: .*stepper 40% \(step 2 of 5\)/);
    // The three simulations fanOut returned, and the node that gathers them, are drawn once it has returned them.
    await expect.poll(() => page.locator('#graph g.node').count(), { timeout: 60_000 }).toBe(6);
    release();
    await run.settled;
    await expect.poll(() => page.locator('#graph g.node.done').count(), { timeout: 30_000 }).toBe(6);
    await page.screenshot({ path: 'test-artifacts/dashboard-returned-graph.png', fullPage: true });
    await page.close();
  }, 180_000);
});

// Headless Chromium for tests that must see a page render (a figure's offline HTML, a notebook's
// nbconvert export): Debian's /usr/bin/chromium driven by playwright-core, a fresh profile per
// launch, and every non-file request refused so "works offline" is what the test checks.
// It must not download a browser; when Chromium is missing, tests skip through outside.ts.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { hasCommand } from "./outside.ts";

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export const CHROMIUM_FLAGS: readonly string[] = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

export function hasChromium(): boolean {
  return hasCommand(CHROMIUM_PATH, ["--version"]);
}

export interface OpenPage {
  readonly page: Page;
  readonly context: BrowserContext;
  /** URLs the page tried to fetch from the network (all refused). */
  readonly blocked: string[];
  /** Uncaught page errors and console errors, in order. */
  readonly errors: string[];
  /** Uncaught exceptions only (a refused CDN script logs a console error, not one of these). */
  readonly pageErrors: string[];
  close(): Promise<void>;
}

export interface OpenOptions {
  readonly width?: number;
  readonly height?: number;
  /** Milliseconds to wait for the load event. */
  readonly timeoutMs?: number;
  /** false: a browser that runs no scripts (a static viewer). */
  readonly javaScript?: boolean;
}

/**
 * Opens a local HTML file (a path) in a fresh headless Chromium and waits for its load event.
 * Close it when done: the browser and its profile directory go away.
 */
export async function openFile(path: string, o: OpenOptions = {}): Promise<OpenPage> {
  const profile = mkdtempSync(join(tmpdir(), "spikelab-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_FLAGS],
    viewport: { width: o.width ?? 1000, height: o.height ?? 800 },
    javaScriptEnabled: o.javaScript ?? true,
    timeout: 60_000,
  });
  const blocked: string[] = [];
  const errors: string[] = [];
  const pageErrors: string[] = [];
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith("file:") || url.startsWith("data:") || url.startsWith("blob:")) return route.continue();
    blocked.push(url);
    return route.abort();
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.on("pageerror", (e) => {
    errors.push(String(e));
    pageErrors.push(String(e));
  });
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  const close = async (): Promise<void> => {
    await context.close().catch(() => undefined);
    rmSync(profile, { recursive: true, force: true });
  };
  try {
    await page.goto(pathToFileURL(path).href, { waitUntil: "load", timeout: o.timeoutMs ?? 60_000 });
  } catch (e) {
    await close();
    throw e;
  }
  return { page, context, blocked, errors, pageErrors, close };
}

/** Writes `html` to a temporary file and opens it (see openFile). */
export async function openHtml(html: string, o: OpenOptions = {}): Promise<OpenPage & { readonly file: string }> {
  const dir = mkdtempSync(join(tmpdir(), "spikelab-page-"));
  const file = join(dir, "page.html");
  writeFileSync(file, html);
  const opened = await openFile(file, o);
  return {
    ...opened,
    file,
    close: async () => {
      await opened.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

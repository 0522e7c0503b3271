import { fnv1a } from '../platform/fnv'

/**
 * The pages' stylesheet and their one script, served by the Worker itself under a name that
 * changes with their content, so browsers may keep them for a year.
 */

const STYLE = `
:root { color-scheme: light; --fg: #1f2328; --muted: #57606a; --line: #d0d7de; --bg: #ffffff; --panel: #f6f8fa;
  --link: #0550ae; --ok-fg: #0f5323; --ok-bg: #dafbe1; --warn-fg: #6c3d00; --warn-bg: #fff1c5;
  --bad-fg: #86061d; --bad-bg: #ffebe9; --info-fg: #0a3069; --info-bg: #ddf4ff; --off-fg: #424a53; --off-bg: #eaeef2; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: var(--fg); background: var(--bg); }
a { color: var(--link); }
.skip { position: absolute; left: -999px; }
.skip:focus { left: 8px; top: 8px; background: var(--bg); padding: 4px 8px; z-index: 1; }
.top { display: flex; flex-wrap: wrap; align-items: center; gap: 8px 20px; padding: 10px 20px;
  border-bottom: 1px solid var(--line); background: var(--panel); }
.brand { font-weight: 700; color: var(--fg); text-decoration: none; }
.top nav { display: flex; flex-wrap: wrap; gap: 4px 16px; }
.top nav a[aria-current="page"] { font-weight: 700; color: var(--fg); }
.top form { margin-left: auto; }
main { max-width: 1200px; margin: 0 auto; padding: 16px 20px 48px; }
h1 { font-size: 1.6rem; margin: 8px 0 4px; display: flex; flex-wrap: wrap; align-items: center; gap: 8px 12px; }
h2 { font-size: 1.15rem; margin: 28px 0 8px; }
.muted, .meta { color: var(--muted); }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
button, input, select { font: inherit; }
button { padding: 5px 12px; border: 1px solid var(--line); border-radius: 6px; background: var(--bg); color: var(--fg); cursor: pointer; }
button.primary { background: #1f6feb; border-color: #1f6feb; color: #fff; }
input, select { padding: 5px 8px; border: 1px solid #8c959f; border-radius: 6px; background: var(--bg); color: var(--fg); }
:focus-visible { outline: 2px solid #0969da; outline-offset: 2px; }
.badge { display: inline-flex; align-items: center; gap: 4px; padding: 1px 8px; border-radius: 999px; font-size: .85rem;
  font-weight: 600; white-space: nowrap; border: 1px solid transparent; }
.status-healthy { color: var(--ok-fg); background: var(--ok-bg); border-color: #4ac26b; }
.status-degraded, .status-suspect { color: var(--warn-fg); background: var(--warn-bg); border-color: #d4a72c; }
.status-down { color: var(--bad-fg); background: var(--bad-bg); border-color: #ff8182; }
.status-recovering { color: var(--info-fg); background: var(--info-bg); border-color: #54aeff; }
.status-unconfigured, .status-unsupported { color: var(--off-fg); background: var(--off-bg); border-color: #afb8c1; }
.counts { list-style: none; padding: 0; margin: 12px 0; display: flex; flex-wrap: wrap; gap: 8px; }
.counts a { display: inline-flex; align-items: center; gap: 6px; padding: 4px 10px; border: 1px solid var(--line);
  border-radius: 8px; text-decoration: none; color: var(--fg); }
.filter { display: flex; flex-wrap: wrap; align-items: end; gap: 8px 12px; padding: 12px; margin: 12px 0;
  background: var(--panel); border: 1px solid var(--line); border-radius: 8px; }
.filter label { display: flex; flex-direction: column; font-size: .85rem; font-weight: 600; gap: 2px; }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; padding: 8px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: .85rem; color: var(--muted); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.error { color: var(--bad-fg); font-size: .85rem; overflow-wrap: anywhere; }
.wrap { overflow-wrap: anywhere; }
.warning { color: var(--warn-fg); font-size: .85rem; }
.caps { list-style: none; display: flex; flex-wrap: wrap; gap: 4px; margin: 0; padding: 0; }
.cap { font-size: .78rem; padding: 0 6px; border-radius: 4px; border: 1px solid var(--line); background: var(--panel); }
.cap.unknown { border-style: dashed; background: transparent; color: var(--muted); }
.fact { text-decoration: underline dotted #8c959f; text-underline-offset: 3px; cursor: help; }
.fact.unknown { text-decoration: none; }
.catalog-mark { color: #6639ba; font-weight: 700; margin-left: 1px; }
.prices { white-space: nowrap; }
.legend { display: flex; flex-wrap: wrap; gap: 2px 16px; font-size: .85rem; }
.filter input[type="number"] { width: 10em; }
.filter [aria-invalid="true"] { border: 2px solid #cf222e; }
.filter .actions { display: flex; align-items: center; gap: 12px; }
.served { list-style: none; margin: 0; padding: 0; display: flex; flex-direction: column; gap: 2px; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 12px 0; }
.facts dt { color: var(--muted); font-weight: 600; }
.facts dd { margin: 0; overflow-wrap: anywhere; }
.chart { margin: 0; max-width: 640px; }
.chart svg { width: 100%; height: 96px; display: block; border-bottom: 1px solid var(--line); }
.chart .bar.ok { fill: #1a7f37; } .chart .bar.warn { fill: #9a6700; } .chart .bar.bad { fill: #cf222e; }
.chart .gap { fill: #8c959f; }
.chart .axis { font-size: 9px; fill: var(--muted); }
.chart figcaption { color: var(--muted); font-size: .9rem; margin-top: 4px; }
.events { list-style: none; padding: 0; margin: 0; }
.events li { padding: 8px 0; border-bottom: 1px solid var(--line); display: flex; flex-wrap: wrap; gap: 4px 12px; }
.events time { color: var(--muted); font-variant-numeric: tabular-nums; min-width: 11em; }
.pager { display: flex; gap: 16px; margin: 16px 0; }
.notice { padding: 10px 12px; border: 1px solid #d4a72c; background: var(--warn-bg); color: var(--warn-fg); border-radius: 8px; }
.login { max-width: 380px; margin: 40px auto; display: flex; flex-direction: column; gap: 10px; }
.login input { width: 100%; }
@media (max-width: 720px) {
  main { padding: 12px; }
  table.cards thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
  table.cards tr { display: block; border: 1px solid var(--line); border-radius: 8px; margin: 0 0 10px; padding: 6px 10px; }
  table.cards td { display: flex; justify-content: space-between; gap: 12px; border: 0; padding: 3px 0; text-align: right; }
  table.cards td::before { content: attr(data-label); color: var(--muted); font-weight: 600; text-align: left; }
  table.cards td.lead { display: block; text-align: left; font-size: 1.05rem; }
  table.cards td.lead::before { content: none; }
  .caps, .served { justify-content: flex-end; align-items: flex-end; }
}
`

/**
 * Progressive enhancement for the fleet page: every 30 s while the tab is visible, the page asks
 * for itself with the ETag it was rendered with and, only on a 200, swaps in the new summary,
 * counts and table. The filter form is left alone, so nothing typed into it is lost.
 */
const REFRESH_SCRIPT = `(() => {
  const parts = ['summary', 'counts', 'fleet'];
  const fleet = document.getElementById('fleet');
  if (!fleet || !window.fetch || !window.DOMParser) return;
  let etag = fleet.dataset.etag;
  setInterval(async () => {
    if (document.hidden) return;
    try {
      const response = await fetch(location.href, { headers: etag ? { 'If-None-Match': etag } : {}, cache: 'no-store', credentials: 'same-origin' });
      if (response.status !== 200) return;
      const next = new DOMParser().parseFromString(await response.text(), 'text/html');
      for (const id of parts) {
        const now = document.getElementById(id);
        const fresh = next.getElementById(id);
        if (now && fresh) now.replaceChildren(...fresh.childNodes);
      }
      etag = response.headers.get('ETag') || etag;
    } catch (error) { /* offline for a moment: try again next time */ }
  }, 30000);
})();
`

/** Names a version of a file: its FNV-1a as eight hex digits. */
function fingerprint(text: string): string {
  return fnv1a(text).toString(16).padStart(8, '0')
}

export interface PageAsset {
  path: string
  body: string
  contentType: string
}

export const STYLESHEET: PageAsset = {
  path: `/status/assets/style.${fingerprint(STYLE)}.css`,
  body: STYLE,
  contentType: 'text/css; charset=utf-8',
}

export const REFRESH: PageAsset = {
  path: `/status/assets/refresh.${fingerprint(REFRESH_SCRIPT)}.js`,
  body: REFRESH_SCRIPT,
  contentType: 'text/javascript; charset=utf-8',
}

export const PAGE_ASSETS = [STYLESHEET, REFRESH]

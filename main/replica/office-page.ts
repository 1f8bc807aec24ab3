/**
 * The office page: plain HTML and a small script (no build step, no
 * Electron), styled by the renderer's styles.css. Each kiosk with its sync
 * status and lag, and its replicated tables browsable read-only; it reloads
 * what it shows when the server says rows changed (server-sent events) and
 * the status every two seconds. Texts come from renderer/i18n (`office.*`).
 */
export const officePageHtml = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Booth office</title>
<link rel="stylesheet" href="/office/styles.css">
<link rel="stylesheet" href="/office/office.css">
</head>
<body>
<main class="office">
  <h1 data-text="title">Booth office replica</h1>
  <div id="kiosks"></div>
</main>
<script src="/office/office.js"></script>
</body>
</html>
`;

/** The page's own styles: a file of their own, since the page's CSP (default-src 'self') refuses inline ones. */
export const officePageStyles = `  body { overflow: auto; user-select: text; -webkit-user-select: text; }
  .office { padding: var(--gap); display: grid; gap: var(--gap); grid-template-columns: minmax(0, 1fr); }
  .office h1 { font-size: 1.4rem; }
  .office h2 { font-size: 1.1rem; margin: 0 0 8px; }
  .office-kiosk { background: var(--surface); border-radius: var(--radius); padding: var(--gap); }
  .office-kiosk dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0 0 8px; }
  .office-kiosk dt { color: var(--muted); }
  .office-kiosk dd { margin: 0; }
  .office-tables button { min-height: 44px; margin: 4px; padding: 4px 12px; border-radius: 8px; border: 1px solid var(--line); background: var(--surface-2); color: var(--text); font: inherit; }
  .office-tables button.is-active { background: var(--accent); color: var(--accent-text); }
  .office-rows { overflow: auto; max-height: 60vh; }
  .office-rows td { font-family: monospace; font-size: 0.8rem; white-space: nowrap; }
  .office-rows th { white-space: nowrap; }
  .office-error { color: var(--warning); }
`;

export const officePageScript = `'use strict';
(function () {
  const lang = (new URLSearchParams(location.search).get('lang') || navigator.language || 'en').slice(0, 2) === 'id' ? 'id' : 'en';
  document.documentElement.lang = lang;
  let T = {};
  const t = (key) => (T[key] === undefined ? key : T[key]);
  const el = (tag, props, children) => {
    const node = document.createElement(tag);
    // dataset has only a getter: its entries are set one by one.
    const { dataset, ...rest } = props || {};
    Object.assign(node, rest);
    Object.assign(node.dataset, dataset || {});
    for (const child of children || []) node.append(child);
    return node;
  };
  const chosen = {};
  const offsets = {};
  const PAGE = 50;

  async function json(url) {
    const res = await fetch(url, { cache: 'no-store' });
    return res.json();
  }

  function statusCard(s) {
    const card = document.getElementById('kiosk-' + s.kiosk_id) || el('section', { id: 'kiosk-' + s.kiosk_id, className: 'office-kiosk' });
    if (!card.isConnected) {
      card.dataset.kiosk = s.kiosk_id;
      card.append(el('h2', { textContent: s.kiosk_id }), el('dl', { className: 'office-status' }), el('div', { className: 'office-tables' }), el('div', { className: 'office-rows' }));
      document.getElementById('kiosks').append(card);
    }
    const lag = s.lag_ms === null ? '—' : s.lag_ms < 1000 ? s.lag_ms + ' ms' : Math.round(s.lag_ms / 1000) + ' s';
    const fields = [
      ['state', t('state_' + s.state)],
      ['live', s.live ? t('yes') : t('no')],
      ['lag', lag],
      ['seq', s.seq === null ? '—' : String(s.seq)],
      ['lastSync', s.last_sync_time ? new Date(s.last_sync_time).toLocaleString() : '—'],
      ['syncs', s.successful_syncs + ' / ' + s.total_syncs + ' (' + s.failed_syncs + ' ' + t('failed') + ')'],
      ['records', String(s.total_records_synced)],
    ];
    const dl = card.querySelector('.office-status');
    dl.replaceChildren(...fields.flatMap(([k, v]) => [el('dt', { textContent: t(k) }), el('dd', { textContent: v, className: 'office-' + k })]));
    if (s.error) dl.append(el('dt', { textContent: t('error') }), el('dd', { textContent: s.error, className: 'office-error' }));
  }

  async function loadTables(kiosk) {
    const card = document.getElementById('kiosk-' + kiosk);
    if (!card) return;
    const answer = await json('/office/api/kiosks/' + encodeURIComponent(kiosk) + '/tables');
    const list = answer.data || [];
    if (!chosen[kiosk] && list.length) chosen[kiosk] = list[0].table;
    card.querySelector('.office-tables').replaceChildren(
      ...list.map((tc) =>
        el('button', {
          type: 'button',
          className: tc.table === chosen[kiosk] ? 'is-active' : '',
          textContent: tc.table + ' (' + tc.count + ')',
          onclick: () => { chosen[kiosk] = tc.table; offsets[kiosk] = 0; void loadTables(kiosk); },
        }),
      ),
    );
    await loadRows(kiosk);
  }

  async function loadRows(kiosk) {
    const card = document.getElementById('kiosk-' + kiosk);
    const table = chosen[kiosk];
    if (!card || !table) return;
    const offset = offsets[kiosk] || 0;
    const answer = await json('/office/api/kiosks/' + encodeURIComponent(kiosk) + '/tables/' + encodeURIComponent(table) + '/rows?limit=' + PAGE + '&offset=' + offset);
    const rows = answer.data || [];
    const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
    const head = el('tr', {}, columns.map((c) => el('th', { textContent: c })));
    const body = rows.map((r) => el('tr', { dataset: { id: String(r.id) } }, columns.map((c) => el('td', { textContent: r[c] === null || r[c] === undefined ? '' : typeof r[c] === 'object' ? JSON.stringify(r[c]) : String(r[c]) }))));
    const pager = el('div', {}, [
      el('button', { type: 'button', textContent: t('previous'), disabled: offset === 0, onclick: () => { offsets[kiosk] = Math.max(0, offset - PAGE); void loadRows(kiosk); } }),
      el('button', { type: 'button', textContent: t('next'), disabled: rows.length < PAGE, onclick: () => { offsets[kiosk] = offset + PAGE; void loadRows(kiosk); } }),
    ]);
    card.querySelector('.office-rows').replaceChildren(el('table', { className: 'data-table' }, [el('thead', {}, [head]), el('tbody', {}, body)]), pager);
  }

  async function refreshStatus() {
    try {
      const answer = await json('/office/api/sync-status');
      for (const s of answer.kiosks) {
        const fresh = !document.getElementById('kiosk-' + s.kiosk_id);
        statusCard(s);
        if (fresh) void loadTables(s.kiosk_id);
      }
    } catch (e) { /* the replica restarting: the next round shows it */ }
  }

  async function main() {
    T = (await json('/office/api/texts?lang=' + lang)).texts || {};
    for (const node of document.querySelectorAll('[data-text]')) node.textContent = t(node.dataset.text);
    document.title = t('title');
    await refreshStatus();
    setInterval(refreshStatus, 2000);
    const events = new EventSource('/office/api/events');
    events.addEventListener('change', (e) => {
      const change = JSON.parse(e.data);
      void loadTables(change.kiosk);
      void refreshStatus();
    });
  }
  void main();
})();
`;

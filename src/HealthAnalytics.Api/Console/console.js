// The HealthAnalytics console (docs/console.md). Plain DOM, no library, nothing loaded from outside the app.
// Every value from the API is shown through textContent or an attribute set with setAttribute/properties, never
// parsed as HTML; reports and cards (HTML the server rendered and escaped) are shown in a sandboxed iframe.
// The key is kept in sessionStorage at most, and sent only as the x-functions-key header to this origin.
'use strict';

(() => {
  const KEY = 'ha-console-key';
  const REFRESH_MS = 5000;
  const HEADLINE = ['auc', 'auprc', 'cIndex', 'unoC', 'ibs', 'rmse', 'mae', 'r2', 'silhouette', 'k', 'brier'];
  let refreshTimer = null;

  const $ = (id) => document.getElementById(id);

  function el(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  function cell(row, text, className) {
    const td = el('td', text, className);
    row.appendChild(td);
    return td;
  }

  function key() {
    try { return sessionStorage.getItem(KEY) || ''; } catch { return ''; }
  }

  async function api(path, accept) {
    const headers = { Accept: accept || 'application/json' };
    const k = key();
    if (k) headers['x-functions-key'] = k;
    const response = await fetch(path, { headers, credentials: 'same-origin', cache: 'no-store', redirect: 'error' });
    return response;
  }

  async function json(path) {
    const response = await api(path);
    if (!response.ok && response.status !== 202) {
      const error = new Error(response.status === 401 || response.status === 403 ? 'needs a key with access (HTTP ' + response.status + ')' : 'HTTP ' + response.status);
      error.status = response.status;
      throw error;
    }
    return response.json();
  }

  function state(id, text, isError) {
    const node = $(id);
    node.textContent = text || '';
    node.className = isError ? 'error' : 'muted';
  }

  function when(value) {
    if (!value) return '';
    const d = new Date(value);
    return isNaN(d.getTime()) ? '' : d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  }

  function number(value, digits) {
    if (typeof value !== 'number' || !isFinite(value)) return 'n/a';
    return digits === undefined ? value.toLocaleString('en') : value.toFixed(digits);
  }

  // --- viewer: a report or a card, fetched with the key, shown inert ---------------------------------------

  async function view(title, path) {
    const section = $('viewer-section');
    $('viewer-title').textContent = title;
    section.hidden = false;
    const frame = $('viewer');
    try {
      const response = await api(path, 'text/html');
      if (!response.ok) throw new Error('HTTP ' + response.status);
      frame.srcdoc = await response.text();
    } catch (e) {
      frame.srcdoc = '';
      $('viewer-title').textContent = title + ': ' + e.message;
    }
    section.scrollIntoView();
  }

  function viewButton(label, title, path) {
    const button = el('button', label);
    button.type = 'button';
    button.addEventListener('click', () => view(title, path));
    return button;
  }

  // --- uploads --------------------------------------------------------------------------------------------

  async function loadUploads() {
    const body = $('uploads').tBodies[0];
    let list;
    try {
      list = await json('/api/uploads');
    } catch (e) {
      state('uploads-state', 'Uploads: ' + e.message, true);
      return false;
    }
    body.replaceChildren();
    let processing = false;
    for (const u of list.items) {
      const row = document.createElement('tr');
      row.dataset.uploadId = u.uploadId;
      cell(row, when(u.receivedAt));
      cell(row, u.partner);
      cell(row, u.dataset);
      // No file name: the partner's file names stay out of what the product shows (docs/console.md).
      cell(row, u.status, 'status-' + u.status);
      const progress = cell(row, '');
      if (u.status === 'processing') {
        processing = true;
        const bar = document.createElement('progress');
        bar.max = Math.max(1, u.sizeBytes || 1);
        bar.value = Math.min(bar.max, u.progressBytes || 0);
        progress.appendChild(bar);
        progress.appendChild(el('span', ' ' + number(u.progressBytes || 0) + ' of ' + number(u.sizeBytes || 0) + ' bytes, ' + number(u.progressRows || 0) + ' rows' + (u.progressAt ? ' (' + when(u.progressAt) + ')' : ''), 'progress-text'));
      } else {
        progress.textContent = number(u.rowsRead) + ' rows read';
      }
      cell(row, number(u.rowsWritten));
      cell(row, number(u.rowsQuarantined));
      const report = cell(row, '');
      if (u.htmlReportPath) {
        report.appendChild(viewButton('report', 'Quality report ' + u.uploadId, '/api/uploads/' + encodeURIComponent(u.uploadId)));
      }
      body.appendChild(row);
    }
    state('uploads-state', list.count + ' uploads, newest first' + (processing ? '; refreshing every ' + REFRESH_MS / 1000 + ' s while one is processing' : ''));
    return processing;
  }

  // --- datasets and contracts -------------------------------------------------------------------------------

  async function loadDatasets() {
    const target = $('datasets');
    let config;
    try {
      config = await json('/api/config');
    } catch (e) {
      target.replaceChildren();
      state('datasets-state', 'Contracts: ' + e.message + ' (GET /api/config needs an admin key in Azure).', true);
      return;
    }
    state('datasets-state', 'In force since ' + when(config.refreshedAt));
    const table = el('table');
    table.id = 'contracts';
    const head = table.createTHead().insertRow();
    for (const h of ['dataset', 'contract version', 'columns', 'source', 'stored version', 'models']) head.appendChild(el('th', h));
    const body = table.createTBody();
    for (const c of config.contracts) {
      const row = body.insertRow();
      cell(row, c.dataset);
      cell(row, c.version);
      cell(row, number(c.columns));
      cell(row, c.source);
      cell(row, c.storedVersion);
      cell(row, config.models.filter((m) => m.dataset === c.dataset).map((m) => m.name + ' (' + m.task + ')').join(', '));
    }
    target.replaceChildren(table);
    if (config.refused.length > 0) {
      target.appendChild(el('h3', 'Refused documents'));
      const list = el('ul');
      for (const r of config.refused) {
        const item = el('li', r.kind + ' ' + r.name + ' (' + r.source + ')' + (r.previousInForce ? ', previous version stays in force' : ''));
        const errors = el('ul');
        for (const e of r.errors) errors.appendChild(el('li', e.path + ': ' + e.message));
        item.appendChild(errors);
        list.appendChild(item);
      }
      target.appendChild(list);
    }
  }

  // --- models -----------------------------------------------------------------------------------------------

  async function loadModels() {
    const target = $('models');
    let list;
    try {
      list = await json('/api/models');
    } catch (e) {
      state('models-state', 'Models: ' + e.message, true);
      return false;
    }
    const blocks = [];
    let training = false;
    for (const m of list.items) {
      const block = el('div', null, 'model');
      block.dataset.model = m.name;
      block.appendChild(el('h3', m.name));
      block.appendChild(el('p', m.task + ' on ' + m.dataset + (m.description ? ': ' + m.description : ''), 'muted'));
      let detail;
      try {
        detail = await json('/api/models/' + encodeURIComponent(m.name));
      } catch (e) {
        block.appendChild(el('p', 'Versions: ' + e.message, 'error'));
        blocks.push(block);
        continue;
      }
      const stage = el('p', detail.training ? 'Training now: ' + detail.training.stage + ' since ' + when(detail.training.stageAt) + ' (run started ' + when(detail.training.startedAt) + ')' : 'No training run in progress.', detail.training ? 'training-stage' : 'muted');
      training = training || !!detail.training;
      block.appendChild(stage);
      if (detail.versions.length === 0) {
        block.appendChild(el('p', 'No version trained yet.', 'muted'));
      } else {
        const table = el('table');
        // Headline metrics first (the ones docs/models.md promotes on), then the others, six at most.
        const names = [...new Set(detail.versions.flatMap((v) => Object.keys(v.metrics || {})))];
        const metricNames = [...HEADLINE.filter((n) => names.includes(n)), ...names.filter((n) => !HEADLINE.includes(n))].slice(0, 6);
        const head = table.createTHead().insertRow();
        for (const h of ['version', 'status', 'trained', 'rows', ...metricNames, 'decision', 'card']) head.appendChild(el('th', h));
        const body = table.createTBody();
        for (const v of detail.versions) {
          const row = body.insertRow();
          cell(row, v.version);
          cell(row, v.status.toLowerCase(), 'status-' + v.status.toLowerCase());
          cell(row, when(v.createdAt));
          cell(row, v.lineage ? number(v.lineage.rows) : '');
          for (const name of metricNames) cell(row, number((v.metrics || {})[name], 4));
          cell(row, v.decision);
          cell(row, '').appendChild(viewButton('card', 'Model card ' + m.name + ' ' + v.version,
            '/api/models/' + encodeURIComponent(m.name) + '/versions/' + encodeURIComponent(v.version) + '/card'));
        }
        block.appendChild(table);
      }
      blocks.push(block);
    }
    target.replaceChildren(...blocks);
    state('models-state', list.count + ' models');
    return training;
  }

  // --- wiring -------------------------------------------------------------------------------------------------

  async function loadHealth() {
    try {
      const health = await json('/api/health');
      state('health', 'Service ' + health.status + ', version ' + health.version);
    } catch (e) {
      state('health', 'Health: ' + e.message, true);
    }
  }

  async function refresh() {
    clearTimeout(refreshTimer);
    const [processing, training] = await Promise.all([loadUploads(), loadModels(), loadDatasets()]).then((r) => [r[0], r[1]]);
    document.body.dataset.loaded = 'true';
    if (processing || training) refreshTimer = setTimeout(refresh, REFRESH_MS);
  }

  function showKeyState() {
    $('key-state').textContent = key() ? 'A key is set for this browser session.' : 'No key set.';
  }

  document.addEventListener('DOMContentLoaded', () => {
    $('key-form').addEventListener('submit', (event) => {
      event.preventDefault();
      try { sessionStorage.setItem(KEY, $('key').value); } catch { /* storage disabled: the key is not kept */ }
      $('key').value = '';
      showKeyState();
      refresh();
    });
    $('forget').addEventListener('click', () => {
      try { sessionStorage.removeItem(KEY); } catch { /* nothing kept */ }
      showKeyState();
      refresh();
    });
    $('viewer-close').addEventListener('click', () => {
      $('viewer').srcdoc = '';
      $('viewer-section').hidden = true;
    });
    showKeyState();
    loadHealth();
    refresh();
  });
})();

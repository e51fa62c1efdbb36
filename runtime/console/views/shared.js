// Shared by every console page (included by runtime/console/page.ts into each page's one script).
// Every piece of event data reaches the page through textContent or attributes, never as HTML.
const Oasis = (() => {
  const TOKEN_KEY = 'oasis.console.token';
  const RETRY_MS = [1000, 2000, 5000, 10000, 30000];
  const $ = (id) => document.getElementById(id);

  // ---- token: ?access_token= from the link (then removed from the address bar), else local storage
  function store(token) {
    try { token ? localStorage.setItem(TOKEN_KEY, token) : localStorage.removeItem(TOKEN_KEY); } catch { /* private mode */ }
  }
  function loadToken() {
    const params = new URLSearchParams(location.search);
    const fromUrl = params.get('access_token');
    if (fromUrl) {
      store(fromUrl);
      params.delete('access_token');
      const rest = params.toString();
      history.replaceState(null, '', location.pathname + (rest ? '?' + rest : '') + location.hash);
      return fromUrl;
    }
    try { return localStorage.getItem(TOKEN_KEY) || ''; } catch { return ''; }
  }
  const auth = { token: loadToken() };
  function authHeaders() { return auth.token ? { Authorization: 'Bearer ' + auth.token } : {}; }

  // ---- token expiry: a screen on a wall should say, days ahead, that its credential runs out, and
  // once it has, say so plainly (not only "HTTP 401" somewhere). Read from the token's own `exp`.
  const EXPIRY_WARNING_MS = 7 * 24 * 3600 * 1000;
  function tokenExpiresAt(token) {
    try {
      const payload = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
      return typeof payload.exp === 'number' ? new Date(payload.exp * 1000) : null;
    } catch { return null; }
  }
  function showTokenExpiry() {
    const expires = auth.token ? tokenExpiresAt(auth.token) : null;
    const left = expires ? expires.getTime() - Date.now() : Infinity;
    let el = $('token-expiry');
    if (left > EXPIRY_WARNING_MS) { if (el) el.hidden = true; return; }
    if (!el) {
      el = document.createElement('p');
      el.id = 'token-expiry';
      el.className = 'token-expiry';
      el.setAttribute('role', 'status');
      document.querySelector('header.bar').after(el);
    }
    el.hidden = false;
    const when = dateTime(expires.toISOString());
    if (left <= 0) {
      el.textContent = 'The access token expired at ' + when + ': this page can no longer read. Open it with a new token (npm run token -- --read-only).';
      return;
    }
    const hours = Math.floor(left / 3600000);
    const inWords = hours >= 48 ? Math.floor(hours / 24) + ' days' : hours >= 1 ? hours + ' hours' : Math.max(1, Math.floor(left / 60000)) + ' minutes';
    el.textContent = 'The access token expires in ' + inWords + ' (' + when + '): replace it before then (npm run token -- --read-only).';
  }
  // Once the page has parsed (every page's script runs at the end of its body), then every minute.
  setTimeout(showTokenExpiry, 0);
  setInterval(showTokenExpiry, 60000);

  async function problem(response) {
    let message = 'HTTP ' + response.status;
    try { const body = await response.json(); if (body && body.error && body.error.message) message = body.error.message; } catch { /* not JSON */ }
    const error = new Error(message);
    error.status = response.status;
    return error;
  }
  async function getJson(path) {
    const response = await fetch(path, { headers: authHeaders(), cache: 'no-store' });
    if (!response.ok) throw await problem(response);
    return response.json();
  }

  // ---- formatting
  const pad = (n) => String(n).padStart(2, '0');
  /** Local date and time, unambiguous across days: 2026-03-02 09:14:07. */
  function dateTime(iso) {
    const d = new Date(iso);
    if (isNaN(d)) return String(iso);
    return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + ' ' + pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds());
  }
  function timeEl(iso) {
    const el = document.createElement('time');
    el.dateTime = String(iso);
    el.textContent = dateTime(iso);
    return el;
  }
  /** Raw ISO timestamps inside text (an offline agent's title) read as local date and time. */
  function humanize(text) {
    return text == null ? text : String(text).replace(/\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})\b/g, (iso) => dateTime(iso));
  }
  function duration(seconds) {
    if (seconds == null || !isFinite(seconds)) return '\u2014';
    const s = Math.round(seconds);
    if (s < 60) return s + ' s';
    if (s < 3600) return Math.floor(s / 60) + ' min ' + (s % 60 ? (s % 60) + ' s' : '');
    if (s < 86400) return Math.floor(s / 3600) + ' h ' + Math.round((s % 3600) / 60) + ' min';
    return Math.floor(s / 86400) + ' d ' + Math.round((s % 86400) / 3600) + ' h';
  }
  function ago(iso) {
    const seconds = Math.max(0, Math.round((Date.now() - new Date(iso).getTime()) / 1000));
    if (!isFinite(seconds)) return String(iso);
    return duration(seconds) + ' ago';
  }
  function statusEl(status) {
    const el = document.createElement('span');
    el.className = 'status status-' + String(status).replace(/[^a-z_]/g, '');
    el.textContent = String(status);
    return el;
  }
  function cell(label, content, className) {
    const td = document.createElement('td');
    td.dataset.label = label;
    if (className) td.className = className;
    if (content instanceof Node) td.append(content); else td.textContent = content == null || content === '' ? '\u2014' : String(content);
    return td;
  }

  /** What an event's link opens, in words: `repo#57`, `TEST run #214`, `Cloud Run gateway revision …`. */
  function linkText(event) {
    const m = event.metadata || {};
    const repo = event.repo || '';
    switch (event.kind) {
      case 'pull_request': return repo + '#' + (m.number != null ? m.number : '?');
      case 'workflow_run': return (m.workflowName || 'workflow') + ' run #' + (m.runNumber != null ? m.runNumber : '?');
      case 'workflow_job': return 'job ' + (m.jobName || '?') + (m.workflowName ? ' (' + m.workflowName + ')' : '');
      case 'check_run': return 'check ' + (event.title || '?');
      case 'check_suite': return (m.app || 'checks') + ' of ' + String(event.sha || '').slice(0, 7);
      case 'push': return repo + ' ' + String(m.before || '').slice(0, 7) + '\u2026' + String(m.after || event.sha || '').slice(0, 7);
      case 'deployment': case 'deployment_status': return 'deployment to ' + (m.environment || '?');
      case 'release': return 'release ' + (m.tagName || event.title || '');
      case 'deploy': return 'Cloud Run ' + (m.service || '?') + (m.revision ? ' revision ' + m.revision : '');
    }
    try { const u = new URL(event.url); return u.host + u.pathname.replace(/\/$/, ''); } catch { return 'link'; }
  }
  function linkEl(url, text, describe) {
    if (typeof url !== 'string') return '';
    let parsed;
    try { parsed = new URL(url); } catch { return ''; }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return '';
    const a = document.createElement('a');
    a.href = parsed.href;
    a.target = '_blank';
    a.rel = 'noopener noreferrer';
    a.textContent = text;
    a.setAttribute('aria-label', (describe || text) + ' on ' + parsed.host + ' (new tab)');
    return a;
  }
  /** A VTID that opens its timeline (UNSET and IDLE are no task: plain text). */
  function vtidEl(vtid) {
    if (!vtid || vtid === 'UNSET' || vtid === 'IDLE') return document.createTextNode(vtid || '\u2014');
    const a = document.createElement('a');
    a.href = '/console/timeline?vtid=' + encodeURIComponent(vtid);
    a.className = 'vtid-link';
    a.textContent = vtid;
    a.setAttribute('aria-label', 'Timeline of ' + vtid);
    return a;
  }

  // ---- LIVE / OFFLINE: the badge, and when offline a banner saying since when, and stale data dimmed
  let offlineSince = null;
  function setBadge(live, detail) {
    const badge = $('badge');
    const text = live ? 'LIVE' : 'OFFLINE';
    if (badge.textContent !== text) badge.textContent = text;
    badge.dataset.state = live ? 'live' : 'offline';
    badge.title = detail;
    let banner = $('stale-banner');
    if (live) {
      offlineSince = null;
      document.body.classList.remove('stale');
      if (banner) banner.hidden = true;
      return;
    }
    if (offlineSince === null) offlineSince = new Date();
    document.body.classList.add('stale');
    if (!banner) {
      banner = document.createElement('p');
      banner.id = 'stale-banner';
      banner.setAttribute('role', 'alert');
      document.querySelector('header.bar').after(banner);
    }
    banner.hidden = false;
    banner.textContent = 'OFFLINE since ' + dateTime(offlineSince.toISOString()) + ' \u2014 what you see may be out of date (' + detail + ')';
  }
  function notice(message) {
    const el = $('notice');
    if (!el) return;
    el.textContent = message || '';
    el.hidden = !message;
  }

  /**
   * The live feed (GET /api/v1/devhub/feed): one EventSource, resumed from the last id it saw, with
   * the badge telling the truth (two missed keepalives mean OFFLINE and a reconnect).
   *   feed = liveFeed({ filters: () => ({ vtid }), onEvent(event, fresh), onOpen() })
   *   feed.start(lastId)  // lastId: the newest event already on screen (null: from now)
   */
  function liveFeed(options) {
    const state = { source: null, generation: 0, lastId: null, keepaliveMs: 15000, lastSignal: 0, connectingSince: 0, failures: 0, retryTimer: 0 };
    function url() {
      const params = new URLSearchParams(options.filters ? options.filters() : {});
      if (state.lastId !== null) params.set('lastEventId', String(state.lastId));
      if (auth.token) params.set('access_token', auth.token);
      return '/api/v1/devhub/feed?' + params;
    }
    function disconnect() {
      state.generation += 1;
      clearTimeout(state.retryTimer);
      if (state.source) state.source.close();
      state.source = null;
    }
    function connect() {
      disconnect();
      const generation = state.generation;
      const source = new EventSource(url());
      state.source = source;
      state.connectingSince = Date.now();
      const current = () => generation === state.generation;
      const signal = (message) => {
        state.lastSignal = Date.now();
        if (message && message.lastEventId) state.lastId = Number(message.lastEventId);
        if (source.readyState === EventSource.OPEN) setBadge(true, 'Connected; last signal ' + new Date().toLocaleTimeString());
      };
      source.onopen = () => {
        if (!current()) return;
        state.failures = 0;
        notice('');
        signal(null);
        if (options.onOpen) options.onOpen();
      };
      source.onmessage = (message) => {
        if (!current()) return;
        signal(message);
        let event;
        try { event = JSON.parse(message.data); } catch { return; /* a malformed frame is skipped */ }
        options.onEvent(event, true);
      };
      source.addEventListener('ping', (message) => {
        if (!current()) return;
        signal(message);
        try { const data = JSON.parse(message.data); if (data.keepaliveMs > 0) state.keepaliveMs = data.keepaliveMs; } catch { /* keep the default */ }
      });
      source.onerror = () => {
        if (!current()) return;
        setBadge(false, 'connection lost; reconnecting');
        // CONNECTING: the browser retries by itself, resuming with Last-Event-ID. CLOSED: it gave up
        // (an HTTP error such as 401 or 503), so find out why and retry with back-off.
        if (source.readyState === EventSource.CLOSED) void recover();
      };
    }
    async function recover() {
      disconnect();
      const delay = RETRY_MS[Math.min(state.failures, RETRY_MS.length - 1)];
      state.failures += 1;
      try {
        const probe = await fetch('/api/v1/oasis/events?limit=1', { headers: authHeaders(), cache: 'no-store' });
        if (probe.status === 401 || probe.status === 403) {
          const error = await problem(probe);
          notice('Not authorised: ' + error.message + '. Enter an access token.');
          const panel = $('token-panel');
          if (panel) panel.open = true;
          return;
        }
      } catch { /* the gateway is unreachable: keep retrying */ }
      state.retryTimer = setTimeout(connect, delay);
    }
    // The badge must not claim LIVE over a stream that went silent (a half-open connection, a proxy
    // that stopped forwarding): keepalives arrive every keepaliveMs, so two missed ones mean offline.
    // A new stream can hang as well: the browser may send it over a pooled connection that went silent
    // with the old one, and stay CONNECTING with no error. Give each attempt as long, then start over
    // (a request in flight holds its connection, so the next attempt takes another one).
    setInterval(() => {
      const source = state.source;
      if (!source) return;
      const limit = state.keepaliveMs * 2 + 5000;
      if (source.readyState === EventSource.OPEN && Date.now() - state.lastSignal > limit) {
        setBadge(false, 'no signal for ' + Math.round((Date.now() - state.lastSignal) / 1000) + ' s; reconnecting');
        connect();
      } else if (source.readyState === EventSource.CONNECTING && Date.now() - state.connectingSince > limit) {
        setBadge(false, 'no answer to the reconnect for ' + Math.round((Date.now() - state.connectingSince) / 1000) + ' s; trying again');
        connect();
      }
    }, 1000);
    return {
      start(lastId) { state.lastId = lastId; connect(); },
      stop: disconnect,
    };
  }

  /** Coalesces bursts: many calls within `ms` run `fn` once, after the burst. */
  function debounce(fn, ms) {
    let timer = 0;
    return () => { clearTimeout(timer); timer = setTimeout(fn, ms); };
  }

  const SVG = 'http://www.w3.org/2000/svg';
  function svg(tag, attributes) {
    const el = document.createElementNS(SVG, tag);
    for (const [key, value] of Object.entries(attributes || {})) el.setAttribute(key, String(value));
    return el;
  }

  return { $, auth, store, authHeaders, showTokenExpiry, problem, getJson, dateTime, timeEl, humanize, duration, ago, statusEl, cell, linkText, linkEl, vtidEl, setBadge, notice, liveFeed, debounce, svg };
})();

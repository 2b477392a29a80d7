/**
 * The console's two static files, served from /static/: its style sheet and the script of
 * its progressive enhancement (the pages are complete without it). Kept as strings so the
 * production build (esbuild, TypeScript only) carries them to dist/ like any module.
 */

export const STYLE = `
:root { --fg: #1d2430; --muted: #5b6472; --line: #d8dde5; --bg: #f6f7f9; --accent: #2151a8; --bad: #a8322d; --ok: #2a7a3b; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
header.top { display: flex; gap: 1.5rem; align-items: center; padding: .6rem 1.5rem; background: #1d2430; color: #fff; }
header.top a { color: #fff; text-decoration: none; }
header.top .who { margin-left: auto; display: flex; gap: .8rem; align-items: center; color: #c9d1dd; }
header.top form { margin: 0; }
header.top button { background: transparent; color: #fff; border: 1px solid #5b6472; border-radius: 4px; padding: .2rem .6rem; cursor: pointer; }
main { max-width: 1180px; margin: 1.2rem auto; padding: 0 1.5rem; }
h1 { font-size: 1.5rem; margin: .2rem 0 1rem; }
h2 { font-size: 1.1rem; margin: 1.6rem 0 .6rem; }
a { color: var(--accent); }
table { border-collapse: collapse; width: 100%; background: #fff; border: 1px solid var(--line); }
th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-weight: 600; color: var(--muted); font-size: .85rem; background: #fbfcfd; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: .8rem; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: .7rem .9rem; }
.card .label { color: var(--muted); font-size: .8rem; }
.card .value { font-size: 1.5rem; font-variant-numeric: tabular-nums; }
.card .value.small { font-size: 1rem; }
h2.first { margin-top: 0; }
.muted { color: var(--muted); }
.bad { color: var(--bad); }
.ok { color: var(--ok); }
.pill { display: inline-block; padding: 0 .45rem; border-radius: 999px; font-size: .8rem; border: 1px solid var(--line); background: #fff; }
.pill.disabled, .pill.revoked, .pill.expired, .pill.error { color: var(--bad); border-color: #e3b7b4; }
.pill.warning { color: #8a5a00; border-color: #e6cf9a; }
.pill.live, .pill.active, .pill.ok { color: var(--ok); border-color: #b5d8bd; }
.actions { display: flex; gap: .6rem; flex-wrap: wrap; margin: .6rem 0; }
.button, button.primary, button.danger { display: inline-block; padding: .35rem .8rem; border-radius: 4px; border: 1px solid var(--accent); background: var(--accent); color: #fff; text-decoration: none; font: inherit; cursor: pointer; }
.button.secondary { background: #fff; color: var(--accent); }
button.danger, .button.danger { background: var(--bad); border-color: var(--bad); }
form.inline { display: inline; }
input[type=text], input[type=password], input[type=search] { font: inherit; padding: .35rem .5rem; border: 1px solid var(--line); border-radius: 4px; min-width: 16rem; }
label { display: block; margin: .6rem 0 .2rem; color: var(--muted); }
.panel { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 1rem 1.2rem; }
.login { max-width: 360px; margin: 4rem auto; }
.notice { background: #eef4ff; border: 1px solid #c7d7f5; padding: .6rem .9rem; border-radius: 6px; margin: .8rem 0; }
.notice.bad { background: #fdf0ef; border-color: #eec3bf; }
.secret { font: 1rem ui-monospace, monospace; background: #1d2430; color: #fff; padding: .8rem; border-radius: 6px; word-break: break-all; }
ol.feed { list-style: none; padding: 0; margin: 0; background: #fff; border: 1px solid var(--line); max-height: 28rem; overflow: auto; }
ol.feed li { padding: .35rem .6rem; border-bottom: 1px solid var(--line); font-size: .9rem; }
ol.feed li.fresh { background: #fffbe6; }
ol.feed .seq { color: var(--muted); font-variant-numeric: tabular-nums; margin-right: .4rem; }
ul.findings li { margin: .3rem 0; }
.grid2 { display: grid; grid-template-columns: 1fr 1fr; gap: 1.2rem; }
@media (max-width: 900px) { .grid2 { grid-template-columns: 1fr; } }
svg.curve { width: 100%; height: auto; background: #fff; border: 1px solid var(--line); }
svg.curve .bar { fill: #5b8bd9; }
svg.curve text { font: 11px system-ui, sans-serif; fill: var(--muted); }
nav.crumbs { color: var(--muted); margin-bottom: .3rem; }
nav.tabs { display: flex; gap: 1rem; margin: .4rem 0 1rem; }
.live-dot { display: inline-block; width: .55rem; height: .55rem; border-radius: 50%; background: #aab2bf; margin-right: .3rem; }
.live-dot.on { background: var(--ok); }
`;

/**
 * On a tenant's page: subscribes to the server-sent events of its log, prepends each new
 * entry to the feed (rendered and escaped by the server), updates the counts, and redraws the
 * sync curve. Without it the page is the same, as of its loading.
 */
export const SCRIPT = `
(function () {
  var feed = document.getElementById('feed');
  if (!feed || !window.EventSource) return;
  var stream = feed.getAttribute('data-stream');
  var curve = document.getElementById('curve');
  var dot = document.getElementById('live-dot');
  var status = document.getElementById('live-status');
  var source = new EventSource(stream);
  source.addEventListener('open', function () {
    if (dot) dot.className = 'live-dot on';
    if (status) status.textContent = 'live';
  });
  source.addEventListener('error', function () {
    if (dot) dot.className = 'live-dot';
    if (status) status.textContent = 'reconnecting…';
  });
  source.addEventListener('entry', function (message) {
    var data = JSON.parse(message.data);
    if (feed.querySelector('li[data-seq="' + data.sequence + '"]')) return;
    var template = document.createElement('template');
    template.innerHTML = data.html;
    var item = template.content.firstElementChild;
    if (!item) return;
    item.classList.add('fresh');
    feed.insertBefore(item, feed.firstChild);
    while (feed.children.length > 200) feed.removeChild(feed.lastChild);
    feed.setAttribute('data-last', String(data.sequence));
  });
  source.addEventListener('summary', function (message) {
    var counts = JSON.parse(message.data);
    Object.keys(counts).forEach(function (name) {
      var nodes = document.querySelectorAll('[data-count="' + name + '"]');
      for (var i = 0; i < nodes.length; i++) nodes[i].textContent = counts[name];
    });
    if (curve && curve.getAttribute('data-src')) {
      fetch(curve.getAttribute('data-src'), { credentials: 'same-origin' })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (text) { if (text) curve.innerHTML = text; });
    }
  });
})();
`;

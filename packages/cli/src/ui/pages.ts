/**
 * The web view's pages: server-rendered HTML (hono/html escapes every
 * interpolated value), one small stylesheet, no script but the confirmation
 * of a change. Nothing to build.
 */
import type { OutboxShardStats, OutboxStats } from '@bus/outbox';
import type { StoredEvent } from '@bus/persistence';
import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import { viewEnvelope } from '../envelope-view.js';
import type { UiDeadLetter, UiDeadLetterFilter } from './dead-letter-source.js';
import type { FlowFailure, FlowRow } from './flow-monitor.js';

type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

const STYLE = `
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1d232a;background:#f6f7f9}
header{background:#1d232a;color:#fff;padding:10px 20px;display:flex;gap:18px;align-items:center}
header a{color:#cfd8e3;text-decoration:none}header a.on{color:#fff;font-weight:600}
header .mode{margin-left:auto;font-size:12px;opacity:.8}
main{padding:16px 20px}h1{font-size:18px;margin:4px 0 12px}
table{border-collapse:collapse;background:#fff;width:100%;box-shadow:0 1px 2px #0001}
th,td{padding:6px 10px;border-bottom:1px solid #e6e9ee;text-align:left;vertical-align:top}
th{background:#eef1f5;font-weight:600}td.n{text-align:right;font-variant-numeric:tabular-nums}
pre{background:#fff;padding:10px;border:1px solid #e6e9ee;overflow:auto;max-height:420px}
.cards{display:flex;gap:12px;margin-bottom:14px}.card{background:#fff;padding:10px 16px;box-shadow:0 1px 2px #0001}
.card b{display:block;font-size:22px}.empty{color:#6b7785;padding:12px 0}
form.inline{display:inline}button{cursor:pointer}.bad{color:#b42318}
.filters input{width:180px}.note{color:#6b7785;font-size:12px}
`;

/** The page frame: navigation, the read-only or writable mode, and the body. */
export function layout(title: string, active: string, allowWrites: boolean, body: Html | string): Html {
  const tab = (href: string, name: string) => html`<a href="${href}" class="${active === name ? 'on' : ''}">${name}</a>`;
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title} · bus</title><style>${STYLE}</style></head>
<body><header><strong>bus</strong>${tab('/', 'flow')}${tab('/dead-letters', 'dead letters')}${tab('/outbox', 'outbox')}${tab('/events', 'event store')}
<span class="mode">${allowWrites ? 'writes allowed' : 'read-only (start with --allow-writes to redrive or purge)'}</span></header>
<main><h1>${title}</h1>${body}</main></body></html>`;
}

export function flowPage(rows: readonly FlowRow[] | undefined, failures: readonly FlowFailure[]): Html {
  if (rows === undefined)
    return html`<p class="empty">No live source: start <code>bus ui</code> with <code>--brokers</code> to watch Kafka.</p>`;
  return html`<table id="flow"><tr><th>type</th><th>published</th><th>delivered</th><th>failed</th><th>dead-lettered</th><th>delivered/s (1 min)</th></tr>
${rows.map((row) => html`<tr><td>${row.type}</td><td class="n">${row.published}</td><td class="n">${row.delivered}</td><td class="n ${row.failed > 0 ? 'bad' : ''}">${row.failed}</td><td class="n ${row.deadLettered > 0 ? 'bad' : ''}">${row.deadLettered}</td><td class="n">${row.deliveredPerSecond.toFixed(2)}</td></tr>`)}
</table>${rows.length === 0 ? html`<p class="empty">Nothing has flowed yet.</p>` : ''}
<h1>Recent failures</h1>${
    failures.length === 0
      ? html`<p class="empty">None.</p>`
      : html`<table id="failures"><tr><th>at</th><th>type</th><th>event</th><th>code</th><th>message</th><th></th></tr>
${failures.map((f) => html`<tr><td>${f.at}</td><td>${f.type}</td><td><code>${f.eventId}</code></td><td class="bad">${f.code}</td><td>${f.message}</td><td>${f.deadLettered ? html`<a href="/dead-letters?type=${encodeURIComponent(f.type)}">dead-lettered</a>` : 'failed'}</td></tr>`)}</table>`
  }`;
}

// window.confirm: in an inline handler a bare name would find the form's own fields first.
const confirmScript = (what: string) => `return window.confirm(${JSON.stringify(what)}) && (this.elements.confirmed.value = 'yes', true)`;

function changeForm(source: string, action: 'redrive' | 'purge', ids: readonly string[], label: string, allowWrites: boolean): Html {
  if (!allowWrites) return html``;
  return html`<form class="inline" method="post" action="/dead-letters/${source}/${action}" onsubmit="${confirmScript(`${label}?`)}">
${ids.map((id) => html`<input type="hidden" name="id" value="${id}">`)}<input type="hidden" name="confirmed" value=""><button type="submit" data-action="${action}">${label}</button></form>`;
}

export function deadLettersPage(
  sources: readonly { readonly name: string; readonly letters: readonly UiDeadLetter[]; readonly canPurge: boolean }[],
  filter: UiDeadLetterFilter,
  allowWrites: boolean,
  flash: string | undefined,
): Html {
  return html`${flash === undefined ? '' : html`<p class="card" id="flash">${flash}</p>`}
<form class="filters" method="get">type <input name="type" value="${filter.type ?? ''}"> code <input name="code" value="${filter.code ?? ''}"> <button>filter</button></form>
${sources.map(
  (
    source,
  ) => html`<h1>${source.name} <span class="note">${source.letters.length} dead letter${source.letters.length === 1 ? '' : 's'}</span>
${changeForm(
  source.name,
  'redrive',
  source.letters.map((l) => l.id),
  `Redrive all ${source.letters.length} shown`,
  allowWrites && source.letters.length > 0,
)}</h1>
${
  source.letters.length === 0
    ? html`<p class="empty">No dead letters.</p>`
    : html`<table class="letters" data-source="${source.name}"><tr><th>failed at</th><th>type</th><th>event</th><th>key</th><th>attempts</th><th>error</th><th></th></tr>
${source.letters.map(
  (
    letter,
  ) => html`<tr><td>${letter.failedAt}</td><td>${letter.type}</td><td><a href="/dead-letters/${source.name}/${encodeURIComponent(letter.id)}">${letter.eventId}</a></td>
<td>${letter.key ?? ''}</td><td class="n">${letter.attempts}</td><td><span class="bad">${letter.code ?? ''}</span> ${letter.error}</td>
<td>${changeForm(source.name, 'redrive', [letter.id], 'Redrive', allowWrites)} ${source.canPurge ? changeForm(source.name, 'purge', [letter.id], 'Purge', allowWrites) : ''}</td></tr>`,
)}</table>`
}`,
)}`;
}

export function deadLetterPage(source: string, letter: UiDeadLetter, canPurge: boolean, allowWrites: boolean): Html {
  return html`<table id="letter">
<tr><th>source</th><td>${source}</td></tr><tr><th>event id</th><td><code>${letter.eventId}</code></td></tr>
<tr><th>type</th><td>${letter.type}</td></tr><tr><th>key</th><td>${letter.key ?? ''}</td></tr>
<tr><th>attempts</th><td>${letter.attempts}</td></tr><tr><th>failed at</th><td>${letter.failedAt}</td></tr>
<tr><th>error</th><td><span class="bad">${letter.code ?? ''}</span> ${letter.error}</td></tr></table>
<h1>Attributes and headers</h1><pre id="attributes">${JSON.stringify(letter.attributes, null, 2)}</pre>
<h1>Payload</h1><pre id="payload">${JSON.stringify(letter.data, null, 2)}</pre>
${changeForm(source, 'redrive', [letter.id], 'Redrive', allowWrites)} ${canPurge ? changeForm(source, 'purge', [letter.id], 'Purge', allowWrites) : ''}`;
}

export function outboxPage(stats: OutboxStats | undefined, shards: readonly OutboxShardStats[] | undefined): Html {
  if (stats === undefined) return html`<p class="empty">No outbox: start <code>bus ui</code> with <code>--outbox</code>.</p>`;
  const age = (ms: number) => (ms <= 0 ? '–' : ms < 10_000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`);
  return html`<div class="cards" id="outbox-stats"><div class="card">pending<b>${stats.pending}</b></div><div class="card">scheduled<b>${stats.scheduled}</b></div>
<div class="card">oldest pending<b>${age(stats.oldestPendingAgeMs)}</b></div><div class="card">dead<b class="${stats.dead > 0 ? 'bad' : ''}">${stats.dead}</b></div></div>
${
  shards === undefined
    ? ''
    : html`<table id="shards"><tr><th>key shard</th><th>pending</th><th>scheduled</th><th>oldest pending</th></tr>
${shards.map((s) => html`<tr><td>${s.shard}</td><td class="n">${s.pending}</td><td class="n">${s.scheduled}</td><td class="n">${age(s.oldestPendingAgeMs)}</td></tr>`)}</table>`
}<p class="note">Dead rows are on the <a href="/dead-letters">dead letters</a> page.</p>`;
}

export function streamsPage(events: readonly StoredEvent[] | undefined, from: number, pageSize: number): Html {
  if (events === undefined) return html`<p class="empty">No event store: start <code>bus ui</code> with <code>--events</code>.</p>`;
  const streams = new Map<string, { count: number; version: number; last: string }>();
  for (const record of events) {
    const seen = streams.get(record.stream) ?? { count: 0, version: -1, last: '' };
    streams.set(record.stream, { count: seen.count + 1, version: Math.max(seen.version, record.version), last: record.storedAt });
  }
  const last = events.at(-1)?.position;
  return html`<p class="note">Streams with events at positions ${from}–${last ?? from} of the log.</p>
<table id="streams"><tr><th>stream</th><th>events here</th><th>version</th><th>last stored</th></tr>
${[...streams.entries()].map(([name, s]) => html`<tr><td><a href="/events/streams/${encodeURIComponent(name)}">${name}</a></td><td class="n">${s.count}</td><td class="n">${s.version}</td><td>${s.last}</td></tr>`)}</table>
${streams.size === 0 ? html`<p class="empty">No events here.</p>` : ''}${events.length === pageSize && last !== undefined ? html`<p><a id="next" href="/events?from=${last + 1}">next positions →</a></p>` : ''}`;
}

export function streamPage(stream: string, events: readonly StoredEvent[]): Html {
  return html`<table id="stream"><tr><th>version</th><th>position</th><th>type</th><th>event</th><th>stored</th><th>data</th></tr>
${events.map((r) => html`<tr><td class="n">${r.version}</td><td class="n">${r.position}</td><td>${r.event.type}</td><td><code>${r.event.id}</code></td><td>${r.storedAt}</td><td><code>${JSON.stringify(viewEnvelope(r.event).event.data)}</code></td></tr>`)}</table>
${events.length === 0 ? html`<p class="empty">The stream ${stream} has no events.</p>` : ''}`;
}

// oracle.js reads JSON lines {"text": "..."} on standard input and writes,
// for each, one JSON line {"links": [...]}: every link that real
// implementations make of the text, with the host a browser resolves it
// to. Three readers:
//
//   - "markdown": markdown-it with linkify (fuzzy links on, as chat
//     clients and GitHub make bare domains clickable): the href of every
//     <a> and the src of every <img> it renders;
//   - "markdown-raw": the same, but with each href used as written,
//     without markdown-it's own Punycode step (as renderers that leave
//     host mapping to the browser do);
//   - "linkify": linkify-it alone over the raw text, as a plain-text
//     chat client does.
//
// A line {"url": "..."} is answered with {"host": "..."}: the hostname
// node's WHATWG URL parses out of that URL, or {"error": "..."}.
//
// Each href is resolved with node's WHATWG URL against the page the chat
// runs in (https://chat.invalid/); links that stay on that page's host are
// left out. A link whose URL fails to parse has "error" instead of "host".
'use strict';

const readline = require('readline');
const MarkdownIt = require('markdown-it');
const { LinkifyIt } = require('linkify-it');

const base = 'https://chat.invalid/';
const baseHost = new URL(base).hostname;

function markdown(raw) {
  const md = new MarkdownIt({ linkify: true });
  md.linkify.set({ fuzzyLink: true });
  if (raw) md.normalizeLink = (url) => url;
  return md;
}
const readers = { markdown: markdown(false), 'markdown-raw': markdown(true) };
const linkify = new LinkifyIt().set({ fuzzyLink: true });

function collect(tokens, out) {
  for (const t of tokens) {
    if (t.type === 'link_open') out.push(t.attrGet('href'));
    if (t.type === 'image') out.push(t.attrGet('src'));
    if (t.children) collect(t.children, out);
  }
  return out;
}

function resolve(reader, href) {
  const l = { reader, href };
  try {
    const u = new URL(href, base);
    l.scheme = u.protocol.slice(0, -1);
    l.host = u.hostname;
  } catch (e) {
    l.error = String(e.code || e.message);
  }
  return l;
}

const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
rl.on('line', (line) => {
  const { text, url } = JSON.parse(line);
  if (url !== undefined) {
    let ans;
    try {
      ans = { host: new URL(url).hostname };
    } catch (e) {
      ans = { error: String(e.code || e.message) };
    }
    process.stdout.write(JSON.stringify(ans) + '\n');
    return;
  }
  const links = [];
  for (const [name, md] of Object.entries(readers)) {
    for (const href of collect(md.parse(text, {}), [])) links.push(resolve(name, href));
  }
  for (const m of linkify.match(text) || []) links.push(resolve('linkify', m.url));
  const kept = links.filter((l) => l.host !== baseHost);
  process.stdout.write(JSON.stringify({ links: kept }) + '\n');
});

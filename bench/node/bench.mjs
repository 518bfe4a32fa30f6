// The npm peers of the profanity comparison, run by ../main.go (go run .):
// node bench.mjs EVAL_TSV SECONDS [EVASION_JSONL] prints one JSON object
// with, for each filter, its init time, its verdict on every line of the
// evaluation set (and on every probe of the evasion corpus) and its
// throughput on the chat lines, single-threaded.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

const [evalPath, seconds = '1', evasionPath] = process.argv.slice(2);
const items = readFileSync(evalPath, 'utf8').split('\n')
  .filter((l) => l !== '' && !l.startsWith('#'))
  .map((l) => { const p = l.split('\t'); return { label: p[0], category: p[1], text: p.slice(2).join('\t') }; });
const chat = items.filter((it) => it.category === 'chat').map((it) => it.text);
const probes = evasionPath
  ? readFileSync(evasionPath, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l).probe)
  : [];

function version(pkg) {
  return JSON.parse(readFileSync(new URL(`./node_modules/${pkg}/package.json`, import.meta.url), 'utf8')).version;
}

async function measure(name, pkg, build) {
  const t0 = performance.now();
  const check = await build();
  const initMs = performance.now() - t0;
  const verdicts = items.map((it) => (check(it.text) ? '1' : '0')).join('');
  const evasion = probes.map((p) => (check(p) ? '1' : '0')).join('');
  // warm up, then count messages for the given time
  for (let i = 0; i < 20000; i++) check(chat[i % chat.length]);
  const budget = Number(seconds) * 1000;
  let n = 0;
  const start = performance.now();
  let now = start;
  while (now - start < budget) {
    for (let i = 0; i < 1000; i++, n++) check(chat[n % chat.length]);
    now = performance.now();
  }
  return { name, version: version(pkg), initMs, verdicts, evasion, msgsPerSec: n / ((now - start) / 1000) };
}

const results = [];
results.push(await measure('obscenity', 'obscenity', async () => {
  const { RegExpMatcher, englishDataset, englishRecommendedTransformers } = await import('obscenity');
  const m = new RegExpMatcher({ ...englishDataset.build(), ...englishRecommendedTransformers });
  return (s) => m.hasMatch(s);
}));
results.push(await measure('allprofanity', 'allprofanity', async () => {
  const { AllProfanity } = await import('allprofanity');
  const f = new AllProfanity({ languages: ['english'], silent: true });
  return (s) => f.check(s);
}));
process.stdout.write(JSON.stringify({ node: process.version, results }) + '\n');

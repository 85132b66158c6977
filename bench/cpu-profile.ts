/**
 * tsx bench/cpu-profile.ts <file.cpuprofile> [--top 25]
 *
 * Summary of a V8 CPU profile (node --cpu-prof): self time by function and by package, and the
 * share of samples with each package anywhere on the stack (inclusive, each package counted once
 * per sample).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Which package a frame belongs to: node_modules/<pkg>, our dist/, node internals, or V8's pseudo-frames. */
export function packageOf(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm !== -1) {
    const rest = url.slice(nm + '/node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  if (url.startsWith('node:')) return 'node:internal';
  const dist = url.indexOf('/dist/');
  if (dist !== -1)
    return `ml-service ${
      url
        .slice(dist + 1)
        .split('/')
        .slice(0, -1)
        .join('/') || 'dist'
    }`;
  return url;
}

/** What a frame is for, in this service: the first matching concern wins. */
const CONCERNS: readonly [string, (url: string, fn: string) => boolean][] = [
  ['tracing: OTLP serialization and export', (url) => /@opentelemetry\/(otlp|exporter)|@grpc|protobufjs/.test(url)],
  ['tracing: async context (AsyncLocalStorage, promise hooks)', (url) => /@opentelemetry\/context-async-hooks|async_hooks/.test(url)],
  ['tracing: SDK, API, @fastify/otel, our spans', (url) => /@opentelemetry|@fastify\/otel|dist\/telemetry\/spans\.js/.test(url)],
  ['logs: pino, sonic-boom', (url, fn) => /\/pino\/|sonic-boom|dist\/telemetry\/logger\.js/.test(url) || fn === 'writeString'],
  [
    'metrics: prom-client, our recorders',
    (url) => /prom-client|metric-primitives|metrics\.js|prediction-telemetry|http-telemetry/.test(url),
  ],
  ['inference: onnxruntime', (url) => /onnxruntime/.test(url)],
  ['garbage collector', (_url, fn) => fn === '(garbage collector)'],
  ['HTTP response write (writev)', (url, fn) => fn === 'writev' || /stream_base_commons/.test(url)],
];

export function summarizeProfile(file: string, top = 25): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const keyOf = (n: ProfileNode) => {
    const { functionName, url, lineNumber } = n.callFrame;
    const short = url.replace(/^.*\/node_modules\//, '').replace(/^file:\/\/.*\/dist\//, 'dist/');
    return `${functionName || '(anonymous)'} ${short}${url ? `:${lineNumber + 1}` : ''}`;
  };

  const selfByFunction = new Map<string, number>();
  const selfByConcern = new Map<string, number>();
  const selfByPackage = new Map<string, number>();
  const inclusiveByPackage = new Map<string, number>();
  let total = 0;
  let idle = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    const node = nodes.get(id)!;
    total += dt;
    if (node.callFrame.functionName === '(idle)') {
      idle += dt;
      return;
    }
    const add = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + dt);
    add(selfByFunction, keyOf(node));
    const { url, functionName } = node.callFrame;
    add(selfByConcern, CONCERNS.find(([, matches]) => matches(url, functionName))?.[0] ?? 'everything else (Fastify, node, our routes)');
    add(selfByPackage, packageOf(node.callFrame.url, node.callFrame.functionName));
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const n = nodes.get(cur)!;
      if (n.callFrame.functionName === '(root)') continue;
      seen.add(packageOf(n.callFrame.url, n.callFrame.functionName));
    }
    for (const p of seen) add(inclusiveByPackage, p);
  });
  const busy = total - idle;
  const pct = (v: number) => `${((100 * v) / busy).toFixed(1)} %`;
  const rows = (map: Map<string, number>, n: number) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, v]) => `| ${pct(v)} | ${k} |`);
  return [
    `CPU profile ${file}: ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy (percentages of busy time)`,
    '',
    '| self | concern |',
    '|---|---|',
    ...rows(selfByConcern, CONCERNS.length + 1),
    '',
    '| self | package |',
    '|---|---|',
    ...rows(selfByPackage, 15),
    '',
    '| on stack | package (inclusive) |',
    '|---|---|',
    ...rows(inclusiveByPackage, 15),
    '',
    '| self | function |',
    '|---|---|',
    ...rows(selfByFunction, top),
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values, positionals } = parseArgs({ options: { top: { type: 'string', default: '25' } }, allowPositionals: true });
  for (const file of positionals) console.log(summarizeProfile(file, Number(values.top)));
}

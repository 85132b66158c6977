import { spawnSync } from 'node:child_process';

/**
 * A minimal parser of the Prometheus text format and OpenMetrics, for assertions. It checks little:
 * conformance is for promtool (text format) and the reference parser below (OpenMetrics).
 */
export interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

export interface Exposition {
  readonly help: Map<string, string>;
  readonly type: Map<string, string>;
  readonly samples: Sample[];
  /** Samples of `name` whose labels include `labels`. */
  find(name: string, labels?: Record<string, string>): Sample[];
  /** The single sample of `name` with exactly these labels (plus any not mentioned). */
  value(name: string, labels?: Record<string, string>): number;
  /** Identity of every series: name + sorted labels. */
  seriesIds(): Set<string>;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\.)*)"(,?)/;
/** A float as Prometheus' parsers read it (Go's ParseFloat: NaN and ±Inf in any case). */
const FLOAT = /^[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?|inf(?:inity)?|nan)$/i;

/** `\\`, `\n` and (OpenMetrics) `\"`, the escapes of label values and HELP text. */
export function unescapeExposition(escaped: string): string {
  return escaped.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

export function parseFloatValue(token: string): number {
  if (!FLOAT.test(token)) throw new Error(`not a float: ${token}`);
  if (/nan/i.test(token)) return Number.NaN;
  if (/inf/i.test(token)) return token.startsWith('-') ? -Infinity : Infinity;
  return Number(token);
}

/** One sample line: name, labels (quote-aware: a value may hold `}`, `,` or `=`), value; the rest is ignored. */
function parseSample(line: string): Sample {
  const name = NAME.exec(line)?.[0];
  if (!name) throw new Error(`unparsable line: ${line}`);
  let rest = line.slice(name.length);
  const labels: Record<string, string> = {};
  if (rest.startsWith('{')) {
    rest = rest.slice(1);
    while (!rest.startsWith('}')) {
      const label = LABEL.exec(rest);
      if (!label) throw new Error(`unparsable labels: ${line}`);
      labels[label[1]!] = unescapeExposition(label[2]!);
      rest = rest.slice(label[0].length);
      if (!label[3] && !rest.startsWith('}')) throw new Error(`unparsable labels: ${line}`);
    }
    rest = rest.slice(1);
  }
  const value = /^ (\S+)/.exec(rest);
  if (!value) throw new Error(`unparsable line: ${line}`);
  return { name, labels, value: parseFloatValue(value[1]!) };
}

/** Parse the text format or OpenMetrics (comments such as `# UNIT` and `# EOF`, timestamps and exemplars are skipped). */
export function parseExposition(text: string): Exposition {
  const help = new Map<string, string>();
  const type = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('# HELP ')) {
      const [name, ...rest] = line.slice(7).split(' ');
      help.set(name!, unescapeExposition(rest.join(' ')));
    } else if (line.startsWith('# TYPE ')) {
      const [name, kind] = line.slice(7).split(' ');
      type.set(name!, kind!);
    } else if (line && !line.startsWith('#')) {
      samples.push(parseSample(line));
    }
  }
  const find = (name: string, labels: Record<string, string> = {}) =>
    samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return {
    help,
    type,
    samples,
    find,
    value(name, labels = {}) {
      const found = find(name, labels);
      if (found.length !== 1) throw new Error(`${found.length} samples of ${name} ${JSON.stringify(labels)}`);
      return found[0]!.value;
    },
    seriesIds: () =>
      new Set(
        samples.map(
          (s) =>
            `${s.name}{${Object.entries(s.labels)
              .sort(([a], [b]) => a.localeCompare(b))
              .map(([k, v]) => `${k}=${v}`)
              .join(',')}}`,
        ),
      ),
  };
}

export interface ReferenceParse {
  /** The parser's error, or '' when it accepted the exposition. */
  readonly error: string;
  /** What it read: sample name, labels, value. */
  readonly samples: Sample[];
}

const OPENMETRICS_PARSE = `
import json, sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
try:
    families = list(text_string_to_metric_families(sys.stdin.read()))
except Exception as e:
    print(json.dumps({"error": str(e) or type(e).__name__, "samples": []}))
else:
    print(json.dumps({"error": "", "samples": [{"name": s.name, "labels": s.labels, "value": repr(float(s.value))} for f in families for s in f.samples]}))
`;

/**
 * The OpenMetrics parser of prometheus_client (Python), which validates the semantics too (no NaN
 * or negative _sum, _count equal to the +Inf bucket); Prometheus has no command that parses
 * OpenMetrics. From Debian's python3-prometheus-client (.ci/run installs it): required under
 * CI=true; locally undefined, with a loud warning, when absent.
 */
export function openMetricsReferenceParser(): ((text: string) => ReferenceParse) | undefined {
  const python = ['python3', '/usr/bin/python3'].find(
    (bin) => spawnSync(bin, ['-c', 'import prometheus_client.openmetrics.parser'], { stdio: 'ignore' }).status === 0,
  );
  if (python === undefined) {
    if (process.env['CI'] === 'true')
      throw new Error('python3-prometheus-client is required under CI=true; install it with: apt-get install -y python3-prometheus-client');
    console.warn('\n*** SKIPPING the OpenMetrics reference parser: install it with: apt-get install -y python3-prometheus-client ***\n');
    return undefined;
  }
  return (text) => {
    const run = spawnSync(python, ['-c', OPENMETRICS_PARSE], { input: text, encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`python3 failed: ${run.stderr}`);
    const parsed = JSON.parse(run.stdout) as { error: string; samples: { name: string; labels: Record<string, string>; value: string }[] };
    return { error: parsed.error, samples: parsed.samples.map((s) => ({ ...s, value: parseFloatValue(s.value) })) };
  };
}

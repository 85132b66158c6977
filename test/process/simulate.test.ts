import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type RunningApp } from '../helpers/app.js';
import { parseExposition } from '../helpers/exposition.js';

/** `npm run simulate` runs `tsx scripts/simulate.ts`: the same tsx, without npm. */
const TSX = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MODEL = { model_name: 'fraud-detection', model_version: 'v1.0' };

/** Runs the simulator to its end (it exits once its last label is answered). */
function simulate(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(TSX, ['scripts/simulate.ts', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** "labels accepted 76 (2 positive) of 76 sent; 76 queued, 0 dropped ..." */
function labelSummary(stdout: string) {
  const m = /labels accepted (\d+) \((\d+) positive\) of (\d+) sent; (\d+) queued, (\d+) dropped/.exec(stdout);
  if (!m) throw new Error(`no label summary in:\n${stdout}`);
  const [accepted, positives, sent, queued, dropped] = m.slice(1).map(Number) as [number, number, number, number, number];
  return { accepted, positives, sent, queued, dropped };
}

describe('npm run simulate --labels against a running service', () => {
  let service: RunningApp;
  beforeAll(async () => {
    service = await startApp();
  });
  afterAll(async () => {
    await service?.close();
  });

  it('every label the simulator reports accepted is counted by the service: ml_feedback_total, the confusion matrix, the delay histogram; the same seed sends the same labels', async () => {
    // 30 requests of 10 rows, half of them labelled after an exponential delay of mean 0.3 s.
    const args = ['--url', service.url, '--rate', '20', '--duration', '1.5', '--batch', '10', '--labels', '--label-delay', 'exp:0.3'];
    const first = await simulate(...args, '--label-share', '0.5', '--seed', '5');
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('labels for 50% of predictions after exponential, mean 0.3 s, true relationship');
    expect(first.stdout).toContain('statuses {"200":30}');
    const labels = labelSummary(first.stdout);
    // Binomial(300, 0.5): within 4 sd (8.7) of 150.
    expect(Math.abs(labels.accepted - 150)).toBeLessThan(35);
    expect(labels).toMatchObject({ sent: labels.accepted, queued: labels.accepted, dropped: 0 });

    const metrics = parseExposition(await (await fetch(`${service.url}/metrics`)).text());
    const sum = (name: string, match: Record<string, string> = {}) =>
      metrics.find(name, { ...MODEL, ...match }).reduce((s, sample) => s + sample.value, 0);
    expect(metrics.value('ml_feedback_total', { outcome: 'accepted' })).toBe(labels.accepted);
    expect(sum('ml_feedback_labels_total')).toBe(labels.accepted);
    expect(sum('ml_feedback_labels_total', { label: 'positive' })).toBe(labels.positives);
    expect(metrics.value('ml_feedback_label_delay_seconds_count', MODEL)).toBe(labels.accepted);
    expect(sum('ml_prediction_decisions_total')).toBe(300);

    // Same seed: the same rows, the same labels (the share and the draws follow --seed).
    const again = await simulate(...args, '--label-share', '0.5', '--seed', '5');
    expect(again.code, again.stderr).toBe(0);
    expect(labelSummary(again.stdout)).toEqual(labels);
  });
});

describe('npm run simulate: label options on the command line', () => {
  const run = (...args: string[]) => spawnSync(TSX, ['scripts/simulate.ts', ...args], { cwd: ROOT, encoding: 'utf8' });

  it('a label option without --labels, a share outside 0..1 or a bad delay -> one line on stderr, exit 2', () => {
    const cases: [string[], string][] = [
      [['--label-delay', '5'], '--label-delay needs --labels'],
      [['--concept-drift'], '--concept-drift needs --labels'],
      [['--labels', '--label-share', '1.5'], '--label-share must be a number from 0 to 1'],
      [['--labels', '--label-delay', 'soon'], 'bad --label-delay "soon"'],
    ];
    for (const [args, message] of cases) {
      const result = run(...args);
      expect(result.status, args.join(' ')).toBe(2);
      expect(result.stderr).toContain(message);
      expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(result.stdout).toBe('');
    }
  });

  it('--labels with rows the generating process cannot label (a --drift to an unknown category) -> exit 2 before any request', () => {
    // Nothing listens on port 9: a request would fail with ECONNREFUSED and exit 1 instead.
    const result = run('--url', 'http://127.0.0.1:9', '--labels', '--drift', 'merchant_category=crypto');
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('merchant_category is "crypto", not one of grocery');
  });
});

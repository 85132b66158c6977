/** The study's markdown tables: rates with 95 % Wilson intervals, one row per scenario. */
import { formatRate } from './wilson.js';
import { targetHits, type StudyCell, type WindowOutcome } from './study.js';

const row = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
const rule = (n: number) => row(Array.from({ length: n }, () => '---'));

export function nullTable(cells: readonly StudyCell[], methods: readonly string[]): string {
  const lines = [row(['method', 'window', 'any feature flagged', 'dataset drift', 'missing signal (tolerance)'])];
  lines.push(rule(5));
  for (const method of methods) {
    for (const cell of cells.filter((c) => c.scenario.feature === undefined && c.scenario.name === 'no drift')) {
      const o = cell.outcomes[method] ?? [];
      lines.push(
        row([
          method,
          cell.size.toLocaleString('en'),
          formatRate(o.filter((x) => x.drifted.length > 0).length, o.length),
          formatRate(o.filter((x) => x.dataset).length, o.length),
          method === 'tolerance' ? formatRate(o.filter((x) => x.missing.length > 0).length, o.length) : 'n/a',
        ]),
      );
    }
  }
  return lines.join('\n');
}

/**
 * Per window size: each shift's rate of flagging its feature (for the missingness shift, the
 * tolerance method's missing-share signal; for a shift without one feature, dataset drift),
 * the dataset-drift rate, and the rate of flagging any *other* feature (false alarms under a shift).
 */
export function powerTable(cells: readonly StudyCell[], methods: readonly string[], size: number): string {
  const header = ['shift', 'feature'];
  for (const m of methods) header.push(`${m}: feature flagged`, `${m}: dataset drift`);
  const lines = [row(header), rule(header.length)];
  for (const cell of cells.filter((c) => c.size === size && c.scenario.name !== 'no drift')) {
    const out = [cell.scenario.name, cell.scenario.feature ?? '(dataset)'];
    for (const m of methods) {
      const o = cell.outcomes[m] ?? [];
      out.push(formatRate(targetHits(cell, m), o.length), formatRate(o.filter((x) => x.dataset).length, o.length));
    }
    lines.push(row(out));
  }
  return lines.join('\n');
}

/** The tolerance method's signals under each shift: which of its tests fired, and on other features. */
export function signalTable(cells: readonly StudyCell[], size: number): string {
  const header = ['shift', 'KS/TV on the feature', 'outlier share', 'missing share', 'any other feature'];
  const lines = [row(header), rule(header.length)];
  for (const cell of cells.filter((c) => c.size === size)) {
    const o = cell.outcomes['tolerance'];
    if (!o) continue;
    const f = cell.scenario.feature;
    const hits = (pick: (x: WindowOutcome) => readonly string[]) => (f ? o.filter((x) => pick(x).includes(f)).length : 0);
    lines.push(
      row([
        cell.scenario.name,
        f
          ? formatRate(
              hits((x) => x.distance),
              o.length,
            )
          : '',
        f
          ? formatRate(
              hits((x) => x.outlier),
              o.length,
            )
          : '',
        f
          ? formatRate(
              hits((x) => x.missing),
              o.length,
            )
          : '',
        formatRate(o.filter((x) => [...x.drifted, ...x.missing].some((name) => name !== f)).length, o.length),
      ]),
    );
  }
  return lines.join('\n');
}

/** Median evaluation time per method and window size (the features only, in this process). */
export function timingTable(cells: readonly StudyCell[], methods: readonly string[]): string {
  const sizes = [...new Set(cells.map((c) => c.size))];
  const lines = [row(['method', ...sizes.map((s) => `${s.toLocaleString('en')} rows: median ms (p95)`)]), rule(sizes.length + 1)];
  for (const m of methods) {
    lines.push(
      row([
        m,
        ...sizes.map((s) => {
          const ms = cells
            .filter((c) => c.size === s)
            .flatMap((c) => (c.outcomes[m] ?? []).map((o) => o.ms))
            .sort((a, b) => a - b);
          const at = (q: number) => ms[Math.min(ms.length - 1, Math.floor(q * ms.length))] ?? Number.NaN;
          return `${at(0.5).toFixed(1)} (${at(0.95).toFixed(1)})`;
        }),
      ]),
    );
  }
  return lines.join('\n');
}

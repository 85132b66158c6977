import { describe, expect, it } from 'vitest';
import {
  CategoryDictionary,
  categoricalColumns,
  evaluateDrift,
  numericalColumn,
  prepareReference,
  type Column,
  type DriftReport,
} from '../../../../src/drift/index.js';
import { benjaminiHochberg } from '../../../../src/drift/stats/benjamini-hochberg.js';
import { datasets, expectClose, loadFixture, num, type FixtureColumn, type FixtureNumber } from '../fixtures.js';

interface ExpectedColumn {
  status: string;
  stattest: string;
  statistic: FixtureNumber;
  p_value_raw: FixtureNumber;
  p_value: FixtureNumber;
  psi: FixtureNumber;
  drifted: boolean;
}
interface Dataset {
  name: string;
  min_rows: number;
  columns: FixtureColumn[];
  expected: {
    dataset_drift: boolean;
    share_of_drifted_columns: FixtureNumber;
    drifted_columns: string[];
    number_of_columns: number;
    columns: Record<string, ExpectedColumn>;
  };
}
const fixture = loadFixture<{ datasets: Dataset[] }>('robust-datasets.json');

describe('method "robust" matches its Python re-implementation', () => {
  for (const d of fixture.datasets) {
    it(d.name, () => {
      const { reference, current } = datasets(d.columns);
      const report = evaluateDrift(prepareReference(reference, { method: 'robust', minRows: d.min_rows }), current);
      expect(report.drifted_columns).toEqual(d.expected.drifted_columns);
      expect(report.dataset_drift).toBe(d.expected.dataset_drift);
      expectClose(report.share_of_drifted_columns, num(d.expected.share_of_drifted_columns), 'share');
      for (const [name, want] of Object.entries(d.expected.columns)) {
        const got = report.columns[name]!;
        expect({ name, status: got.status, stattest: got.stattest, drifted: got.drifted }).toEqual({
          name,
          status: want.status,
          stattest: want.stattest,
          drifted: want.drifted,
        });
        expectClose(got.statistic, num(want.statistic), `${name} statistic`);
        expectClose(got.p_value_raw!, num(want.p_value_raw), `${name} raw p`);
        expectClose(got.p_value!, num(want.p_value), `${name} BH p`);
        expectClose(got.psi, num(want.psi), `${name} psi`);
      }
    });
  }

  it('the fixtures hold drifted, clean, significant-but-small and insufficient columns', () => {
    const all = fixture.datasets.flatMap((d) => Object.values(d.expected.columns));
    expect(all.some((c) => c.drifted)).toBe(true);
    expect(all.some((c) => c.status === 'ok' && !c.drifted && num(c.p_value) < 0.05)).toBe(true);
    expect(all.some((c) => c.status === 'insufficient_data')).toBe(true);
    expect(all.some((c) => c.status === 'degenerate')).toBe(true);
  });
});

/** Seeded standard normals (mulberry32 + Box-Muller). */
function normals(seed: number, n: number, mean = 0, sd = 1): number[] {
  let a = seed >>> 0;
  const u = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  return Array.from({ length: n }, () => mean + sd * Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u()));
}

const robust = (reference: Column[], current: Column[], options = {}): DriftReport =>
  evaluateDrift(prepareReference(reference, { method: 'robust', ...options }), current);

describe('robust decisions', () => {
  const reference = [numericalColumn('x', normals(1, 20000))];

  it('a window from the reference distribution does not drift; a window shifted by 0.5 sd does', () => {
    const clean = robust(reference, [numericalColumn('x', normals(2, 2000))]);
    expect(clean.columns['x']).toMatchObject({ status: 'ok', drifted: false, stattest: 'ks' });
    expect(clean.dataset_drift).toBe(false);
    const shifted = robust(reference, [numericalColumn('x', normals(3, 2000, 0.5))]);
    expect(shifted.columns['x']).toMatchObject({ status: 'ok', drifted: true });
    expect(shifted.columns['x']!.psi).toBeGreaterThan(0.1);
    expect(shifted.columns['x']!.tests.map((t) => [t.stattest, t.direction, t.drifted])).toEqual([
      ['ks', 'p_below', true],
      ['psi', 'distance_above', true],
    ]);
  });

  it('a huge window with a trivial shift is significant but too small to report (PSI gate)', () => {
    const r = robust(reference, [numericalColumn('x', normals(4, 10000, 0.07))]).columns['x']!;
    expect(r.p_value!).toBeLessThan(0.05);
    expect(r.psi).toBeLessThan(0.1);
    expect(r.drifted).toBe(false);
    expect(r.tests[0]!.drifted).toBe(true);
    expect(r.tests[1]!.drifted).toBe(false);
  });

  it('one extreme value in the window moves the robust PSI by about 1/n; Evidently’s pooled Sturges bins go blind', () => {
    const window = normals(5, 1000, 0.5);
    const withOutlier = [...window.slice(0, 999), 1e9];
    const before = robust(reference, [numericalColumn('x', window)]).columns['x']!;
    const after = robust(reference, [numericalColumn('x', withOutlier)]).columns['x']!;
    expect(Math.abs(after.psi - before.psi)).toBeLessThan(0.01);
    expect(after.drifted).toBe(true);
    // The outlier stretches Evidently's bins over [min, 1e9]: every other value shares the first bin.
    const evidentlyPsi = (cur: number[]) =>
      evaluateDrift(prepareReference(reference, { method: 'evidently' }), [numericalColumn('x', cur)]).columns['x']!.psi;
    expect(evidentlyPsi(window)).toBeGreaterThan(0.1);
    expect(evidentlyPsi(withOutlier)).toBeLessThan(0.01);
  });

  it('fewer than minRows current values: insufficient data, statistics shown, no decision, not in the BH family', () => {
    const r = robust(reference, [numericalColumn('x', normals(6, 99, 3))]).columns['x']!;
    expect(r).toMatchObject({ status: 'insufficient_data', drifted: false, n_current: 99 });
    expect(r.reason).toMatch(/fewer than minRows = 100/);
    expect(r.statistic).toBeGreaterThan(0.5);
    expect(r.tests.every((t) => !t.drifted)).toBe(true);
    expect(robust(reference, [numericalColumn('x', normals(6, 100, 3))]).columns['x']!.drifted).toBe(true);
    expect(robust(reference, [numericalColumn('x', normals(6, 99, 3))], { minRows: 50 }).columns['x']!.drifted).toBe(true);
  });

  it('p-values are Benjamini-Hochberg adjusted across the columns tested', () => {
    const ref = Array.from({ length: 8 }, (_, k) => numericalColumn(`f${k}`, normals(10 + k, 3000)));
    const cur = Array.from({ length: 8 }, (_, k) => numericalColumn(`f${k}`, normals(20 + k, 500, k * 0.05)));
    const report = robust(ref, cur);
    const raw = ref.map((c) => report.columns[c.name]!.p_value_raw!);
    const adjusted = benjaminiHochberg(raw);
    ref.forEach((c, k) => {
      expect(report.columns[c.name]!.p_value).toBe(adjusted[k]);
      expect(report.columns[c.name]!.tests[0]!.p_value).toBe(adjusted[k]);
      expect(report.columns[c.name]!.p_value!).toBeGreaterThanOrEqual(raw[k]!);
    });
  });

  it('dataset drift: any drifted column by default (Simes), or a share when driftShare is given', () => {
    const ref = Array.from({ length: 4 }, (_, k) => numericalColumn(`f${k}`, normals(30 + k, 3000)));
    const cur = Array.from({ length: 4 }, (_, k) => numericalColumn(`f${k}`, normals(40 + k, 1000, k === 0 ? 1 : 0)));
    const any = robust(ref, cur);
    expect(any).toMatchObject({ dataset_drift: true, drifted_columns: ['f0'], share_of_drifted_columns: 0.25, number_of_columns: 4 });
    expect(robust(ref, cur, { driftShare: 0.5 }).dataset_drift).toBe(false);
    expect(robust(ref, cur, { driftShare: 0.25 }).dataset_drift).toBe(true);
  });
});

describe('robust categorical columns', () => {
  it('a shifted category mix drifts (chi-square homogeneity + PSI over categories)', () => {
    const ref = Array.from({ length: 3000 }, (_, k) => (k % 10 < 6 ? 'pos' : k % 10 < 9 ? 'web' : 'app'));
    const cur = Array.from({ length: 1000 }, (_, k) => (k % 10 < 3 ? 'pos' : k % 10 < 6 ? 'web' : 'app'));
    const { reference, current } = categoricalColumns('channel', ref, cur);
    const r = robust([reference], [current]).columns['channel']!;
    expect(r).toMatchObject({ column_type: 'cat', stattest: 'chisquare', drifted: true, unseen_ratio: 0 });
  });

  it('reports unseen categories and missing values as their own signals, beside the reference rate', () => {
    const dictionary = new CategoryDictionary();
    const refValues = dictionary.encode([
      ...Array.from({ length: 950 }, (_, k) => (k % 2 ? 'a' : 'b')),
      ...Array.from({ length: 50 }, () => null),
    ]);
    const reference: Column = { name: 'c', kind: 'categorical', values: refValues, categories: dictionary.categories };
    // The current window brings a new value: the dictionary grows, reference codes stay.
    const curValues = dictionary.encode([
      ...Array.from({ length: 160 }, (_, k) => (k % 2 ? 'a' : 'b')),
      ...Array.from({ length: 40 }, () => 'new'),
      ...Array.from({ length: 50 }, () => null),
    ]);
    const current: Column = { name: 'c', kind: 'categorical', values: curValues, categories: dictionary.categories };
    const r = robust([reference], [current]).columns['c']!;
    expect(r.unseen_ratio).toBeCloseTo(40 / 200, 15);
    expect(r.missing_ratio).toBeCloseTo(50 / 250, 15);
    expect(r.reference_missing_ratio).toBeCloseTo(50 / 1000, 15);
    expect(r.drifted).toBe(true);
  });

  it('one category in both samples is degenerate: p = 1, no drift, a reason', () => {
    const { reference, current } = categoricalColumns('c', Array(500).fill('x'), Array(200).fill('x'));
    const r = robust([reference], [current]).columns['c']!;
    expect(r).toMatchObject({ status: 'degenerate', drifted: false, statistic: 0, p_value: 1, psi: 0 });
    expect(r.reason).toMatch(/single category/);
  });

  it('categories that are not the reference’s (or an extension of them) are a programming error', () => {
    const { reference } = categoricalColumns('c', ['a', 'b'], []);
    const wrong: Column = { name: 'c', kind: 'categorical', values: Float64Array.of(0), categories: ['b', 'a'] };
    expect(() => robust([reference], [wrong])).toThrow(TypeError);
  });
});

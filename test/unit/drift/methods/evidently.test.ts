import { describe, expect, it } from 'vitest';
import { evaluateDrift, evidentlyStattest, numericalColumn, prepareReference, type Column } from '../../../../src/drift/index.js';
import { datasets, expectClose, loadFixture, num, type FixtureColumn, type FixtureNumber } from '../fixtures.js';

interface Expected {
  dataset_drift: boolean;
  share_of_drifted_columns: FixtureNumber;
  drifted_columns: string[];
  number_of_columns: number;
  columns: Record<string, { stattest: string; score: FixtureNumber; drifted: boolean; psi: FixtureNumber }>;
}
const fixture = loadFixture<{ datasets: { name: string; columns: FixtureColumn[]; expected: Expected }[] }>('evidently-datasets.json');
const EVIDENTLY = { method: 'evidently', minRows: 1 } as const;

describe('method "evidently" reproduces Evidently 0.7 DataDriftPreset (Python re-implementation)', () => {
  for (const d of fixture.datasets) {
    it(d.name, () => {
      const { reference, current } = datasets(d.columns);
      const report = evaluateDrift(prepareReference(reference, EVIDENTLY), current);
      expect(report.method).toBe('evidently');
      expect(report.number_of_columns).toBe(d.expected.number_of_columns);
      expect(report.drifted_columns).toEqual(d.expected.drifted_columns);
      expect(report.dataset_drift).toBe(d.expected.dataset_drift);
      expectClose(report.share_of_drifted_columns, num(d.expected.share_of_drifted_columns), 'share');
      for (const [name, want] of Object.entries(d.expected.columns)) {
        const got = report.columns[name]!;
        expect(got.stattest, name).toBe(want.stattest);
        expect(got.drifted, name).toBe(want.drifted);
        expectClose(got.score, num(want.score), `${name} score`);
        expectClose(got.psi, num(want.psi), `${name} psi`);
        expect(got.threshold).toBe(want.stattest === 'ks' || want.stattest === 'z' || want.stattest === 'chisquare' ? 0.05 : 0.1);
      }
    });
  }

  it('the fixtures exercise every stattest of the default preset', () => {
    const used = new Set(fixture.datasets.flatMap((d) => Object.values(d.expected.columns).map((c) => c.stattest)));
    expect(used).toEqual(new Set(['ks', 'z', 'chisquare', 'jensenshannon', 'wasserstein']));
  });
});

describe('Evidently’s test selection', () => {
  it('switches at 1000 reference rows and at 2 / 5 distinct values', () => {
    expect(evidentlyStattest('numerical', 1000, 2).name).toBe('z');
    expect(evidentlyStattest('numerical', 1000, 3).name).toBe('chisquare');
    expect(evidentlyStattest('numerical', 1000, 5).name).toBe('chisquare');
    expect(evidentlyStattest('numerical', 1000, 6).name).toBe('ks');
    expect(evidentlyStattest('categorical', 1000, 2).name).toBe('z');
    expect(evidentlyStattest('categorical', 1000, 40).name).toBe('chisquare');
    expect(evidentlyStattest('numerical', 1001, 5).name).toBe('jensenshannon');
    expect(evidentlyStattest('numerical', 1001, 6).name).toBe('wasserstein');
    expect(evidentlyStattest('categorical', 1001, 2).name).toBe('jensenshannon');
  });

  it('a category absent from the reference: chisquare p = 0, drift, statistic reported as Number.MAX_VALUE with a reason', () => {
    const ref: Column = {
      name: 'c',
      kind: 'categorical',
      values: Float64Array.from({ length: 300 }, (_, k) => k % 3),
      categories: ['a', 'b', 'c', 'd'],
    };
    const cur: Column = { ...ref, values: Float64Array.from({ length: 100 }, (_, k) => k % 4) };
    const column = evaluateDrift(prepareReference([ref], EVIDENTLY), [cur]).columns['c']!;
    expect(column).toMatchObject({
      stattest: 'chisquare',
      p_value: 0,
      score: 0,
      drifted: true,
      statistic: Number.MAX_VALUE,
      unseen_ratio: 0.25,
    });
    expect(column.reason).toMatch(/Infinity/);
  });

  it('an empty current window: insufficient data, score 1, no drift, no throw (Evidently raises)', () => {
    const ref = numericalColumn(
      'x',
      Array.from({ length: 50 }, (_, k) => k),
    );
    const report = evaluateDrift(prepareReference([ref], EVIDENTLY), [numericalColumn('x', [Number.NaN, null, Infinity])]);
    expect(report.columns['x']).toMatchObject({
      status: 'insufficient_data',
      drifted: false,
      score: 1,
      p_value: 1,
      missing_ratio: 1,
      n_current: 0,
    });
    expect(report.columns['x']!.reason).toMatch(/empty current window/);
    expect(report.dataset_drift).toBe(false);
  });

  it('an all-missing reference: degenerate, with a reason', () => {
    const report = evaluateDrift(prepareReference([numericalColumn('x', [null, null])], EVIDENTLY), [numericalColumn('x', [1, 2, 3])]);
    expect(report.columns['x']).toMatchObject({ status: 'degenerate', drifted: false, reference_missing_ratio: 1 });
  });

  it('minRows applies to evidently too: fewer current values give insufficient data and no drift', () => {
    const ref = numericalColumn(
      'x',
      Array.from({ length: 500 }, (_, k) => k % 50),
    );
    const cur = numericalColumn(
      'x',
      Array.from({ length: 20 }, () => 1000),
    );
    const decided = evaluateDrift(prepareReference([ref], EVIDENTLY), [cur]);
    expect(decided.columns['x']).toMatchObject({ status: 'ok', drifted: true });
    const undecided = evaluateDrift(prepareReference([ref], { method: 'evidently', minRows: 30 }), [cur]);
    expect(undecided.columns['x']).toMatchObject({ status: 'insufficient_data', drifted: false, stattest: 'ks' });
    expect(undecided.columns['x']!.p_value).toBeLessThan(0.05);
  });
});

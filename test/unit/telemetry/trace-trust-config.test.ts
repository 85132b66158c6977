import { describe, expect, it } from 'vitest';
import { loadTracingConfig } from '../../../src/config/index.js';

describe('loadTracingConfig: TRACES_TRUST_REMOTE_PARENT and TRACES_MAX_SAMPLED_PER_SECOND', () => {
  it("defaults: the caller's traceparent is trusted, sampled traces are capped at 2500/s", () => {
    expect(loadTracingConfig({})).toMatchObject({ trustRemoteParent: true, maxSampledPerSecond: 2500 });
  });

  it('reads both, the flag in any case', () => {
    expect(loadTracingConfig({ TRACES_TRUST_REMOTE_PARENT: 'FALSE', TRACES_MAX_SAMPLED_PER_SECOND: ' 5 ' })).toMatchObject({
      trustRemoteParent: false,
      maxSampledPerSecond: 5,
    });
  });

  it('refuses a cap that is not a positive integer and a flag that is not true/false, naming the variable', () => {
    for (const cap of ['0', '-1', '2.5', 'lots']) {
      expect(() => loadTracingConfig({ TRACES_MAX_SAMPLED_PER_SECOND: cap })).toThrow(
        /^invalid environment: TRACES_MAX_SAMPLED_PER_SECOND=/,
      );
    }
    expect(() => loadTracingConfig({ TRACES_TRUST_REMOTE_PARENT: 'no' })).toThrow(/^invalid environment: TRACES_TRUST_REMOTE_PARENT="no"/);
  });
});

import { describe, expect, it } from 'vitest';
import { findForbiddenKey } from '../../src/routes/json-body.js';

describe('findForbiddenKey', () => {
  it('names the path of a "__proto__" key at any depth, arrays in brackets', () => {
    expect(findForbiddenKey(JSON.parse('{"a":[1,{"b":{"__proto__":{}}}]}'))).toEqual({ field: 'a[1].b.__proto__', key: '__proto__' });
    expect(findForbiddenKey(JSON.parse('{"__proto__":1}'))).toEqual({ field: '__proto__', key: '__proto__' });
  });

  it('flags "constructor" only when it holds "prototype"', () => {
    expect(findForbiddenKey({ constructor: 'x', c: { constructor: {} } })).toBeUndefined();
    expect(findForbiddenKey({ c: { constructor: { prototype: {} } } })).toEqual({ field: 'c.constructor', key: 'constructor' });
  });

  it('walks 200,000 levels of nesting without overflowing the stack', () => {
    const depth = 200_000;
    const deep = JSON.parse(`${'{"a":'.repeat(depth)}{"__proto__":1}${'}'.repeat(depth)}`);
    const hit = findForbiddenKey(deep);
    expect(hit?.key).toBe('__proto__');
    expect(hit?.field.endsWith('a.a.__proto__')).toBe(true);
  });
});

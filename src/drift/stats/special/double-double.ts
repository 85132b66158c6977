/**
 * Double-double arithmetic (a value is hi + lo, about 106 significant bits), the subset that
 * scipy's smirnov() needs: a port of xsf `cephes/dd_real.h`, itself from the QD package by Hida,
 * Li and Bailey (LBNL, modified BSD licence), with the same operations in the same order.
 *
 * Two departures, neither changing a result:
 *   - C's fma() is not available in JavaScript, so the error of a product comes from Dekker's
 *     splitting, which is exact for every product that neither overflows nor underflows (Dekker
 *     1971, "A floating-point technique for extending the available precision");
 *   - smirnov() evaluates thousands of terms per call, so nothing here allocates: every operation
 *     leaves its result in the registers R (R[HI], R[LO], and R[EXP] for frexp), which the caller
 *     reads at once.
 */

/** Result registers: R[HI] + R[LO] is the last double-double result, R[EXP] the last frexp exponent. */
export const R = new Float64Array(3);
export const HI = 0;
export const LO = 1;
export const EXP = 2;

const SPLITTER = 134217729.0; // 2^27 + 1

/** The rounding error of p = a * b (two_prod). */
function prodErr(a: number, b: number, p: number): number {
  let t = SPLITTER * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLITTER * b;
  const bh = t - (t - b);
  const bl = b - bh;
  return ah * bh - p + ah * bl + al * bh + al * bl;
}

/** quick_two_sum(a, b), |a| >= |b|: into R. */
export function quickTwoSum(a: number, b: number): void {
  const s = a + b;
  R[LO] = b - (s - a);
  R[HI] = s;
}

/** (ah, al) + (bh, bl), the IEEE-style sum of Briggs and Kahan. */
export function ddAdd(ah: number, al: number, bh: number, bl: number): void {
  let s1 = ah + bh;
  let c = s1 - ah;
  let s2 = ah - (s1 - c) + (bh - c);
  const t1 = al + bl;
  c = t1 - al;
  const t2 = al - (t1 - c) + (bl - c);
  s2 += t1;
  let s = s1 + s2;
  s2 = s2 - (s - s1);
  s1 = s;
  s2 += t2;
  s = s1 + s2;
  R[LO] = s2 - (s - s1);
  R[HI] = s;
}

/** (ah, al) + b. */
export function ddAddD(ah: number, al: number, b: number): void {
  const s1 = ah + b;
  const c = s1 - ah;
  let s2 = ah - (s1 - c) + (b - c);
  s2 += al;
  quickTwoSum(s1, s2);
}

/** (ah, al) * (bh, bl). */
export function ddMul(ah: number, al: number, bh: number, bl: number): void {
  const p1 = ah * bh;
  const p2 = prodErr(ah, bh, p1) + (ah * bl + al * bh);
  quickTwoSum(p1, p2);
}

/** (ah, al) * b. */
export function ddMulD(ah: number, al: number, b: number): void {
  const p1 = ah * b;
  const e1 = prodErr(ah, b, p1);
  const p2 = al * b;
  const e2 = prodErr(al, b, p2);
  quickTwoSum(p1, e2 + p2 + e1);
}

/** (ah, al) / (bh, bl): three quotient digits, as dd_real.h. */
export function ddDiv(ah: number, al: number, bh: number, bl: number): void {
  const q1 = ah / bh;
  ddMulD(bh, bl, q1);
  ddAdd(ah, al, -R[HI]!, -R[LO]!);
  let rh = R[HI]!;
  let rl = R[LO]!;
  const q2 = rh / bh;
  ddMulD(bh, bl, q2);
  ddAdd(rh, rl, -R[HI]!, -R[LO]!);
  rh = R[HI]!;
  rl = R[LO]!;
  const q3 = rh / bh;
  quickTwoSum(q1, q2);
  ddAddD(R[HI]!, R[LO]!, q3);
}

/** floor of a double-double. */
export function ddFloor(ah: number, al: number): void {
  const hi = Math.floor(ah);
  if (hi === ah) {
    quickTwoSum(hi, Math.floor(al));
  } else {
    R[HI] = hi;
    R[LO] = 0;
  }
}

// -- frexp / ldexp on doubles, exactly as C's ---------------------------------------------------

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
// Little-endian hosts (every platform Node supports): u32[1] holds sign, exponent, high mantissa.

/** 2^k for every k in [-1074, 1023], exact (2 ** k is exact in V8; the tests check the table). */
export const POW2 = Float64Array.from({ length: 2098 }, (_, i) => 2 ** (i - 1074));

/** C frexp: returns m with x = m * 2^e, 0.5 <= |m| < 1, and leaves e in R[EXP]. */
export function frexp(x: number): number {
  if (x === 0 || !Number.isFinite(x)) {
    R[EXP] = 0;
    return x;
  }
  f64[0] = x;
  let biased = (u32[1]! >>> 20) & 0x7ff;
  let shift = 0;
  if (biased === 0) {
    // Subnormal: scale into the normal range first.
    f64[0] = x * 2 ** 64;
    biased = (u32[1]! >>> 20) & 0x7ff;
    shift = -64;
  }
  R[EXP] = biased - 1022 + shift;
  u32[1] = (u32[1]! & 0x800fffff) | (1022 << 20);
  return f64[0]!;
}

/** C ldexp: x * 2^e, rounded once. Leaves R untouched. */
export function ldexp(x: number, e: number): number {
  // One multiplication by an exact power of two rounds once, as ldexp does.
  if (e >= -1022 && e <= 1023) return x * POW2[e + 1074]!;
  if (x === 0 || !Number.isFinite(x)) return x;
  f64[0] = x;
  let biased = (u32[1]! >>> 20) & 0x7ff;
  let scaled = x;
  let shift = 0;
  if (biased === 0) {
    scaled = x * 2 ** 64;
    f64[0] = scaled;
    biased = (u32[1]! >>> 20) & 0x7ff;
    shift = -64;
  }
  // x = m * 2^xe with 0.5 <= |m| < 1
  const xe = biased - 1022 + shift;
  u32[1] = (u32[1]! & 0x800fffff) | (1022 << 20);
  const m = f64[0]!;
  const t = xe + e;
  if (t > 1024) return m * Infinity;
  if (t >= -1021) return m * 2 * POW2[t - 1 + 1074]!;
  // A subnormal result: m * 2^(t + 1074) is exact, the final scaling rounds once.
  if (t + 1074 < -1) return m * 0;
  return m * POW2[t + 1074 + 1074]! * POW2[0]!;
}

/** frexp of a double-double (dd_real.h): mantissa into R[HI], R[LO], exponent into R[EXP]. */
export function ddFrexp(ah: number, al: number): void {
  let man = frexp(ah);
  let exponent = R[EXP]!;
  let b1 = ldexp(al, -exponent);
  if (Math.abs(man) === 0.5 && man * b1 < 0) {
    man *= 2;
    b1 *= 2;
    exponent -= 1;
  }
  R[HI] = man;
  R[LO] = b1;
  R[EXP] = exponent;
}

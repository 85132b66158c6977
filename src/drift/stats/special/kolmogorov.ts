/**
 * Kolmogorov's limiting distribution and Smirnov's one-sided distribution: a port of xsf
 * `cephes/kolmogorov.h` (scipy.special.kolmogorov and scipy.special.smirnov), by Paul van Mulbregt
 * for scipy. Only the survival/CDF parts are ported (not the pdf or the inverses).
 *
 * Sources cited there: Smirnov (1944); Birnbaum & Tingey (1951), Ann. Math. Statist.
 * doi:10.1214/aoms/1177729550; Dwass (1959) doi:10.1214/aoms/1177706085; van Mulbregt (2018),
 * "Computing the CDF and quantiles of the one-sided Kolmogorov-Smirnov statistic", arXiv:1802.06966.
 */
import { MINLOG, expm1 } from './cephes.js';
import { EXP, HI, LO, R, ddAdd, ddAddD, ddDiv, ddFloor, ddFrexp, ddMul, ddMulD, ldexp } from './double-double.js';

const MIN_EXPABLE = -708 - 38;
const KOLMOG_CUTOVER = 0.82;
const SMIRNOV_MAX_COMPUTE_N = 1000000;
const SM_UPPER_MAX_TERMS = 3;
const SM_UPPERSUM_MIN_N = 10;
const SM_MAX_EXPONENT = 960;
const EPSILON = Number.EPSILON;

export interface TailProbabilities {
  readonly sf: number;
  readonly cdf: number;
}

const clamp01 = (p: number) => Math.min(1, Math.max(0, p));

/** Kolmogorov's limiting distribution K(x) = P(sqrt(n) D_n <= x) as n -> inf; sf and cdf. */
export function kolmogorovProbabilities(x: number): TailProbabilities {
  if (Number.isNaN(x)) return { sf: Number.NaN, cdf: Number.NaN };
  if (x <= 0) return { sf: 1.0, cdf: 0.0 };
  // x <= 0.040611972203751713
  if (x <= Math.PI / Math.sqrt(-MIN_EXPABLE * 8)) return { sf: 1.0, cdf: 0.0 };
  let P = 1.0;
  let sf: number;
  let cdf: number;
  if (x <= KOLMOG_CUTOVER) {
    // u = e^(-pi^2/(8x^2)), w = sqrt(2pi)/x, P = w*u * (1 + u^8 + u^24 + u^48 + ...)
    const w = Math.sqrt(2 * Math.PI) / x;
    const logu8 = (-Math.PI * Math.PI) / (x * x);
    const u = Math.exp(logu8 / 8);
    if (u === 0) {
      P = Math.exp(logu8 / 8 + Math.log(w));
    } else {
      const u8 = Math.exp(logu8);
      const u8cub = Math.pow(u8, 3);
      P = 1 + u8cub * P;
      P = 1 + u8 * u8 * P;
      P = 1 + u8 * P;
      P = w * u * P;
    }
    cdf = P;
    sf = 1 - P;
  } else {
    // v = e^(-2x^2), P = 2 (v - v^4 + v^9 - v^16 + ...)
    const v = Math.exp(-2 * x * x);
    const vsq = v * v;
    const v3 = Math.pow(v, 3);
    let vpwr = v3 * v3 * v;
    P = 1 - vpwr * P;
    vpwr = v3 * vsq;
    P = 1 - vpwr * P;
    vpwr = v3;
    P = 1 - vpwr * P;
    P = 2 * v * P;
    sf = P;
    cdf = 1 - sf;
  }
  return { sf: clamp01(sf), cdf: clamp01(cdf) };
}

/** scipy.special.kolmogorov(x): the survival function of Kolmogorov's limiting distribution. */
export const kolmogorov = (x: number): number => kolmogorovProbabilities(x).sf;

// -- Smirnov -----------------------------------------------------------------------------------
// Double-double values travel as (hi, lo) pairs of numbers; every helper leaves its result in the
// registers R (see double-double.ts), read at once by the caller.

/** The binomial coefficient as mantissa (double-double) and binary exponent (updateBinomial). */
let cmanHi = 1;
let cmanLo = 0;
let cexpt = 0;

function updateBinomial(n: number, j: number): void {
  ddDiv(n - j, 0, j + 1.0, 0);
  ddMul(cmanHi, cmanLo, R[HI]!, R[LO]!);
  ddFrexp(R[HI]!, R[LO]!);
  cmanHi = R[HI]!;
  cmanLo = R[LO]!;
  cexpt += R[EXP]!;
}

/** a^m for a double-double a, trading accuracy for time with pow() as xsf does (pow_D). */
function powD(ah: number, al: number, m: number): void {
  if (m <= 0) {
    if (m === 0) {
      R[HI] = 1;
      R[LO] = 0;
      return;
    }
    powD(ah, al, -m);
    ddDiv(1.0, 0, R[HI]!, R[LO]!);
    return;
  }
  if (ah === 0 && al === 0) {
    R[HI] = 0;
    R[LO] = 0;
    return;
  }
  const ans = Math.pow(ah, m);
  const r = al / ah;
  let adj = m * r;
  if (Math.abs(adj) > 1e-8) {
    if (Math.abs(adj) < 1e-4) {
      // First two terms of the Taylor series of (1+r)^m.
      adj += m * r * (((m - 1) / 2.0) * r);
    } else {
      adj = expm1(m * Math.log1p(r));
    }
  }
  ddAddD(ans, 0, ans * adj);
}

/** Smallest power of 2 not below x (nextPowerOf2). */
function nextPowerOf2(x: number): number {
  const q = x * 2 ** (1 - 53);
  let L = Math.abs(q + x);
  if (L === 0) {
    L = Math.abs(x);
  } else {
    const Lint = Math.trunc(L);
    if (Lint === L) L = Lint;
  }
  return L;
}

/** a^m = significand * 2^exponent, splitting the power to stay in range (pow2Scaled_D): into R. */
function pow2ScaledD(ah: number, al: number, m: number): void {
  if (m <= 0) {
    if (m === 0) {
      R[HI] = 1;
      R[LO] = 0;
      R[EXP] = 0;
      return;
    }
    pow2ScaledD(ah, al, -m);
    const aE1 = R[EXP]!;
    ddDiv(1.0, 0, R[HI]!, R[LO]!);
    ddFrexp(R[HI]!, R[LO]!);
    R[EXP] = -aE1 + R[EXP]!;
    return;
  }
  ddFrexp(ah, al);
  const yh = R[HI]!;
  const yl = R[LO]!;
  const yE = R[EXP]!;
  if (m === 1) return;
  let maxExpt = SM_MAX_EXPONENT;
  // Quick check whether the exponentiation might need breaking up.
  if ((m * (yh - 1)) / yh < -SM_MAX_EXPONENT * Math.LN2) {
    const lg2y = Math.log(yh) / Math.LN2;
    const lgAns = m * lg2y;
    if (lgAns <= -SM_MAX_EXPONENT) maxExpt = Math.trunc(nextPowerOf2(-SM_MAX_EXPONENT / lg2y + 1) / 2);
  }
  if (m <= maxExpt) {
    powD(yh, yl, m);
    ddFrexp(R[HI]!, R[LO]!);
    R[EXP] = R[EXP]! + m * yE;
    return;
  }
  const q = Math.trunc(m / maxExpt);
  const r = m % maxExpt;
  // y^m = (y^maxExpt)^q * y^r
  pow2ScaledD(yh, yl, r);
  const y2rH = R[HI]!;
  const y2rL = R[LO]!;
  const y2rE = R[EXP]!;
  pow2ScaledD(yh, yl, maxExpt);
  const y2mE = R[EXP]!;
  pow2ScaledD(R[HI]!, R[LO]!, q);
  const y2mqE = R[EXP]! + y2mE * q;
  ddMul(y2rH, y2rL, R[HI]!, R[LO]!);
  ddFrexp(R[HI]!, R[LO]!);
  R[EXP] = R[EXP]! + y2mqE + y2rE + m * yE;
}

/** ((a+b)/(c+d))^m in double-double (pow4_D): into R. */
function pow4D(a: number, b: number, c: number, d: number, m: number): void {
  if (m <= 0) {
    if (m === 0) {
      R[HI] = 1;
      R[LO] = 0;
      return;
    }
    pow4D(c, d, a, b, -m);
    return;
  }
  ddAddD(a, 0, b);
  const Ah = R[HI]!;
  const Al = R[LO]!;
  ddAddD(c, 0, d);
  const Ch = R[HI]!;
  const Cl = R[LO]!;
  if (Ah === 0 && Al === 0) {
    R[HI] = Ch === 0 && Cl === 0 ? Number.NaN : 0;
    R[LO] = R[HI]!;
    return;
  }
  if (Ch === 0 && Cl === 0) {
    R[HI] = Ah < 0 ? -Infinity : Infinity;
    R[LO] = R[HI]!;
    return;
  }
  ddDiv(Ah, Al, Ch, Cl);
  powD(R[HI]!, R[LO]!, m);
}

/** Binomial(n,v) (1-x-v/n)^(n-v) (x+v/n)^(v-1): one term of the Birnbaum-Tingey sum (computeAv). */
function computeAv(n: number, x: number, v: number): void {
  ddDiv(n - v, 0, n, 0);
  ddAddD(R[HI]!, R[LO]!, -x); // 1 - x - v/n
  pow2ScaledD(R[HI]!, R[LO]!, n - v);
  const t2h = R[HI]!;
  const t2l = R[LO]!;
  const t2E = R[EXP]!;
  ddDiv(v, 0, n, 0);
  ddAddD(R[HI]!, R[LO]!, x); // x + v/n
  pow2ScaledD(R[HI]!, R[LO]!, v - 1);
  const t1E = R[EXP]!;
  ddMul(R[HI]!, R[LO]!, t2h, t2l);
  ddMul(R[HI]!, R[LO]!, cmanHi, cmanLo);
  const e = cexpt + t1E + t2E;
  R[HI] = ldexp(R[HI]!, e);
  R[LO] = ldexp(R[LO]!, e);
}

/** Smirnov's one-sided distribution: sf = P(D_n^+ >= x), cdf = P(D_n^+ < x) (_smirnov). */
export function smirnovProbabilities(n: number, x: number): TailProbabilities {
  if (!(n > 0 && x >= 0.0 && x <= 1.0)) return { sf: Number.NaN, cdf: Number.NaN };
  if (n === 1) return { sf: 1 - x, cdf: x };
  if (x === 0.0) return { sf: 1.0, cdf: 0.0 };
  if (x === 1.0) return { sf: 0.0, cdf: 1.0 };

  // modNX: floor(n x) and its fractional part alpha, exactly, in double-double.
  ddMulD(x, 0, n);
  const nxH = R[HI]!;
  const nxL = R[LO]!;
  ddFloor(nxH, nxL);
  const flH = R[HI]!;
  const flL = R[LO]!;
  ddAdd(nxH, nxL, -flH, -flL);
  let alpha = R[HI]!;
  let nxfl = Math.trunc(flH);
  if (alpha === 1) {
    nxfl += 1;
    alpha = 0;
  }

  let n1mxfl = n - nxfl - (alpha === 0 ? 0 : 1);
  let n1mxceil = n - nxfl;
  // With alpha 0 the last term belongs to neither the lower nor the upper sum.
  if (alpha === 0) {
    n1mxfl -= 1;
    n1mxceil += 1;
  }

  // x <= 1/n
  if (nxfl === 0 || (nxfl === 1 && alpha === 0)) {
    ddAddD(1, 0, x);
    powD(R[HI]!, R[LO]!, n - 1);
    const cdf = x * R[HI]!;
    return { sf: 1 - cdf, cdf };
  }
  // The sf underflows.
  if (-2 * n * x * x < MINLOG) return { sf: 0, cdf: 1 };
  // x >= 1 - 1/n
  if (nxfl >= n - 1) {
    ddAddD(1, 0, -x);
    powD(R[HI]!, R[LO]!, n);
    const sf = R[HI]!;
    return { sf, cdf: 1 - sf };
  }
  // n too large to sum: p ~ e^(-(6nx+1)^2 / 18n)
  if (n > SMIRNOV_MAX_COMPUTE_N) {
    const logp = -Math.pow(6.0 * n * x + 1, 2) / 18.0 / n;
    if (logp < -Math.LN2) {
      const sf = Math.exp(logp);
      return { sf, cdf: 1 - sf };
    }
    const cdf = -expm1(logp);
    return { sf: 1 - cdf, cdf };
  }

  // The upper sum when n is large enough, x small enough and it has few terms; it alternates in
  // sign, losing about 1.6 bits per term.
  const nUpperTerms = n - n1mxceil + 1;
  let useUpperSum = nUpperTerms <= 1 && x < 0.5;
  useUpperSum = useUpperSum || (n >= SM_UPPERSUM_MIN_N && nUpperTerms <= SM_UPPER_MAX_TERMS && x <= 0.5 / Math.sqrt(n));

  let start = 0;
  let step = 1;
  let nTerms = n1mxfl + 1;
  const vmid = Math.trunc(n / 2);
  cmanHi = 1;
  cmanLo = 0;
  cexpt = 0;
  if (useUpperSum) {
    start = n;
    step = -1;
    nTerms = n - n1mxceil + 1;
    pow4D(1, x, 1, 0, n - 1);
  } else {
    pow4D(1, -x, 1, 0, n);
    ddDiv(R[HI]!, R[LO]!, x, 0);
  }
  ddAdd(0, 0, R[HI]!, R[LO]!);
  let sumH = R[HI]!;
  let sumL = R[LO]!;
  updateBinomial(n, 0);

  for (let j = 1; j < nTerms; j++) {
    const v = start + j * step;
    computeAv(n, x, v);
    const ajH = R[HI]!;
    const ajL = R[LO]!;
    if (Number.isFinite(ajH) && !(ajH === 0 && ajL === 0)) {
      ddAdd(sumH, sumL, ajH, ajL);
      sumH = R[HI]!;
      sumL = R[LO]!;
    }
    // Safe to stop early?
    if (ajH !== 0 || ajL !== 0) {
      if (4 * (nTerms - j) * Math.abs(ajH) < EPSILON * sumH && j !== nTerms - 1) break;
    } else if (j > vmid) {
      break;
    }
    updateBinomial(n, j);
  }
  ddMulD(sumH, sumL, x);
  const prob = R[HI]!;
  let sf: number;
  let cdf: number;
  if (step < 0) {
    cdf = prob;
    sf = 1 - prob;
  } else {
    cdf = 1 - prob;
    sf = prob;
  }
  return { sf: clamp01(sf), cdf: clamp01(cdf) };
}

/** scipy.special.smirnov(n, x) = P(D_n^+ >= x). */
export const smirnov = (n: number, x: number): number => (Number.isNaN(x) ? Number.NaN : smirnovProbabilities(n, x).sf);

/**
 * The largest squared distance between two points of a set — the maximum diameters of shape.py /
 * shape2D.py, which PyRadiomics' cshape.c finds by comparing every pair of mesh vertices. The
 * result here is bit for bit that maximum, without visiting every pair:
 *
 *   1. a lower bound: the largest distance among the extreme points of the set along 13
 *      directions (axes, face and body diagonals);
 *   2. a k-d tree over the points (split at the median of the widest axis), each node with the
 *      bounding box of its points; for two nodes, no pair of their points can be farther apart
 *      than bound² = Σ_c max(hiA_c − loB_c, hiB_c − loA_c)²;
 *   3. a dual-tree search from (root, root): a node pair whose bound does not exceed the best
 *      distance so far is skipped, otherwise the larger node is split (larger bound first), and
 *      two leaves are compared point by point.
 *
 * Exactness: a pair's squared distance is computed as Σ_c (a_c − b_c)² in coordinate order, the
 * bound with the same operations on the box corners in the same order; rounding is monotone, so
 * the computed distance of any pair in two nodes never exceeds the computed bound of the nodes.
 * A skipped node pair therefore cannot hold a pair farther apart than the maximum found.
 */

/** Below this many points, every pair is compared directly. */
const DIRECT_LIMIT = 400;

/** Points per k-d tree leaf. */
const LEAF_SIZE = 12;

/** Squared distance between points p and q (indices into `xyz`, `dim` coordinates each). */
function distance2(xyz: Float64Array, dim: 2 | 3, p: number, q: number): number {
  if (dim === 2) {
    const d0 = xyz[2 * p]! - xyz[2 * q]!;
    const d1 = xyz[2 * p + 1]! - xyz[2 * q + 1]!;
    return d0 * d0 + d1 * d1;
  }
  const d0 = xyz[3 * p]! - xyz[3 * q]!;
  const d1 = xyz[3 * p + 1]! - xyz[3 * q + 1]!;
  const d2 = xyz[3 * p + 2]! - xyz[3 * q + 2]!;
  return d0 * d0 + d1 * d1 + d2 * d2;
}

/** Every pair of points[from..to) compared directly. */
function directMax(xyz: Float64Array, dim: 2 | 3, points: Int32Array): number {
  let best = 0;
  const n = points.length;
  if (dim === 2) {
    for (let a = 0; a < n; a += 1) {
      const p = 2 * points[a]!;
      const p0 = xyz[p]!;
      const p1 = xyz[p + 1]!;
      for (let b = a + 1; b < n; b += 1) {
        const q = 2 * points[b]!;
        const d0 = p0 - xyz[q]!;
        const d1 = p1 - xyz[q + 1]!;
        const d = d0 * d0 + d1 * d1;
        if (d > best) best = d;
      }
    }
    return best;
  }
  for (let a = 0; a < n; a += 1) {
    const p = 3 * points[a]!;
    const p0 = xyz[p]!;
    const p1 = xyz[p + 1]!;
    const p2 = xyz[p + 2]!;
    for (let b = a + 1; b < n; b += 1) {
      const q = 3 * points[b]!;
      const d0 = p0 - xyz[q]!;
      const d1 = p1 - xyz[q + 1]!;
      const d2 = p2 - xyz[q + 2]!;
      const d = d0 * d0 + d1 * d1 + d2 * d2;
      if (d > best) best = d;
    }
  }
  return best;
}

/** The indices 0..n−1: every point of a set. */
export function allPoints(n: number): Int32Array {
  const out = new Int32Array(n);
  for (let p = 0; p < n; p += 1) out[p] = p;
  return out;
}

/** Directions (up to sign) whose extreme points seed the lower bound. */
const DIRECTIONS: readonly (readonly [number, number, number])[] = [
  [1, 0, 0],
  [0, 1, 0],
  [0, 0, 1],
  [1, 1, 0],
  [1, -1, 0],
  [1, 0, 1],
  [1, 0, -1],
  [0, 1, 1],
  [0, 1, -1],
  [1, 1, 1],
  [1, 1, -1],
  [1, -1, 1],
  [1, -1, -1],
];

/** The largest distance among the extreme points along DIRECTIONS: a lower bound. */
function extremePointsMax(xyz: Float64Array, dim: 2 | 3, points: Int32Array): number {
  const extremes = new Int32Array(2 * DIRECTIONS.length);
  let count = 0;
  for (const u of DIRECTIONS) {
    if (dim === 2 && u[2] !== 0) continue;
    extremesAlong(xyz, dim, points, u[0], u[1], u[2], extremes, count);
    count += 2;
  }
  return directMax(xyz, dim, extremes.subarray(0, count));
}

/** out[at], out[at + 1] = the points with the least and the largest projection on u. */
function extremesAlong(
  xyz: Float64Array,
  dim: number,
  points: Int32Array,
  u0: number,
  u1: number,
  u2: number,
  out: Int32Array,
  at: number,
): void {
  let lo = Infinity;
  let hi = -Infinity;
  let argLo = points[0]!;
  let argHi = points[0]!;
  for (let a = 0; a < points.length; a += 1) {
    const p = points[a]!;
    let t = u0 * xyz[dim * p]! + u1 * xyz[dim * p + 1]!;
    if (dim === 3) t += u2 * xyz[3 * p + 2]!;
    if (t < lo) {
      lo = t;
      argLo = p;
    }
    if (t > hi) {
      hi = t;
      argHi = p;
    }
  }
  out[at] = argLo;
  out[at + 1] = argHi;
}

/** A k-d tree over a permutation of the points; node n covers perm[start[n]..end[n]). */
interface KdTree {
  perm: Int32Array;
  start: Int32Array;
  end: Int32Array;
  /** First child (the second is left + 1); −1 for a leaf. */
  left: Int32Array;
  /** Bounding boxes, `dim` values per node. */
  lo: Float64Array;
  hi: Float64Array;
}

/** Rearranges perm[from..to) so that perm[k] has the k-th smallest coordinate c (quickselect). */
function selectByCoordinate(
  xyz: Float64Array,
  dim: number,
  c: number,
  perm: Int32Array,
  from: number,
  to: number,
  k: number,
): void {
  let lo = from;
  let hi = to - 1;
  while (hi > lo) {
    const pivot = xyz[dim * perm[(lo + hi) >> 1]! + c]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (xyz[dim * perm[i]! + c]! < pivot) i += 1;
      while (xyz[dim * perm[j]! + c]! > pivot) j -= 1;
      if (i <= j) {
        const t = perm[i]!;
        perm[i] = perm[j]!;
        perm[j] = t;
        i += 1;
        j -= 1;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return;
  }
}

/**
 * Bounding box of node `node` (written to t.lo, t.hi); returns its widest axis, or −1 when all
 * its points coincide. A function of its own: called once per node, it is optimised early.
 */
function nodeBox(t: KdTree, xyz: Float64Array, dim: number, node: number): number {
  const from = t.start[node]!;
  const to = t.end[node]!;
  let widest = -1;
  let width = 0;
  for (let c = 0; c < dim; c += 1) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let a = from; a < to; a += 1) {
      const v = xyz[dim * t.perm[a]! + c]!;
      lo = v < lo ? v : lo;
      hi = v > hi ? v : hi;
    }
    t.lo[node * dim + c] = lo;
    t.hi[node * dim + c] = hi;
    if (hi - lo > width) {
      width = hi - lo;
      widest = c;
    }
  }
  return widest;
}

/** Nodes are numbered in creation order; children are created in pairs. */
function buildKdTree(xyz: Float64Array, dim: 2 | 3, points: Int32Array): KdTree {
  const capacity = 2 * Math.ceil(points.length / (LEAF_SIZE / 2)) + 1;
  const t: KdTree = {
    perm: points.slice(),
    start: new Int32Array(capacity),
    end: new Int32Array(capacity),
    left: new Int32Array(capacity).fill(-1),
    lo: new Float64Array(capacity * dim),
    hi: new Float64Array(capacity * dim),
  };
  t.end[0] = points.length;
  let count = 1;
  for (let node = 0; node < count; node += 1) {
    const widest = nodeBox(t, xyz, dim, node);
    const from = t.start[node]!;
    const to = t.end[node]!;
    if (to - from > LEAF_SIZE && widest >= 0) {
      const mid = (from + to) >> 1;
      selectByCoordinate(xyz, dim, widest, t.perm, from, to, mid);
      t.left[node] = count;
      t.start[count] = from;
      t.end[count] = mid;
      t.start[count + 1] = mid;
      t.end[count + 1] = to;
      count += 2;
    }
  }
  return t;
}

/**
 * max over pairs {p, q} ⊂ points of Σ_c (p_c − q_c)² (0 for fewer than two points), with
 * `xyz` holding `dim` coordinates per point and `points` the indices of the set.
 */
export function farthestPairSquared(xyz: Float64Array, dim: 2 | 3, points: Int32Array): number {
  if (points.length < DIRECT_LIMIT) return directMax(xyz, dim, points);
  let best = extremePointsMax(xyz, dim, points);
  const t = buildKdTree(xyz, dim, points);
  const { perm, lo, hi } = t;

  /** The bound of the module comment for nodes a and b (same operation order as distance2). */
  const bound = (a: number, b: number): number => {
    let s = 0;
    for (let c = 0; c < dim; c += 1) {
      const e = Math.max(hi[a * dim + c]! - lo[b * dim + c]!, hi[b * dim + c]! - lo[a * dim + c]!);
      s += e * e;
    }
    return s;
  };
  const leaves = (a: number, b: number): void => {
    if (a === b) {
      const d = directMax(xyz, dim, perm.subarray(t.start[a]!, t.end[a]!));
      if (d > best) best = d;
      return;
    }
    for (let i = t.start[a]!; i < t.end[a]!; i += 1)
      for (let j = t.start[b]!; j < t.end[b]!; j += 1) {
        const d = distance2(xyz, dim, perm[i]!, perm[j]!);
        if (d > best) best = d;
      }
  };
  const visit = (a: number, b: number, ab: number): void => {
    if (ab <= best) return;
    const aLeaf = t.left[a] === -1;
    const bLeaf = t.left[b] === -1;
    if (aLeaf && bLeaf) return leaves(a, b);
    if (a === b) {
      // The cross pair first: it holds the farthest points of a node far more often.
      const l = t.left[a]!;
      const r = l + 1;
      visit(l, r, bound(l, r));
      visit(l, l, bound(l, l));
      visit(r, r, bound(r, r));
      return;
    }
    // Split the node with more points.
    const splitA = !aLeaf && (bLeaf || t.end[a]! - t.start[a]! >= t.end[b]! - t.start[b]!);
    const [s, o] = splitA ? [a, b] : [b, a];
    const l = t.left[s]!;
    const r = l + 1;
    const bl = bound(l, o);
    const br = bound(r, o);
    if (bl >= br) {
      visit(l, o, bl);
      visit(r, o, br);
    } else {
      visit(r, o, br);
      visit(l, o, bl);
    }
  };
  visit(0, 0, bound(0, 0));
  return best;
}

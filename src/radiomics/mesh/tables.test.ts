import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CUBE_CORNERS,
  CUBE_EDGE_VERTICES,
  CUBE_TRIANGLES,
  SQUARE_CORNERS,
  SQUARE_EDGE_VERTICES,
  SQUARE_LINES,
} from './tables.ts';

/** The two corners an edge vertex lies between (distance ½ from both). */
function edgeCorners<T extends readonly number[]>(
  corners: readonly T[],
  vertex: readonly number[],
): number[] {
  return corners
    .map((c, n) => [n, Math.hypot(...c.map((x, d) => x - vertex[d]!))] as const)
    .filter(([, dist]) => Math.abs(dist - 0.5) < 1e-12)
    .map(([n]) => n);
}

test('mesh tables: every cube index uses exactly the edges whose corners differ', () => {
  const edges = CUBE_EDGE_VERTICES.map((v) => edgeCorners(CUBE_CORNERS, v));
  assert.ok(edges.every((e) => e.length === 2));
  assert.equal(CUBE_TRIANGLES.length, 128);
  for (let idx = 0; idx < 128; idx += 1) {
    const active = edges.flatMap(([p, q], e) => (((idx >> p!) & 1) !== ((idx >> q!) & 1) ? [e] : []));
    const used = [...new Set(CUBE_TRIANGLES[idx])].sort((a, b) => a - b);
    assert.deepEqual(used, active, `cube ${idx}`);
    assert.equal(CUBE_TRIANGLES[idx]!.length % 3, 0);
  }
});

test('mesh tables: every square index uses exactly the edges whose corners differ', () => {
  const edges = SQUARE_EDGE_VERTICES.map((v) => edgeCorners(SQUARE_CORNERS, v));
  for (let idx = 0; idx < 16; idx += 1) {
    const active = edges.flatMap(([p, q], e) => (((idx >> p!) & 1) !== ((idx >> q!) & 1) ? [e] : []));
    assert.deepEqual(
      [...new Set(SQUARE_LINES[idx])].sort((a, b) => a - b),
      active,
      `square ${idx}`,
    );
  }
});

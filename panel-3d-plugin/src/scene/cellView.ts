/**
 * The cell level of one string: 416 small cubes in module groups (one instanced mesh), module base plates (one
 * instanced mesh) and two markers over the lowest and highest cell. Colour = the cell metric on the string's own
 * range (`cellRange`); min / max / spread are also labelled. Built on entering the cell view, disposed on leaving.
 */
import { ConeGeometry, Group, InstancedBufferAttribute, InstancedMesh, Matrix4, Mesh, Vector3 } from 'three';
import { CELL, CELL_METRICS, cellRange, cellStats, type CellMetric, type CellStats, layoutCells } from './cells';
import { linearLut, LUT_SIZE } from './colorScales';
import { disposeTree } from './dispose';
import type { SceneLabel } from './siteObjects';
import type { SharedAssets } from './sharedAssets';

/** What the cell view shows. */
export interface CellViewSpec {
  device: string;
  metric: CellMetric;
  values: ArrayLike<number>;
}

/** Summary shown next to the cell view (legend). */
export interface CellSummary {
  stats: CellStats;
  range: [number, number];
  unit: string;
  label: string;
}

const m4 = new Matrix4();

/** Cell cubes, module plates and min / max markers of one string. */
export class CellView {
  readonly group = new Group();
  readonly labels: SceneLabel[] = [];
  readonly summary: CellSummary | null;
  /** Extent of the cell group along x and z, m (camera framing). */
  readonly extent: { w: number; d: number };
  private readonly cubes: InstancedMesh;
  private readonly cellCount: number;

  constructor(
    spec: CellViewSpec,
    private readonly assets: SharedAssets
  ) {
    const n = spec.values.length;
    if (n === 0) throw new Error(`string ${spec.device} has an empty ${spec.metric} array`);
    this.cellCount = n;
    const layout = layoutCells(n);
    this.extent = { w: layout.width, d: layout.depth };
    const def = CELL_METRICS[spec.metric];
    const stats = cellStats(spec.values);
    const range: [number, number] = stats ? cellRange(stats, spec.metric) : [0, 1];
    this.summary = stats ? { stats, range, unit: def.unit, label: def.label } : null;

    const plates = new InstancedMesh(assets.box, assets.modulePlate, layout.modules.length);
    layout.modules.forEach((m, i) =>
      plates.setMatrixAt(i, m4.makeScale(m.w + 0.16, 0.06, m.d + 0.16).setPosition(m.x, 0.03, m.z))
    );
    plates.receiveShadow = true;
    layout.modules.forEach((m, i) =>
      this.labels.push({
        text: `M${i + 1}`,
        // over the middle of the module's back edge: in the aisle between module rows, clear of the cubes
        position: new Vector3(m.x, 0.1, m.z - m.d / 2 - 0.12),
        kind: 'module',
      })
    );

    const cubes = new InstancedMesh(assets.box, assets.cell, n);
    cubes.instanceColor = new InstancedBufferAttribute(new Float32Array(n * 3), 3);
    const lut = linearLut(def.scale);
    const [lo, hi] = range;
    const h = CELL.size * 1.3;
    for (let i = 0; i < n; i++) {
      const c = layout.cells[i];
      cubes.setMatrixAt(i, m4.makeScale(CELL.size, h, CELL.size).setPosition(c.x, 0.06 + h / 2, c.z));
      const v = spec.values[i];
      const col = cubes.instanceColor.array as Float32Array;
      if (Number.isFinite(v)) {
        const t = hi > lo ? Math.min(1, Math.max(0, (v - lo) / (hi - lo))) : 0;
        const li = Math.round(t * (LUT_SIZE - 1)) * 3;
        col.set(lut.subarray(li, li + 3), i * 3);
      } else {
        col.set([0.2, 0.2, 0.22], i * 3);
      }
    }
    cubes.castShadow = true;
    cubes.frustumCulled = false;
    this.cubes = cubes;
    this.group.add(plates, cubes);

    if (stats) {
      // the labels extend away from each other so they never overlap
      const maxLeft = layout.cells[stats.maxIndex].x < layout.cells[stats.minIndex].x;
      const cone = new ConeGeometry(0.12, 0.36, 16).rotateX(Math.PI); // points down at the cell
      for (const [idx, mat, kind, word] of [
        [stats.maxIndex, assets.markerMax, 'cellMax', 'max'],
        [stats.minIndex, assets.markerMin, 'cellMin', 'min'],
      ] as const) {
        const c = layout.cells[idx];
        const marker = new Mesh(cone, mat);
        marker.position.set(c.x, 0.06 + h + 0.32, c.z);
        marker.name = `marker-${word}`;
        this.group.add(marker);
        const value = spec.values[idx].toFixed(def.decimals);
        this.labels.push({
          text: `${word} ${value} ${def.unit} · cell ${idx + 1}`,
          position: new Vector3(c.x, 0.06 + h + 0.32, c.z),
          kind,
          side: (kind === 'cellMax') === maxLeft ? 'left' : 'right',
        });
      }
    }
  }

  /** Cell index under a ray, or null. */
  pick(raycaster: import('three').Raycaster): number | null {
    const hit = raycaster.intersectObject(this.cubes, false)[0];
    return hit && hit.instanceId !== undefined && hit.instanceId < this.cellCount ? hit.instanceId : null;
  }

  /** Disposes the cubes' and plates' instance attributes and the marker geometry. */
  dispose(): void {
    disposeTree(this.group, this.assets.all);
  }
}

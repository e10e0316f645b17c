/**
 * The bars: two instanced meshes (live bars coloured by the metric, hatched grey ghosts for stale / offline /
 * missing values) over the shared unit cube. Two draw calls whether the site has 24 bars or 100,000. An update
 * rewrites the instance buffers in place (`writeBars`) and uploads only the used range; the meshes are
 * re-allocated only when the bar count outgrows their capacity.
 */
import { DynamicDrawUsage, Group, InstancedBufferAttribute, InstancedMesh, type Raycaster } from 'three';
import type { BarSet } from './bars';
import { linearLut } from './colorScales';
import { allocInstances, type BarInstances, type InstanceBuffers, writeBars } from './instances';
import type { SharedAssets } from './sharedAssets';

function makeMesh(assets: SharedAssets, ghost: boolean, buf: InstanceBuffers, capacity: number, shadows: boolean) {
  const mesh = new InstancedMesh(assets.box, ghost ? assets.ghost : assets.bar, capacity);
  mesh.instanceMatrix = new InstancedBufferAttribute(buf.matrix, 16).setUsage(DynamicDrawUsage);
  mesh.instanceColor = new InstancedBufferAttribute(buf.color, 3).setUsage(DynamicDrawUsage);
  mesh.count = 0;
  // bars span the whole site; per-instance culling costs more than it saves
  mesh.frustumCulled = false;
  mesh.castShadow = shadows;
  mesh.receiveShadow = shadows;
  mesh.name = ghost ? 'ghost-bars' : 'bars';
  return mesh;
}

/** Live and ghost bar meshes. */
export class BarMeshes {
  readonly group = new Group();
  private live: InstancedMesh | null = null;
  private ghost: InstancedMesh | null = null;
  private buffers: BarInstances | null = null;
  private capacity = 0;
  private bars: BarSet | null = null;

  constructor(
    private readonly assets: SharedAssets,
    private readonly shadows: boolean
  ) {}

  /** Current bars (tooltips read ids / values from here). */
  get current(): BarSet | null {
    return this.bars;
  }

  /** Writes a bar set into the meshes (re-allocating when it outgrows them). */
  update(bars: BarSet): void {
    if (bars.count > this.capacity || bars.count * 4 < this.capacity) this.allocate(Math.max(1, bars.count));
    const buf = this.buffers!;
    writeBars(bars, linearLut(bars.metric), buf);
    this.upload(this.live!, buf.live.count);
    this.upload(this.ghost!, buf.ghost.count);
    this.bars = bars;
  }

  private upload(mesh: InstancedMesh, count: number): void {
    mesh.count = count;
    mesh.instanceMatrix.clearUpdateRanges();
    mesh.instanceMatrix.addUpdateRange(0, count * 16);
    mesh.instanceMatrix.needsUpdate = true;
    const color = mesh.instanceColor!;
    color.clearUpdateRanges();
    color.addUpdateRange(0, count * 3);
    color.needsUpdate = true;
    // raycasting recomputes the bounds lazily
    mesh.boundingSphere = null;
    mesh.boundingBox = null;
    mesh.visible = count > 0;
  }

  private allocate(capacity: number): void {
    this.release();
    this.buffers = allocInstances(capacity);
    this.live = makeMesh(this.assets, false, this.buffers.live, capacity, this.shadows);
    this.ghost = makeMesh(this.assets, true, this.buffers.ghost, capacity, this.shadows);
    this.group.add(this.live, this.ghost);
    this.capacity = capacity;
  }

  private release(): void {
    for (const mesh of [this.live, this.ghost]) {
      if (!mesh) continue;
      mesh.removeFromParent();
      mesh.dispose(); // frees the instance attributes; geometry and materials are shared
    }
    this.live = this.ghost = null;
    this.buffers = null;
    this.capacity = 0;
  }

  /** Bar index under a ray (nearest of live and ghost), or null. */
  pick(raycaster: Raycaster): number | null {
    if (!this.buffers || !this.live || !this.ghost) return null;
    const hits = raycaster.intersectObjects([this.live, this.ghost], false);
    for (const h of hits) {
      if (h.instanceId === undefined) continue;
      const buf = h.object === this.live ? this.buffers.live : this.buffers.ghost;
      if (h.instanceId < buf.count) return buf.index[h.instanceId];
    }
    return null;
  }

  /** Linear-RGB colours of the live bars, 3 floats each (a copy; tests check that colours vary). */
  liveColors(): Float32Array {
    return this.buffers ? this.buffers.live.color.slice(0, this.buffers.live.count * 3) : new Float32Array(0);
  }

  /** Instances drawn: live and ghost counts. */
  counts(): { live: number; ghost: number } {
    return { live: this.buffers?.live.count ?? 0, ghost: this.buffers?.ghost.count ?? 0 };
  }

  /** Top centre of bar i (for tooltips and tests), or null. */
  barTop(i: number): [number, number, number] | null {
    const buf = this.buffers;
    if (!buf) return null;
    for (const b of [buf.live, buf.ghost]) {
      for (let k = 0; k < b.count; k++) {
        if (b.index[k] === i) return [b.matrix[k * 16 + 12], b.matrix[k * 16 + 5], b.matrix[k * 16 + 14]];
      }
    }
    return null;
  }

  dispose(): void {
    this.release();
    this.group.removeFromParent();
    this.bars = null;
  }
}

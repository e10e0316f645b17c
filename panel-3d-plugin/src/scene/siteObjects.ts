/**
 * The static part of the site for a layout: floor, container walls and outlines, contact shadows and the
 * transformer. One instanced mesh per kind (walls, outlines, shadows, bushings), so draw calls stay constant
 * from 1 to 40 blocks. Rebuilt only when the topology changes; owns no geometry (all shared), only instance
 * attributes, which `dispose` frees.
 */
import { Group, InstancedMesh, Matrix4, Mesh, Vector3 } from 'three';
import { disposeTree } from './dispose';
import type { SiteLayout } from './layout';
import type { SharedAssets } from './sharedAssets';

/** A text label anchored at a scene position (drawn by the label layer). */
export interface SceneLabel {
  text: string;
  position: Vector3;
  kind: 'block' | 'transformer' | 'cellMax' | 'cellMin' | 'module';
  /** Which side of the anchor point the label extends to (default: centred above). */
  side?: 'above' | 'left' | 'right';
}

const m4 = new Matrix4();

function instanced(geometry: InstancedMesh['geometry'], material: InstancedMesh['material'], n: number): InstancedMesh {
  const mesh = new InstancedMesh(geometry, material, Math.max(1, n));
  mesh.count = n;
  mesh.frustumCulled = false;
  return mesh;
}

/** Builds the static site objects of a layout. */
export class SiteObjects {
  readonly group = new Group();
  readonly labels: SceneLabel[] = [];

  constructor(
    layout: SiteLayout,
    private readonly assets: SharedAssets,
    shadows: boolean,
    blockNames: readonly string[],
    transformerName: string
  ) {
    const { bounds, blocks, transformer: tr } = layout;
    const floor = new Mesh(assets.plane, assets.floor);
    const fw = bounds.maxX - bounds.minX;
    const fd = bounds.maxZ - bounds.minZ;
    floor.scale.set(fw, 1, fd);
    floor.position.set((bounds.minX + bounds.maxX) / 2, 0, (bounds.minZ + bounds.maxZ) / 2);
    assets.floorMap.repeat.set(fw / 2, fd / 2);
    floor.receiveShadow = shadows;
    this.group.add(floor);

    const walls = instanced(assets.box, assets.wall, blocks.length);
    const edges = instanced(assets.frame, assets.edge, blocks.length);
    blocks.forEach((b, i) => {
      walls.setMatrixAt(i, m4.makeScale(b.w, b.h, b.d).setPosition(b.x, b.h / 2, b.z));
      edges.setMatrixAt(i, m4.makeScale(b.w, b.h, b.d).setPosition(b.x, 0, b.z));
      this.labels.push({
        text: blockNames[i] ?? `Block ${i + 1}`,
        position: new Vector3(b.x, b.h + 0.55, b.z),
        kind: 'block',
      });
    });
    walls.renderOrder = 2;
    this.group.add(walls, edges);

    if (shadows) {
      // contact shadows (cheap ambient occlusion) under containers and the transformer
      const blobs = instanced(assets.plane, assets.blob, blocks.length + 1);
      blocks.forEach((b, i) => blobs.setMatrixAt(i, m4.makeScale(b.w * 1.35, 1, b.d * 2).setPosition(b.x, 0.01, b.z)));
      blobs.setMatrixAt(blocks.length, m4.makeScale(tr.w * 1.6, 1, tr.d * 1.8).setPosition(tr.x, 0.01, tr.z));
      blobs.renderOrder = 1;
      this.group.add(blobs);
    }

    const body = new Mesh(assets.box, assets.transformer);
    body.scale.set(tr.w, tr.h * 0.78, tr.d);
    body.position.set(tr.x, (tr.h * 0.78) / 2, tr.z);
    body.castShadow = shadows;
    body.receiveShadow = shadows;
    const bushings = instanced(assets.cylinder, assets.bushing, 6);
    for (let k = 0; k < 6; k++) {
      const x = tr.x - tr.w * 0.3 + (k % 3) * tr.w * 0.3;
      const z = tr.z + (k < 3 ? -0.25 : 0.25) * tr.d;
      const h = k < 3 ? tr.h * 0.28 : tr.h * 0.18;
      bushings.setMatrixAt(k, m4.makeScale(0.22, h, 0.22).setPosition(x, tr.h * 0.78 + h / 2, z));
    }
    bushings.castShadow = shadows;
    this.group.add(body, bushings);
    this.labels.push({ text: transformerName, position: new Vector3(tr.x, tr.h + 0.6, tr.z), kind: 'transformer' });
  }

  /** Frees the instance attributes (shared geometries and materials stay). */
  dispose(): void {
    disposeTree(this.group, this.assets.all);
  }
}

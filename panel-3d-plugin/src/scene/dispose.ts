/**
 * GPU resource disposal. three.js frees nothing by itself: every geometry, material, texture and instanced
 * mesh (its instance attributes) must be disposed explicitly, or WebGL buffers leak on each data change and
 * remount (`renderer.info.memory` counts them).
 */
import { type BufferGeometry, InstancedMesh, Material, Mesh, type Object3D, Texture, type WebGLRenderer } from 'three';

/** Disposes a material and every texture it references (map, emissiveMap, …). */
export function disposeMaterial(m: Material): void {
  for (const value of Object.values(m as unknown as Record<string, unknown>)) {
    if (value instanceof Texture) value.dispose();
  }
  m.dispose();
}

/**
 * Removes an object tree from its parent and disposes the geometries, materials (with textures) and instanced
 * mesh attributes found in it. Objects listed in `keep` (shared geometries / materials) are left alone.
 */
export function disposeTree(root: Object3D, keep: ReadonlySet<unknown> = new Set()): void {
  root.removeFromParent();
  const materials = new Set<Material>();
  const geometries = new Set<BufferGeometry>();
  root.traverse((o) => {
    if (o instanceof Mesh) {
      if (!keep.has(o.geometry)) geometries.add(o.geometry);
      const list = Array.isArray(o.material) ? o.material : [o.material];
      for (const m of list) if (!keep.has(m)) materials.add(m);
      if (o instanceof InstancedMesh) o.dispose();
    }
  });
  for (const g of geometries) g.dispose();
  for (const m of materials) disposeMaterial(m);
}

/**
 * Releases the DFG lookup texture three.js (r181, `renderers/shaders/DFGLUTData.js`) uploads for every PBR
 * material: a module-level singleton that no material owns, so disposing materials and the renderer leaves it on
 * the GPU (`renderer.info.memory.textures` stays 1 after everything else is gone). Other live renderers simply
 * upload it again on their next frame. Must run before the materials are disposed (it is read from their uniforms).
 */
export function disposeSharedLut(renderer: WebGLRenderer, materials: Iterable<Material>): void {
  for (const m of materials) {
    const props = renderer.properties.get(m) as { uniforms?: Record<string, { value: unknown } | undefined> };
    const lut = props.uniforms?.dfgLUT?.value;
    if (lut instanceof Texture) {
      lut.dispose();
      return;
    }
  }
}

/**
 * Geometries, textures and materials shared by everything in one scene, created once per renderer and disposed
 * with it. Data changes never create geometries or textures: they only rewrite instance buffers, so
 * `renderer.info.memory` stays flat however often the data refreshes.
 */
import {
  BoxGeometry,
  CylinderGeometry,
  DoubleSide,
  type Material,
  MeshBasicMaterial,
  MeshStandardMaterial,
  PlaneGeometry,
  type BufferGeometry,
  type Texture,
} from 'three';
import { blobTexture, floorTexture, frameGeometry, hatchTexture, SCENE_COLORS } from './assets';
import { disposeMaterial } from './dispose';

/**
 * Adds `amount` × the instance colour as emitted light, so a bar keeps the legend's colour on its shaded sides
 * instead of sinking into the navy (the lit faces still show the 3D shape).
 */
export function selfLit<M extends MeshStandardMaterial>(material: M, amount: number): M {
  material.onBeforeCompile = (shader) => {
    shader.fragmentShader = shader.fragmentShader.replace(
      '#include <emissivemap_fragment>',
      `#include <emissivemap_fragment>
#ifdef USE_COLOR
  totalEmissiveRadiance += vColor.rgb * ${amount.toFixed(3)};
#endif`
    );
  };
  material.customProgramCacheKey = () => `openbess-self-lit-${amount}`;
  return material;
}

/** The shared resources of a scene. */
export class SharedAssets {
  /** Unit cube centred on the origin (bars, walls, cells, transformer body). */
  readonly box = new BoxGeometry(1, 1, 1);
  /** Unit-cube frame standing on y = 0 (container outlines). */
  readonly frame = frameGeometry();
  /** Unit cylinder (transformer bushings). */
  readonly cylinder = new CylinderGeometry(0.5, 0.5, 1, 12);
  /** Unit plane in the x/z plane (floor, contact shadows). */
  readonly plane = new PlaneGeometry(1, 1).rotateX(-Math.PI / 2);
  readonly floorMap = floorTexture();
  readonly hatchMap = hatchTexture();
  readonly blobMap = blobTexture();
  readonly bar = new MeshStandardMaterial({
    roughness: 0.5,
    metalness: 0.05,
    emissive: 0x0b1a33,
    emissiveIntensity: 0.6,
  });
  readonly ghost = new MeshStandardMaterial({ map: this.hatchMap, roughness: 0.9, emissive: 0x2a2f3a });
  readonly wall = new MeshStandardMaterial({
    color: SCENE_COLORS.containerWall,
    transparent: true,
    opacity: 0.16,
    depthWrite: false,
    side: DoubleSide,
  });
  readonly edge = new MeshBasicMaterial({ color: SCENE_COLORS.containerEdge });
  readonly floor = new MeshStandardMaterial({ map: this.floorMap, roughness: 0.95 });
  readonly blob = new MeshBasicMaterial({ map: this.blobMap, transparent: true, depthWrite: false });
  readonly transformer = new MeshStandardMaterial({ color: SCENE_COLORS.transformer, roughness: 0.6, metalness: 0.3 });
  readonly bushing = new MeshStandardMaterial({ color: SCENE_COLORS.bushing, roughness: 0.4 });
  readonly cell = selfLit(new MeshStandardMaterial({ roughness: 0.6, metalness: 0.0 }), 0.38);
  readonly modulePlate = new MeshStandardMaterial({ color: 0x1b2a4a, roughness: 0.9 });
  readonly markerMax = new MeshBasicMaterial({ color: 0xff5a5f });
  readonly markerMin = new MeshBasicMaterial({ color: 0x7dd3fc });

  /** Everything here, for `disposeTree`'s keep-set (shared objects are disposed only by `dispose`). */
  get all(): ReadonlySet<unknown> {
    return new Set<unknown>([...this.geometries(), ...this.materials()]);
  }

  private geometries(): BufferGeometry[] {
    return [this.box, this.frame, this.cylinder, this.plane];
  }

  /** The shared materials. */
  materialList(): Material[] {
    return this.materials();
  }

  private materials(): Material[] {
    return [
      this.bar,
      this.ghost,
      this.wall,
      this.edge,
      this.floor,
      this.blob,
      this.transformer,
      this.bushing,
      this.cell,
      this.modulePlate,
      this.markerMax,
      this.markerMin,
    ];
  }

  /** Textures (for tests: every one must be disposed). */
  textures(): Texture[] {
    return [this.floorMap, this.hatchMap, this.blobMap];
  }

  dispose(): void {
    for (const g of this.geometries()) g.dispose();
    for (const m of this.materials()) disposeMaterial(m);
    for (const t of this.textures()) t.dispose();
  }
}

/**
 * The imperative three.js scene behind the panel (plain three.js, no react-three-fiber): renderer, camera,
 * OrbitControls (drag to orbit, wheel to zoom, auto-rotate), lights with optional soft shadows, the site objects,
 * the bars and the cell view, hover / click / double-click picking, and a render-on-demand loop. `dispose()` frees
 * every GPU resource, listener and observer; the React component calls it on unmount.
 */
import {
  AmbientLight,
  Color,
  DirectionalLight,
  HemisphereLight,
  PCFSoftShadowMap,
  PerspectiveCamera,
  Raycaster,
  Scene,
  Vector2,
  Vector3,
  WebGLRenderer,
} from 'three';
import { OrbitControls } from 'three/examples/jsm/controls/OrbitControls.js';
import { SCENE_COLORS } from './assets';
import { disposeSharedLut } from './dispose';
import { type FrameProbe, probeFrame } from './frameProbe';
import { BarMeshes } from './barMeshes';
import type { BarSet } from './bars';
import { CellView, type CellSummary, type CellViewSpec } from './cellView';
import { LabelLayer } from './labelLayer';
import { FLOOR_MARGIN, type SiteLayout } from './layout';
import { SharedAssets } from './sharedAssets';
import { SiteObjects } from './siteObjects';
import { registerScene, type SceneStats } from './registry';

/** Callbacks from the scene to the panel. */
export interface SiteSceneEvents {
  /** Pointer over bar `index` (or nothing) at client coordinates. */
  onHover?: (index: number | null, clientX: number, clientY: number) => void;
  /** Single click on a bar (after the double-click window passed). */
  onClick?: (index: number) => void;
  /** Double click on a bar. */
  onDoubleClick?: (index: number) => void;
}

/** Scene options fixed for the lifetime of a renderer. */
export interface SiteSceneOptions {
  shadows: boolean;
  /** Double-click window, ms: a single click acts only after it. */
  clickDelayMs?: number;
}

const CLICK_MOVE_TOLERANCE_PX = 5;

/** One 3D site view in a container element. */
export class SiteScene {
  readonly renderer: WebGLRenderer;
  readonly camera = new PerspectiveCamera(40, 1, 0.1, 2000);
  readonly controls: OrbitControls;
  private readonly scene = new Scene();
  private readonly assets = new SharedAssets();
  private readonly bars: BarMeshes;
  private readonly labels: LabelLayer;
  private readonly sun: DirectionalLight;
  private site: SiteObjects | null = null;
  private cells: CellView | null = null;
  private layout: SiteLayout | null = null;
  private readonly raycaster = new Raycaster();
  private readonly resize: ResizeObserver;
  private readonly unregister: () => void;
  private frame = 0;
  /** Frames rendered so far and the bars the last one showed (tests wait for them). */
  renderedFrames = 0;
  lastRendered: BarSet | null = null;
  private dirty = true;
  private disposed = false;
  private pointer: { x: number; y: number } | null = null;
  private down: { x: number; y: number } | null = null;
  private clickTimer: ReturnType<typeof setTimeout> | null = null;
  private width = 1;
  private height = 1;
  private savedView: { position: number[]; target: number[] } | null = null;
  private readonly cleanups: Array<() => void> = [];

  constructor(
    private readonly container: HTMLElement,
    private readonly options: SiteSceneOptions,
    private readonly events: SiteSceneEvents = {}
  ) {
    const canvas = document.createElement('canvas');
    const attributes: WebGLContextAttributes = { antialias: true, powerPreference: 'high-performance' };
    const context = canvas.getContext('webgl2', attributes);
    if (!context) throw new Error('WebGL 2 is not available in this browser (three.js needs it)');
    // three's types still say WebGLRenderingContext; r163+ only accepts a WebGL 2 context at runtime
    this.renderer = new WebGLRenderer({ canvas, context: context as unknown as WebGLRenderingContext, ...attributes });
    this.renderer.setPixelRatio(Math.min(2, window.devicePixelRatio || 1));
    this.renderer.shadowMap.enabled = options.shadows;
    this.renderer.shadowMap.type = PCFSoftShadowMap;
    canvas.style.cssText = 'display:block;width:100%;height:100%;outline:none;';
    canvas.dataset.testid = 'site3d-canvas';
    container.appendChild(canvas);
    this.labels = new LabelLayer(container);

    this.scene.background = new Color(SCENE_COLORS.background);
    this.scene.add(new HemisphereLight(0xbcd4ff, 0x0a1428, 1.1), new AmbientLight(0x8aa4d6, 0.55));
    this.sun = new DirectionalLight(0xffffff, 2.0);
    this.sun.castShadow = options.shadows;
    this.sun.shadow.mapSize.set(1024, 1024);
    this.sun.shadow.radius = 4;
    this.sun.shadow.bias = -0.0005;
    this.scene.add(this.sun, this.sun.target);

    this.bars = new BarMeshes(this.assets, options.shadows);
    this.scene.add(this.bars.group);

    this.controls = new OrbitControls(this.camera, canvas);
    this.controls.enableDamping = true;
    this.controls.dampingFactor = 0.12;
    this.controls.maxPolarAngle = Math.PI * 0.47;
    this.controls.autoRotateSpeed = 0.8;
    this.controls.addEventListener('change', this.invalidate);

    this.listen(canvas, 'pointermove', this.onPointerMove as EventListener);
    this.listen(canvas, 'pointerleave', this.onPointerLeave);
    this.listen(canvas, 'pointerdown', this.onPointerDown as EventListener);
    this.listen(canvas, 'pointerup', this.onPointerUp as EventListener);
    this.listen(canvas, 'dblclick', this.onDoubleClick as EventListener);

    this.resize = new ResizeObserver(() => this.fitSize());
    this.resize.observe(container);
    this.fitSize();
    this.unregister = registerScene(this);
    this.frame = requestAnimationFrame(this.loop);
  }

  private listen(target: EventTarget, type: string, fn: EventListener): void {
    target.addEventListener(type, fn);
    this.cleanups.push(() => target.removeEventListener(type, fn));
  }

  /** Renders on the next frame. */
  readonly invalidate = (): void => {
    this.dirty = true;
  };

  /** Replaces the site topology (containers, transformer) and frames the camera on it. */
  setLayout(layout: SiteLayout, blockNames: readonly string[], transformerName: string): void {
    this.site?.dispose();
    this.site = new SiteObjects(layout, this.assets, this.options.shadows, blockNames, transformerName);
    this.site.group.visible = !this.cells;
    this.scene.add(this.site.group);
    const first = this.layout === null;
    this.layout = layout;
    const b = layout.bounds;
    const span = Math.max(b.maxX - b.minX, b.maxZ - b.minZ);
    const cx = (b.minX + b.maxX) / 2;
    const cz = (b.minZ + b.maxZ) / 2;
    this.sun.position.set(cx - span * 0.35, span * 0.9, cz + span * 0.45);
    this.sun.target.position.set(cx, 0, cz);
    const cam = this.sun.shadow.camera;
    cam.left = cam.bottom = -span * 0.75;
    cam.right = cam.top = span * 0.75;
    cam.near = 0.5;
    cam.far = span * 3;
    cam.updateProjectionMatrix();
    // frame the containers and the transformer, not the floor margin
    if (first || !this.cells) {
      this.frameCamera(cx, cz, b.maxX - b.minX - 2 * FLOOR_MARGIN, b.maxZ - b.minZ - 2 * FLOOR_MARGIN, 0.75);
    }
    if (!this.cells) this.labels.set(this.site.labels);
    this.invalidate();
  }

  /**
   * Puts the camera south of (cx, cz), looking down at `elevation` (fraction of the distance as height), at the
   * smallest distance where the whole w × d × 3 m box projects inside 90 % of the view (binary search).
   */
  private frameCamera(cx: number, cz: number, w: number, d: number, elevation: number): void {
    const flat = Math.sqrt(Math.max(0, 1 - elevation * elevation));
    const dir = new Vector3(flat * 0.3, elevation, flat * 0.95).normalize();
    this.controls.target.set(cx, 0, cz);
    const corners: Vector3[] = [];
    for (const x of [cx - w / 2, cx + w / 2])
      for (const y of [0, 3]) for (const z of [cz - d / 2, cz + d / 2]) corners.push(new Vector3(x, y, z));
    const p = new Vector3();
    this.camera.far = 1e6; // no far-plane clipping while searching
    this.camera.updateProjectionMatrix();
    const fits = (dist: number): boolean => {
      this.camera.position.copy(dir).multiplyScalar(dist).add(this.controls.target);
      this.camera.lookAt(this.controls.target);
      this.camera.updateMatrixWorld();
      return corners.every((c) => {
        p.copy(c).project(this.camera);
        return p.z < 1 && Math.abs(p.x) <= 0.9 && Math.abs(p.y) <= 0.9;
      });
    };
    let lo = 0.5;
    let hi = 2000;
    for (let i = 0; i < 30; i++) {
      const mid = (lo + hi) / 2;
      if (fits(mid)) hi = mid;
      else lo = mid;
    }
    this.camera.position.copy(dir).multiplyScalar(hi).add(this.controls.target);
    const size = Math.max(w, d);
    this.controls.minDistance = size * 0.1;
    this.controls.maxDistance = hi * 4;
    this.camera.far = Math.max(500, hi * 10);
    this.camera.updateProjectionMatrix();
    this.controls.update();
  }

  /** Writes the bars (values, colours, freshness) of the current view. */
  setBars(bars: BarSet): void {
    this.bars.update(bars);
    this.invalidate();
  }

  /** Current bars. */
  get currentBars(): BarSet | null {
    return this.bars.current;
  }

  setAutoRotate(on: boolean): void {
    this.controls.autoRotate = on;
    this.invalidate();
  }

  /** Shows a string's cells (replacing the site), or the site again with null. */
  showCells(spec: CellViewSpec | null): CellSummary | null {
    const wasCells = !!this.cells;
    this.cells?.dispose();
    this.cells = null;
    if (spec) {
      if (!wasCells) {
        this.savedView = { position: this.camera.position.toArray(), target: this.controls.target.toArray() };
      }
      this.cells = new CellView(spec, this.assets);
      this.scene.add(this.cells.group);
      this.labels.set(this.cells.labels);
      if (!wasCells) this.frameCamera(0, 0, this.cells.extent.w, this.cells.extent.d, 0.8);
    } else if (this.site) {
      this.labels.set(this.site.labels);
      if (this.savedView) {
        this.camera.position.fromArray(this.savedView.position);
        this.controls.target.fromArray(this.savedView.target);
        this.controls.update();
      }
    }
    if (this.site) this.site.group.visible = !this.cells;
    this.bars.group.visible = !this.cells;
    this.invalidate();
    return this.cells?.summary ?? null;
  }

  /** Bar index at client coordinates (site view), or null. */
  pickAt(clientX: number, clientY: number): number | null {
    if (this.cells) return null;
    const r = this.renderer.domElement.getBoundingClientRect();
    const ndc = new Vector2(((clientX - r.left) / r.width) * 2 - 1, -((clientY - r.top) / r.height) * 2 + 1);
    this.raycaster.setFromCamera(ndc, this.camera);
    return this.bars.pick(this.raycaster);
  }

  /** Client coordinates of the top centre of bar i (tests click there), or null when it is not drawn. */
  barScreenPosition(i: number): { x: number; y: number } | null {
    const top = this.bars.barTop(i);
    if (!top) return null;
    const v = new Vector3(top[0], top[1] * 0.6, top[2]).project(this.camera);
    const r = this.renderer.domElement.getBoundingClientRect();
    return { x: r.left + ((v.x + 1) / 2) * r.width, y: r.top + ((1 - v.y) / 2) * r.height };
  }

  private readonly onPointerMove = (e: PointerEvent): void => {
    this.pointer = { x: e.clientX, y: e.clientY };
  };

  private readonly onPointerLeave = (): void => {
    this.pointer = null;
    this.events.onHover?.(null, 0, 0);
  };

  private readonly onPointerDown = (e: PointerEvent): void => {
    this.down = { x: e.clientX, y: e.clientY };
  };

  private readonly onPointerUp = (e: PointerEvent): void => {
    const d = this.down;
    this.down = null;
    if (!d || Math.hypot(e.clientX - d.x, e.clientY - d.y) > CLICK_MOVE_TOLERANCE_PX) return; // a drag
    const index = this.pickAt(e.clientX, e.clientY);
    if (index === null) return;
    if (this.clickTimer) clearTimeout(this.clickTimer);
    this.clickTimer = setTimeout(() => {
      this.clickTimer = null;
      this.events.onClick?.(index);
    }, this.options.clickDelayMs ?? 280);
  };

  private readonly onDoubleClick = (e: MouseEvent): void => {
    if (this.clickTimer) clearTimeout(this.clickTimer);
    this.clickTimer = null;
    const index = this.pickAt(e.clientX, e.clientY);
    if (index !== null) this.events.onDoubleClick?.(index);
  };

  private fitSize(): void {
    const w = Math.max(1, this.container.clientWidth);
    const h = Math.max(1, this.container.clientHeight);
    if (w === this.width && h === this.height) return;
    this.width = w;
    this.height = h;
    this.renderer.setSize(w, h, false);
    this.camera.aspect = w / h;
    this.camera.updateProjectionMatrix();
    this.invalidate();
  }

  private readonly loop = (): void => {
    if (this.disposed) return;
    this.frame = requestAnimationFrame(this.loop);
    const moved = this.controls.update();
    if (this.pointer && !this.down) {
      const p = this.pointer;
      this.pointer = null;
      this.events.onHover?.(this.pickAt(p.x, p.y), p.x, p.y);
    }
    if (moved || this.dirty) this.renderNow();
  };

  /** Renders one frame immediately (also used by the bench). */
  renderNow(): void {
    this.dirty = false;
    this.renderedFrames++;
    this.lastRendered = this.cells ? null : this.bars.current;
    this.renderer.render(this.scene, this.camera);
    this.labels.update(this.camera, this.width, this.height);
  }

  /** Live-bar colours and instance counts (tests). */
  barInstances(): { colors: Float32Array; live: number; ghost: number } {
    return { colors: this.bars.liveColors(), ...this.bars.counts() };
  }

  /** Whether the cell view is shown (tests). */
  get showingCells(): boolean {
    return this.cells !== null;
  }

  /** Renders now and reads the frame back (tests, see `probeFrame`). */
  readFrame(): FrameProbe {
    this.renderNow();
    return probeFrame(this.renderer);
  }

  /** Renderer counters for tests and the bench. */
  stats(): SceneStats {
    const { memory, render } = this.renderer.info;
    return {
      geometries: memory.geometries,
      textures: memory.textures,
      calls: render.calls,
      triangles: render.triangles,
    };
  }

  /** Frees every GPU resource, listener, observer and the canvas. Safe to call twice. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    cancelAnimationFrame(this.frame);
    if (this.clickTimer) clearTimeout(this.clickTimer);
    this.resize.disconnect();
    for (const c of this.cleanups.splice(0)) c();
    this.controls.removeEventListener('change', this.invalidate);
    this.controls.dispose();
    disposeSharedLut(this.renderer, this.assets.materialList());
    this.cells?.dispose();
    this.site?.dispose();
    this.bars.dispose();
    this.assets.dispose();
    this.sun.shadow.map?.dispose();
    this.sun.dispose();
    this.labels.dispose();
    const left = this.stats();
    this.renderer.renderLists.dispose();
    this.renderer.dispose();
    this.renderer.forceContextLoss();
    this.renderer.domElement.remove();
    this.unregister();
    registerScene.disposed({ geometries: left.geometries, textures: left.textures, calls: 0, triangles: 0 });
  }
}

/**
 * Text labels over the canvas (block names, transformer, cell min / max, modules) as absolutely positioned DOM
 * elements projected from scene positions on each rendered frame: crisp text at any zoom, no font textures on the
 * GPU, and always readable on the navy scene.
 */
import { type Camera, Vector3 } from 'three';
import type { SceneLabel } from './siteObjects';

const STYLE: Record<SceneLabel['kind'], string> = {
  block: 'color:#dbe7ff;background:rgba(10,20,40,0.72);border:1px solid rgba(127,166,230,0.45);font-size:11px;',
  transformer: 'color:#f2f5fb;background:rgba(75,93,126,0.85);font-size:11px;font-weight:600;',
  cellMax: 'color:#fff;background:rgba(220,60,66,0.9);font-size:12px;font-weight:600;',
  cellMin: 'color:#062033;background:rgba(125,211,252,0.92);font-size:12px;font-weight:600;',
  module: 'color:#9fb3d9;font-size:10px;',
};

const v = new Vector3();

/** The DOM label layer of a scene. */
export class LabelLayer {
  readonly element: HTMLDivElement;
  private items: Array<{ label: SceneLabel; el: HTMLDivElement }> = [];

  constructor(parent: HTMLElement) {
    this.element = document.createElement('div');
    this.element.style.cssText = 'position:absolute;inset:0;pointer-events:none;overflow:hidden;';
    this.element.dataset.testid = 'site3d-labels';
    parent.appendChild(this.element);
  }

  /** Replaces all labels. */
  set(labels: readonly SceneLabel[]): void {
    this.element.replaceChildren();
    this.items = labels.map((label) => {
      const el = document.createElement('div');
      el.textContent = label.text;
      el.dataset.kind = label.kind;
      el.style.cssText =
        'position:absolute;left:0;top:0;white-space:nowrap;padding:1px 5px;border-radius:3px;' +
        'font-family:Inter,Helvetica,Arial,sans-serif;line-height:16px;will-change:transform;' +
        STYLE[label.kind];
      this.element.appendChild(el);
      return { label, el };
    });
  }

  /** Re-projects the labels for a camera and canvas size (CSS px); hides those behind the camera. */
  update(camera: Camera, width: number, height: number): void {
    for (const { label, el } of this.items) {
      v.copy(label.position).project(camera);
      if (v.z > 1 || v.z < -1) {
        el.style.display = 'none';
        continue;
      }
      el.style.display = '';
      const x = ((v.x + 1) / 2) * width;
      const y = ((1 - v.y) / 2) * height;
      const shift =
        label.side === 'left'
          ? 'translate(calc(-100% - 10px), -50%)'
          : label.side === 'right'
            ? 'translate(10px, -50%)'
            : 'translate(-50%, -100%)';
      el.style.transform = `translate(${x.toFixed(1)}px, ${y.toFixed(1)}px) ${shift}`;
    }
  }

  dispose(): void {
    this.items = [];
    this.element.remove();
  }
}

/* global window, console */
/**
 * setupFilesAfterEnv for every plugin jest project (create-plugin's .config/jest-setup.js equivalent):
 * jest-dom matchers and the browser APIs jsdom lacks that @grafana/ui touches. Guarded so that node-environment
 * test files (browser harness tests) can use the same project.
 */
require('@testing-library/jest-dom');
const { TextEncoder, TextDecoder } = require('node:util');

process.env.TZ = process.env.TZ || 'UTC';

if (typeof globalThis.TextEncoder === 'undefined') {
  globalThis.TextEncoder = TextEncoder;
  globalThis.TextDecoder = TextDecoder;
}

if (typeof window !== 'undefined') {
  if (!window.matchMedia) {
    Object.defineProperty(window, 'matchMedia', {
      writable: true,
      value: (query) => ({
        matches: false,
        media: query,
        onchange: null,
        addListener: () => {},
        removeListener: () => {},
        addEventListener: () => {},
        removeEventListener: () => {},
        dispatchEvent: () => false,
      }),
    });
  }

  if (!window.ResizeObserver) {
    window.ResizeObserver = class ResizeObserver {
      constructor(callback) {
        this.callback = callback;
      }
      observe(target) {
        // Report one size so components that wait for a measurement render.
        this.callback(
          [{ target, contentRect: { width: 800, height: 600, top: 0, left: 0, bottom: 600, right: 800 } }],
          this
        );
      }
      unobserve() {}
      disconnect() {}
    };
  }

  if (!window.IntersectionObserver) {
    window.IntersectionObserver = class IntersectionObserver {
      observe() {}
      unobserve() {}
      disconnect() {}
      takeRecords() {
        return [];
      }
    };
  }

  // jsdom has no canvas. '2d' gets an inert context (every method a no-op, measureText ~7 px per character) so
  // @grafana/ui's text measuring works; 'webgl'/'webgl2' get null, as in a browser without WebGL.
  window.HTMLCanvasElement.prototype.getContext = function getContext(type) {
    if (type !== '2d') {
      return null;
    }
    const base = {
      canvas: this,
      measureText: (text) => ({
        width: String(text).length * 7,
        actualBoundingBoxAscent: 8,
        actualBoundingBoxDescent: 2,
      }),
      createLinearGradient: () => ({ addColorStop: () => {} }),
      createRadialGradient: () => ({ addColorStop: () => {} }),
      getImageData: (_x, _y, w, h) => ({ width: w, height: h, data: new Uint8ClampedArray(w * h * 4) }),
      getLineDash: () => [],
    };
    return new Proxy(base, { get: (target, prop) => (prop in target ? target[prop] : () => {}) });
  };

  if (!window.scrollTo || String(window.scrollTo).includes('not implemented')) {
    window.scrollTo = () => {};
  }
  if (!window.HTMLElement.prototype.scrollIntoView) {
    window.HTMLElement.prototype.scrollIntoView = () => {};
  }
}

// i18next (initialised by @grafana/i18n) advertises itself on console.info in every test file: keep output clean.
const info = console.info.bind(console);
console.info = (...args) => {
  if (typeof args[0] === 'string' && args[0].includes('i18next is made possible')) {
    return;
  }
  info(...args);
};

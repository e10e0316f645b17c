import { createHash } from 'node:crypto';
import { Router, type RequestHandler } from 'express';
import multer from 'multer';
import { ATTACHMENT_FIELD, can, type Attachment } from '@openbess/model';
import { HttpError } from '../api/errors';
import { recordAudit } from './audit';
import { handle, idParam, type MaintenanceDeps } from './context';
import { inTransaction, type Db } from './db';
import { FileRejected, sanitizeFileName, sniffType } from './files';
import { actorOf, assertCan } from './scope';
import { editableWorkOrder } from './tasks';
import { loadWorkOrder } from './workOrderRepo';

interface AttachmentRow {
  id: string;
  work_order_id: string;
  name: string;
  media_type: string;
  size: string;
  sha256: string;
  uploaded_by: string;
  uploaded_at: Date;
}

const META = 'id, work_order_id, name, media_type, size, sha256, uploaded_by, uploaded_at';

const toAttachment = (r: AttachmentRow): Attachment => ({
  id: Number(r.id),
  workOrderId: Number(r.work_order_id),
  name: r.name,
  mediaType: r.media_type,
  size: Number(r.size),
  sha256: r.sha256,
  uploadedBy: r.uploaded_by,
  uploadedAt: r.uploaded_at.toISOString(),
});

/**
 * Multipart parsing with multer into memory (never to disk), one file in field `file`, at most `maxBytes`;
 * multer's errors become clear 4xx (413 too large, 400 otherwise).
 */
function uploadMiddleware(maxBytes: number): RequestHandler {
  const m = multer({
    storage: multer.memoryStorage(),
    limits: { fileSize: maxBytes, files: 1, fields: 5, parts: 10, fieldSize: 64 * 1024 },
    // Keep the client's path so `../x` and `/etc/x` are refused instead of silently cut to a base name.
    preservePath: true,
    defParamCharset: 'utf8',
  }).single(ATTACHMENT_FIELD);
  return (req, res, next) => {
    if (!req.is('multipart/form-data'))
      return next(
        new HttpError(400, `upload must be multipart/form-data with the file in field "${ATTACHMENT_FIELD}"`)
      );
    m(req, res, (err: unknown) => {
      if (!err) return next();
      if (err instanceof multer.MulterError) {
        if (err.code === 'LIMIT_FILE_SIZE')
          return next(new HttpError(413, `file too large: the limit is ${maxBytes} bytes`));
        if (err.code === 'LIMIT_UNEXPECTED_FILE')
          return next(
            new HttpError(400, `unexpected file field "${err.field}": send one file in "${ATTACHMENT_FIELD}"`)
          );
        return next(new HttpError(400, `bad upload: ${err.message}`));
      }
      const e = err as Error;
      return next(new HttpError(400, `bad multipart body: ${e.message}`));
    });
  };
}

/** Deletes a blob no attachment refers to any more. */
async function collectBlob(db: Db, sha256: string): Promise<void> {
  await db.query(
    'DELETE FROM mnt_blob b WHERE b.sha256 = $1 AND NOT EXISTS (SELECT 1 FROM mnt_attachment a WHERE a.sha256 = b.sha256)',
    [sha256]
  );
}

/**
 * File routes under `/work-orders/:id/attachments`. Content is stored in PostgreSQL (`mnt_blob`, bytea),
 * addressed by SHA-256 (identical files stored once); nothing is written to the file system.
 */
export function attachmentRoutes(deps: MaintenanceDeps): Router {
  const r = Router();
  const { pool } = deps;

  r.get(
    '/work-orders/:id/attachments',
    handle(deps, async (req, res, actor) => {
      assertCan(actor, 'workOrder.view');
      const id = idParam(req, 'id');
      await loadWorkOrder(pool, actor, id);
      const rows = await pool.query<AttachmentRow>(
        `SELECT ${META} FROM mnt_attachment WHERE work_order_id = $1 ORDER BY id`,
        [id]
      );
      res.json({ items: rows.rows.map(toAttachment) });
    })
  );

  r.post(
    '/work-orders/:id/attachments',
    // Role and work order are checked before the body is read: refused uploads are never buffered.
    (req, _res, next) => {
      actorOf(pool, req)
        .then(async (actor) => {
          assertCan(actor, 'attachment.upload');
          await loadWorkOrder(pool, actor, idParam(req, 'id'));
          next();
        })
        .catch(next);
    },
    uploadMiddleware(deps.config.maxAttachmentBytes),
    handle(deps, async (req, res, actor) => {
      const id = idParam(req, 'id');
      const file = req.file;
      if (!file) throw new HttpError(400, `no file: send one file in multipart field "${ATTACHMENT_FIELD}"`);
      let name: string;
      let mediaType: string;
      try {
        name = sanitizeFileName(file.originalname);
        mediaType = sniffType(name, file.buffer);
      } catch (e) {
        if (e instanceof FileRejected) throw new HttpError(e.status, e.message);
        throw e;
      }
      const sha256 = createHash('sha256').update(file.buffer).digest('hex');
      const att = await inTransaction(pool, async (c) => {
        await editableWorkOrder(c, actor, id);
        await c.query('INSERT INTO mnt_blob (sha256, size, data) VALUES ($1, $2, $3) ON CONFLICT (sha256) DO NOTHING', [
          sha256,
          file.size,
          file.buffer,
        ]);
        const row = await c.query<AttachmentRow>(
          `INSERT INTO mnt_attachment (work_order_id, name, media_type, size, sha256, uploaded_by)
           VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${META}`,
          [id, name, mediaType, file.size, sha256, actor.name]
        );
        const a = toAttachment(row.rows[0]);
        await recordAudit(c, id, actor.name, [{ field: `attachment:${a.id}`, old: null, new: name }]);
        return a;
      });
      res.status(201).json(att);
    })
  );

  r.get(
    '/work-orders/:id/attachments/:attId',
    handle(deps, async (req, res, actor) => {
      assertCan(actor, 'workOrder.view');
      const id = idParam(req, 'id');
      const attId = idParam(req, 'attId');
      await loadWorkOrder(pool, actor, id);
      const row = await pool.query<AttachmentRow & { data: Buffer }>(
        `SELECT a.name, a.media_type, a.size, b.data FROM mnt_attachment a JOIN mnt_blob b ON b.sha256 = a.sha256
         WHERE a.id = $1 AND a.work_order_id = $2`,
        [attId, id]
      );
      if (row.rowCount === 0) throw new HttpError(404, `work order ${id} has no attachment ${attId}`);
      const a = row.rows[0];
      res.setHeader('Content-Type', a.media_type);
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
      res.setHeader('Cache-Control', 'private, no-cache');
      res.attachment(a.name);
      res.end(a.data);
    })
  );

  r.delete(
    '/work-orders/:id/attachments/:attId',
    handle(deps, async (req, res, actor) => {
      const id = idParam(req, 'id');
      const attId = idParam(req, 'attId');
      assertCan(actor, 'attachment.deleteOwn');
      await inTransaction(pool, async (c) => {
        await editableWorkOrder(c, actor, id);
        const cur = await c.query<AttachmentRow>(
          `SELECT ${META} FROM mnt_attachment WHERE id = $1 AND work_order_id = $2 FOR UPDATE`,
          [attId, id]
        );
        if (cur.rowCount === 0) throw new HttpError(404, `work order ${id} has no attachment ${attId}`);
        const a = cur.rows[0];
        if (a.uploaded_by !== actor.name && !can(actor.role, 'attachment.deleteAny'))
          throw new HttpError(
            403,
            `role ${actor.role} may delete only own files (${a.name} was uploaded by ${a.uploaded_by})`
          );
        await c.query('DELETE FROM mnt_attachment WHERE id = $1', [attId]);
        await collectBlob(c, a.sha256);
        await recordAudit(c, id, actor.name, [{ field: `attachment:${attId}`, old: a.name, new: null }]);
      });
      res.status(204).end();
    })
  );

  return r;
}

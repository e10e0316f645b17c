import { filetypeinfo } from 'magic-bytes.js';

/** A file type the API accepts: media type and the extensions a name may carry for it. */
interface Accepted {
  mediaType: string;
  extensions: string[];
}

/** Binary types accepted when sniffed from the content (magic bytes). */
const BINARY: Record<string, Accepted> = {
  'image/png': { mediaType: 'image/png', extensions: ['png'] },
  'image/jpeg': { mediaType: 'image/jpeg', extensions: ['jpg', 'jpeg', 'jpe', 'jfif'] },
  'image/gif': { mediaType: 'image/gif', extensions: ['gif'] },
  'image/webp': { mediaType: 'image/webp', extensions: ['webp'] },
  'image/bmp': { mediaType: 'image/bmp', extensions: ['bmp'] },
  'image/tiff': { mediaType: 'image/tiff', extensions: ['tif', 'tiff'] },
  'image/heic': { mediaType: 'image/heic', extensions: ['heic', 'heif'] },
  'application/pdf': { mediaType: 'application/pdf', extensions: ['pdf'] },
  'video/mp4': { mediaType: 'video/mp4', extensions: ['mp4', 'm4v'] },
  'video/quicktime': { mediaType: 'video/quicktime', extensions: ['mov'] },
};

const BINARY_EXTS = new Set(Object.values(BINARY).flatMap((a) => a.extensions));

/** Zip containers: plain zip and the Office Open XML / OpenDocument formats built on it. */
const ZIP_BY_EXT: Record<string, string> = {
  zip: 'application/zip',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  odt: 'application/vnd.oasis.opendocument.text',
  ods: 'application/vnd.oasis.opendocument.spreadsheet',
};

/** Text files (no magic number): accepted by extension when the content is UTF-8 text. */
const TEXT_BY_EXT: Record<string, string> = {
  txt: 'text/plain',
  log: 'text/plain',
  csv: 'text/csv',
  json: 'application/json',
  md: 'text/markdown',
};

/** Why a file was refused: `status` 400 (bad name/empty) or 415 (type). */
export class FileRejected extends Error {
  constructor(
    readonly status: 400 | 415,
    message: string
  ) {
    super(message);
    this.name = 'FileRejected';
  }
}

const MAX_NAME = 200;

/**
 * Checks and sanitises a client-supplied file name: refused (400) when it carries a path (`/`, `\`, `..`
 * segments, drive letters) or has nothing usable; otherwise Unicode-normalised (NFC), control and reserved
 * characters (`<>:"|?*`) replaced by `_`, leading dots and trailing dots/spaces removed, cut to 200 characters
 * keeping the extension. The stored name never reaches the file system (content is stored by SHA-256).
 * @throws FileRejected 400
 */
export function sanitizeFileName(raw: string): string {
  const name = raw.normalize('NFC');
  if (/[/\\]/.test(name) || /^[A-Za-z]:/.test(name) || name.split(/[/\\]/).includes('..'))
    throw new FileRejected(400, `file name "${raw.slice(0, 100)}" contains a path; send the bare file name`);
  // eslint-disable-next-line no-control-regex
  let s = name.replace(/[\u0000-\u001f\u007f-\u009f<>:"|?*\u202a-\u202e\u2066-\u2069]/g, '_');
  s = s.replace(/^[.\s]+/, '').replace(/[.\s]+$/, '');
  if (s === '' || /^_*$/.test(s)) throw new FileRejected(400, `file name "${raw.slice(0, 100)}" is empty or invalid`);
  if (s.length > MAX_NAME) {
    const dot = s.lastIndexOf('.');
    const ext = dot > 0 && s.length - dot <= 12 ? s.slice(dot) : '';
    s = s.slice(0, MAX_NAME - ext.length) + ext;
  }
  return s;
}

const extOf = (name: string): string => {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
};

/** Whether bytes are UTF-8 text (no NUL, valid UTF-8). */
function isUtf8Text(data: Buffer): boolean {
  if (data.includes(0)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(data);
    return true;
  } catch {
    return false;
  }
}

/**
 * Decides the media type of an upload from its content (magic bytes via `magic-bytes.js`), cross-checked with
 * the name's extension: images, PDF, MP4/QuickTime, zip/Office documents and UTF-8 text (`.txt`, `.log`, `.csv`,
 * `.json`, `.md`) are accepted; everything else — executables, scripts, HTML, SVG — and any content that is not
 * what its extension claims (a script named `photo.png`) is refused.
 * @throws FileRejected 400 (empty) or 415 (type)
 */
export function sniffType(name: string, data: Buffer): string {
  if (data.length === 0) throw new FileRejected(400, `file "${name}" is empty`);
  const ext = extOf(name);
  const sniffed = filetypeinfo(new Uint8Array(data.buffer, data.byteOffset, Math.min(data.length, 4096)));
  const mimes = sniffed.map((t) => t.mime).filter((m): m is string => !!m);
  for (const m of mimes) {
    const acc = BINARY[m];
    if (acc) {
      if (!acc.extensions.includes(ext))
        throw new FileRejected(415, `file "${name}": content is ${m} but the name says .${ext || '(none)'}`);
      return acc.mediaType;
    }
  }
  if (mimes.includes('application/zip') || sniffed.some((t) => t.typename === 'zip')) {
    const z = ZIP_BY_EXT[ext];
    if (!z) throw new FileRejected(415, `file "${name}": zip content needs a .zip/.docx/.xlsx/.pptx/.odt/.ods name`);
    return z;
  }
  if (sniffed.length > 0)
    throw new FileRejected(415, `file "${name}": type ${sniffed[0].mime ?? sniffed[0].typename} is not allowed`);
  const text = TEXT_BY_EXT[ext];
  if (text && isUtf8Text(data)) return text;
  if (BINARY_EXTS.has(ext))
    throw new FileRejected(415, `file "${name}": content is not a .${ext} file (disguised or damaged)`);
  throw new FileRejected(
    415,
    `file "${name}": type not allowed (images, PDF, video, zip/Office documents, text .txt/.log/.csv/.json/.md)`
  );
}

import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A file the Drive stand-in holds (Drive v3 file resource fields, plus its content). */
export interface DriveFile {
  id: string;
  name: string;
  mimeType: string;
  parents: string[];
  modifiedTime: string;
  content: string;
}

/** A message the Gmail stand-in accepted, decoded from its RFC 2822 `raw`. */
export interface SentMessage {
  id: string;
  threadId: string;
  headers: Record<string, string>;
  body: string;
}

export interface GoogleApiStandIn {
  /** Base URL in place of https://www.googleapis.com. */
  url: string;
  files: Map<string, DriveFile>;
  sent: SentMessage[];
  /** Requests refused for a missing or invalid access token. */
  readonly unauthorized: number;
  close(): Promise<void>;
}

const GOOGLE_DOC = 'application/vnd.google-apps.document';

/** RFC 2047 encoded words (=?UTF-8?B?...?=) decoded, as a mail client shows a header. */
function decodeWords(value: string): string {
  return value.replace(/=\?UTF-8\?B\?([A-Za-z0-9+/=]*)\?=/gi, (_, b64: string) =>
    Buffer.from(b64, 'base64').toString('utf8'),
  );
}

/**
 * The parts of Google's Drive v3 and Gmail v1 REST APIs the department workflows call, on loopback: files.list
 * (`q` with `'<folder>' in parents` and `trashed = false`), files.get (metadata, `alt=media`), files.export
 * (`text/plain` of a Google Doc) and users.messages.send (`raw`, base64url RFC 2822). Every request must carry an
 * access token the authorization server accepts (`check` asks its resource endpoint, as Google would its own
 * token store); otherwise 401, on which n8n refreshes the credential.
 */
export async function startGoogleApi(resourceUri: string, mailbox: string): Promise<GoogleApiStandIn> {
  const files = new Map<string, DriveFile>();
  const sent: SentMessage[] = [];
  let unauthorized = 0;
  const metadata = (f: DriveFile) => ({
    kind: 'drive#file',
    id: f.id,
    name: f.name,
    mimeType: f.mimeType,
    parents: f.parents,
    modifiedTime: f.modifiedTime,
    ...(f.mimeType === GOOGLE_DOC ? {} : { size: String(Buffer.byteLength(f.content)) }),
    webViewLink: `https://drive.google.com/file/d/${f.id}/view`,
  });
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (d: Buffer) => {
      raw += d.toString();
    });
    req.on('end', async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const json = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' });
        res.end(JSON.stringify(body));
      };
      const check = await fetch(resourceUri, { headers: { authorization: req.headers.authorization ?? '' } });
      if (!check.ok) {
        unauthorized++;
        res.writeHead(401, { 'www-authenticate': 'Bearer realm="https://accounts.google.com/"' });
        res.end(JSON.stringify({ error: { code: 401, message: 'Request had invalid authentication credentials.' } }));
        return;
      }
      const path = url.pathname;
      if (req.method === 'GET' && path === '/drive/v3/files') {
        const q = url.searchParams.get('q') ?? '';
        const folder = /'((?:[^'\\]|\\.)*)' in parents/.exec(q)?.[1]?.replace(/\\(.)/g, '$1');
        const listed = [...files.values()].filter((f) => !folder || f.parents.includes(folder));
        return json(200, { kind: 'drive#fileList', incompleteSearch: false, files: listed.map(metadata) });
      }
      const file = /^\/drive\/v3\/files\/([^/]+)(\/export)?$/.exec(path);
      if (req.method === 'GET' && file) {
        const found = files.get(decodeURIComponent(file[1] as string));
        if (!found) return json(404, { error: { code: 404, message: `File not found: ${file[1]}.` } });
        if (file[2]) {
          if (found.mimeType !== GOOGLE_DOC || url.searchParams.get('mimeType') !== 'text/plain') {
            return json(403, { error: { code: 403, message: 'Export only supports Docs Editors files.' } });
          }
          res.writeHead(200, { 'content-type': 'text/plain' });
          return res.end(found.content);
        }
        if (url.searchParams.get('alt') === 'media') {
          if (found.mimeType === GOOGLE_DOC) {
            return json(403, { error: { code: 403, message: 'Only files with binary content can be downloaded.' } });
          }
          res.writeHead(200, { 'content-type': found.mimeType });
          return res.end(found.content);
        }
        return json(200, metadata(found));
      }
      if (req.method === 'GET' && path === '/gmail/v1/users/me/profile') {
        return json(200, {
          emailAddress: mailbox,
          messagesTotal: sent.length,
          threadsTotal: sent.length,
          historyId: '1',
        });
      }
      if (req.method === 'POST' && path === '/gmail/v1/users/me/messages/send') {
        const body = JSON.parse(raw || '{}') as { raw?: string };
        if (!body.raw) return json(400, { error: { code: 400, message: "'raw' RFC822 payload message string" } });
        const message = Buffer.from(body.raw, 'base64url').toString('utf8');
        const [head = '', ...rest] = message.split(/\r?\n\r?\n/);
        const headers = Object.fromEntries(
          head.split(/\r?\n/).map((line) => {
            const i = line.indexOf(':');
            return [line.slice(0, i).trim().toLowerCase(), decodeWords(line.slice(i + 1).trim())];
          }),
        );
        const id = randomBytes(8).toString('hex');
        sent.push({ id, threadId: id, headers, body: rest.join('\n\n') });
        return json(200, { id, threadId: id, labelIds: ['SENT'] });
      }
      json(404, { error: { code: 404, message: `no stand-in for ${req.method} ${path}` } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    files,
    sent,
    get unauthorized() {
      return unauthorized;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

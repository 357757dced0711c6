import { connect } from 'node:net';

/**
 * HTTP/1.1 over a bare TCP socket, for requests that fetch (and any well-behaved client) refuses to send
 * or quietly normalises: absolute-form request lines (`GET http://host/path HTTP/1.1`), dot segments and
 * encoded slashes kept as written, unknown methods, CR/LF or raw bytes in header values, duplicated
 * headers. What you give is what goes on the wire; only `host`, `content-length` and `connection: close`
 * are added, unless `autoHeaders` is false.
 */

/** One header line; names may repeat. Characters U+0000–U+00FF are written as single bytes (latin1). */
export type RawHeader = [name: string, value: string];

export interface RawRequest {
  method: string;
  /** The request-target exactly as written on the request line: `/path?q`, `http://host/path`, `*`. */
  target: string;
  headers?: RawHeader[];
  body?: string | Buffer;
  /** `HTTP/1.1` unless told otherwise. */
  version?: string;
  /** Adds host, content-length (when there is a body) and connection: close. Default true. */
  autoHeaders?: boolean;
  /** Leaves out the host header even with autoHeaders (an HTTP/1.0 request, or a broken one). */
  omitHost?: boolean;
  /** Gives up after this long. Default 10 s. */
  timeoutMs?: number;
}

export interface RawResponse {
  /**
   * `answered`: a status line came back; `closed`: the server closed the connection without one;
   * `timeout`: nothing complete within timeoutMs; `error`: the socket failed (reset, refused).
   */
  outcome: 'answered' | 'closed' | 'timeout' | 'error';
  /** The status code, or 0 without an answer. */
  status: number;
  /** Lower-cased names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** The body as received (chunked encoding removed); for an event stream, whatever came with the head. */
  body: Buffer;
  /** A socket error's message, when outcome is `error`. */
  error?: string;
}

const HEAD_END = Buffer.from('\r\n\r\n');

/** Sends one request on a fresh connection and reads one response. Never rejects. */
export function rawRequest(port: number, request: RawRequest, host = '127.0.0.1'): Promise<RawResponse> {
  const body = request.body === undefined ? undefined : Buffer.isBuffer(request.body) ? request.body : Buffer.from(request.body, 'utf8');
  const headers: RawHeader[] = [...(request.headers ?? [])];
  if (request.autoHeaders !== false) {
    const has = (name: string) => headers.some(([key]) => key.toLowerCase() === name);
    if (!has('host') && !request.omitHost) headers.unshift(['host', `${host}:${port}`]);
    if (body !== undefined && !has('content-length') && !has('transfer-encoding')) headers.push(['content-length', String(body.length)]);
    if (!has('connection')) headers.push(['connection', 'close']);
  }
  const head = `${request.method} ${request.target} ${request.version ?? 'HTTP/1.1'}\r\n${headers.map(([name, value]) => `${name}: ${value}\r\n`).join('')}\r\n`;
  const bytes = body ? Buffer.concat([Buffer.from(head, 'latin1'), body]) : Buffer.from(head, 'latin1');
  const bodyless = request.method.toUpperCase() === 'HEAD';

  return new Promise((resolve) => {
    const socket = connect({ port, host });
    const chunks: Buffer[] = [];
    let received = Buffer.alloc(0);
    let settled = false;
    const finish = (outcome: RawResponse['outcome'], error?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const parsed = parseResponse(received);
      if (parsed) resolve({ outcome: 'answered', ...parsed });
      else resolve({ outcome, status: 0, headers: {}, body: Buffer.alloc(0), error });
    };
    const timer = setTimeout(() => finish('timeout'), request.timeoutMs ?? 10_000);

    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      received = Buffer.concat(chunks);
      if (isComplete(received, bodyless)) finish('answered');
    });
    socket.on('end', () => finish('closed'));
    socket.on('close', () => finish('closed'));
    socket.on('error', (error) => finish('error', error.message));
    socket.write(bytes);
  });
}

/** Whether `data` holds a whole response: head, then the body its headers announce. */
function isComplete(data: Buffer, bodyless: boolean): boolean {
  const end = data.indexOf(HEAD_END);
  if (end < 0) return false;
  const head = parseHead(data.subarray(0, end).toString('latin1'));
  if (!head) return false;
  const rest = data.subarray(end + HEAD_END.length);
  if (bodyless || head.status === 204 || head.status === 304 || (head.status >= 100 && head.status < 200)) return true;
  // An event stream never ends by itself: its status and headers are the answer.
  if ((head.headers['content-type'] ?? '').startsWith('text/event-stream')) return true;
  if (/chunked/i.test(head.headers['transfer-encoding'] ?? '')) return rest.includes(Buffer.from('0\r\n\r\n')) && dechunk(rest) !== undefined;
  const length = Number(head.headers['content-length'] ?? NaN);
  return Number.isFinite(length) && rest.length >= length;
}

function parseResponse(data: Buffer): Omit<RawResponse, 'outcome'> | undefined {
  const end = data.indexOf(HEAD_END);
  const head = parseHead(data.subarray(0, end < 0 ? data.length : end).toString('latin1'));
  if (!head) return undefined;
  const rest = end < 0 ? Buffer.alloc(0) : data.subarray(end + HEAD_END.length);
  const body = /chunked/i.test(head.headers['transfer-encoding'] ?? '') ? (dechunk(rest) ?? rest) : rest;
  return { status: head.status, headers: head.headers, body };
}

function parseHead(text: string): { status: number; headers: Record<string, string> } | undefined {
  const [statusLine, ...lines] = text.split('\r\n');
  const match = /^HTTP\/\d(?:\.\d)? (\d{3})/.exec(statusLine);
  if (!match) return undefined;
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
  }
  return { status: Number(match[1]), headers };
}

/** The body of a chunked message, or undefined while it is incomplete. */
function dechunk(data: Buffer): Buffer | undefined {
  const parts: Buffer[] = [];
  let offset = 0;
  for (;;) {
    const lineEnd = data.indexOf('\r\n', offset);
    if (lineEnd < 0) return undefined;
    const size = parseInt(data.subarray(offset, lineEnd).toString('latin1'), 16);
    if (!Number.isFinite(size)) return undefined;
    if (size === 0) return Buffer.concat(parts);
    const start = lineEnd + 2;
    if (data.length < start + size + 2) return undefined;
    parts.push(data.subarray(start, start + size));
    offset = start + size + 2;
  }
}

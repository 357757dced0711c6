// Calls to Herald's own API from a page of Herald's (the admin UI, the portal). A cookie authenticates them;
// the page's own header (x-herald-ui, x-herald-portal) is what a cross-site form cannot send, so the
// cookie alone opens nothing.

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export type Call = <T>(method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<T>;

/** A `call` that sends `header: 1` with every request to /api/v1. */
export function client(header: string): Call {
  return async <T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> => {
    const response = await fetch(`/api/v1${path}`, {
      method,
      credentials: 'same-origin',
      headers: { [header]: '1', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new ApiFailure(response.status, await explain(response));
    return (response.status === 204 ? undefined : await response.json()) as T;
  };
}

/** The error body's detail (Svix's shape), or the status line when there is none. */
async function explain(response: Response): Promise<string> {
  try {
    const body = await response.json();
    if (typeof body.detail === 'string') return body.detail;
    if (Array.isArray(body.detail)) return body.detail.map((item: { msg?: string }) => item.msg ?? JSON.stringify(item)).join('; ');
  } catch {
    // not JSON: fall through
  }
  return `${response.status} ${response.statusText}`;
}

/** Path segments, each encoded. */
export const path = (...parts: string[]) => parts.map(encodeURIComponent).join('/');

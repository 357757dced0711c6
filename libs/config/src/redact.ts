/** Query parameters whose values are credentials (`?password=` for Redis, `sslkey`/`sslpassword` for PostgreSQL…). */
const SECRET_PARAMETER = /pass|secret|token|key|auth|cred/i;

/**
 * A connection URL fit for a log line: the password (and the user name, when there is no password, as in
 * `redis://PASSWORD@host`), and every credential-like query parameter become `***`. Text that is not a URL
 * loses everything between `//` and `@`.
 */
export function redactUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return text.replace(/\/\/[^/?#]*@/, '//***@');
  }
  if (url.password) url.password = '***';
  else if (url.username) url.username = '***';
  for (const name of [...url.searchParams.keys()]) if (SECRET_PARAMETER.test(name)) url.searchParams.set(name, '***');
  return url.toString().replace(/%2A%2A%2A/g, '***');
}

import { randomBytes } from 'node:crypto';

/** A per-process marker no client can guess, so a client's own strings can never be taken for a placeholder. */
const MARK = `herald-raw-json-${randomBytes(16).toString('hex')}-`;
const PLACEHOLDER = new RegExp(`"${MARK}(\\d+)"`, 'g');
let collecting: string[] | undefined;

/**
 * JSON text that goes into a response as it is: a message's payload is sent byte for byte as it was
 * stored and signed, never parsed and serialised again (which costs time, and would recurse as deep as a
 * payload nests). Serialise responses with `stringifyWithRawJson`; anywhere else it is a plain value.
 */
export class RawJson {
  constructor(readonly text: string) {}

  toJSON(): unknown {
    if (!collecting) return JSON.parse(this.text);
    return MARK + (collecting.push(this.text) - 1);
  }
}

/** JSON.stringify, with every RawJson's text spliced in where it stands. */
export function stringifyWithRawJson(value: unknown): string {
  const raws: string[] = [];
  collecting = raws;
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } finally {
    collecting = undefined;
  }
  if (json === undefined) return '';
  return raws.length === 0 ? json : json.replace(PLACEHOLDER, (_, index: string) => raws[Number(index)]);
}

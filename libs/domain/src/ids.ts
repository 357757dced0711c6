import { monotonicFactory } from 'ulid';

const ulid = monotonicFactory();

/** Svix-style prefixed ids (`app_…`, `ep_…`, `msg_…`); the ULID part sorts by creation time, which list pagination relies on. */
export const newId = {
  application: () => `app_${ulid()}`,
  endpoint: () => `ep_${ulid()}`,
  message: () => `msg_${ulid()}`,
  delivery: () => `dlv_${ulid()}`,
  attempt: () => `atmpt_${ulid()}`,
};

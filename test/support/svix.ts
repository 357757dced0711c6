import { ApiException } from 'svix';

/** The ApiException a svix SDK call fails with (the test fails if it succeeds or fails otherwise). */
export async function rejection(call: Promise<unknown>): Promise<ApiException<any>> {
  try {
    await call;
  } catch (error) {
    if (error instanceof ApiException) return error;
    throw error;
  }
  throw new Error('expected the call to fail with an ApiException');
}

/** Most calls one HTTP request may batch; the server rejects larger batches with 400. */
export const MAX_BATCH_SIZE = 10;

/** LMDB's largest key (as lmdb-js builds it): longer datastore keys are refused, and longer stat-cache paths are not cached. */
export const MAX_KEY_BYTES = 1978

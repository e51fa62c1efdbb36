/**
 * The longest layer or module an event may have, however it gets one (an ingest field, a GitHub label
 * `layer:…`). Both columns are keys of the filter indexes (migrations/006), whose entries PostgreSQL
 * caps at ~2.7 kB: unbounded, one long label made a delivery unstorable (a 500, the delivery lost).
 */
export const LAYER_MAX_LENGTH = 64;

/** The longest title and actor an event may have; what is made from longer text is cut to fit (core/text.ts). */
export const EVENT_TITLE_MAX_LENGTH = 500;
export const EVENT_ACTOR_MAX_LENGTH = 200;

import { createRouter } from '../http/router.js';
import { streamFeed } from './feed.handlers.js';
import { feed, type FeedEnv } from './feed.routes.js';

/** The live feed. Dependencies come from `c.var.feed`. */
export const feedRouter = createRouter<FeedEnv>().openapi(feed, streamFeed);

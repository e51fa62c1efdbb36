import { createRouter } from '../http/router.js';
import { showTimeline } from './timeline.handlers.js';
import { timeline, type TimelineEnv } from './timeline.routes.js';

/** A task's timeline. Dependencies come from `c.var.timeline`. */
export const timelineRouter = createRouter<TimelineEnv>().openapi(timeline, showTimeline);

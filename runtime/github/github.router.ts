import { createRouter } from '../http/router.js';
import { receiveDelivery, webhookHealth } from './github.handlers.js';
import { health, receive, type GithubEnv } from './github.routes.js';

/** Signed GitHub deliveries and the receiver's health. Dependencies come from `c.var.github`. */
export const githubRouter = createRouter<GithubEnv>().openapi(receive, receiveDelivery).openapi(health, webhookHealth);

// Pulumi entry point: read the stack config once (the VTID guard runs here, before any resource),
// deploy, export the outputs. See docs/DEPLOY.md.
import { readConfig } from './infra/config.js';
import { deploy } from './infra/index.js';

const outputs = deploy(readConfig());

export const gatewayUrl = outputs.gatewayUrl;
export const webhookUrl = outputs.webhookUrl;
export const feedUrl = outputs.feedUrl;
export const eventsApiUrl = outputs.eventsApiUrl;
export const consoleUrl = outputs.consoleUrl;
export const watcherUrl = outputs.watcherUrl;
export const webhookSecret = outputs.webhookSecret;

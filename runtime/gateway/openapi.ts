import { gatewayRouter } from './gateway.router.js';
import { gatewayDocument, oasisDocument } from './openapi-document.js';

/**
 * The OpenAPI documents without a running gateway (for `npm run openapi`): built from the route specs
 * alone. The gateway's router holds no dependency (handlers read theirs from the request's context),
 * so nothing is faked: no database, no secret, no feed hub.
 */

export const gatewayOpenApiDocument = () => gatewayDocument(gatewayRouter);
export const oasisOpenApiDocument = () => oasisDocument(gatewayRouter);

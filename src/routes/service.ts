import type { RouteDeclaration } from './declare.js';

/** Routes for operators and tools, left out of the OpenAPI document. */

export const openapi = {
  method: 'GET',
  path: '/openapi.json',
  summary: 'The OpenAPI 3 document of every documented route',
  tags: ['node'],
  auth: 'public',
  rateLimit: 'request',
  response: {},
  undocumented: true,
} as const satisfies RouteDeclaration;

export const metrics = {
  method: 'GET',
  path: '/metrics',
  summary: 'Prometheus metrics of the node and its API',
  tags: ['node'],
  auth: 'public',
  rateLimit: 'request',
  response: {},
  undocumented: true,
} as const satisfies RouteDeclaration;

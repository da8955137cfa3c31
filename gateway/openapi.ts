import { z } from 'zod';
import { crossDeptQueryRequest, crossDeptQueryResponse } from '../crds/cross-department-query.ts';
import { auditEntrySchema as auditLogEntry } from './audit/entries.ts';
import { auditQuery } from './audit/query.ts';
import { documentSearchRequest, documentSearchResponse, ingestRequest, ingestResponse } from './documents/schemas.ts';
import {
  deprovisioningResponse,
  provisioningRequest,
  provisioningResponse,
  provisioningStatus,
} from './provisioning/schemas.ts';

const schema = (s: z.ZodType, io: 'input' | 'output' = 'output') =>
  z.toJSONSchema(s, { target: 'openapi-3.0', io, unrepresentable: 'any' });

const problem = {
  type: 'object',
  description: 'RFC 9457 problem details.',
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string' },
  },
  required: ['type', 'title', 'status'],
};

const errors = (...codes: number[]) =>
  Object.fromEntries(
    codes.map((code) => [
      String(code),
      {
        description: code === 429 ? 'Rate limit exceeded (Retry-After, RateLimit, RateLimit-Policy)' : 'Problem',
        content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
      },
    ]),
  );

const json = (description: string, ref: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } },
});

const pathParam = (name: string, format?: string) => ({
  name,
  in: 'path',
  required: true,
  schema: { type: 'string', ...(format ? { format } : {}) },
});

/** Query parameters from a zod object (the same schema that parses them). */
const queryParams = (s: z.ZodObject) =>
  Object.entries(s.shape).map(([name, field]) => ({
    name,
    in: 'query',
    required: false,
    schema: z.toJSONSchema(field as z.ZodType, { target: 'openapi-3.0', io: 'input', unrepresentable: 'any' }),
  }));

const plain = (summary: string, description: string) => ({
  get: { summary, security: [], responses: { '200': { description } } },
});

/** The gateway's OpenAPI 3 document; a test checks it lists exactly the routes the app serves. */
export function openApiDocument() {
  return {
    openapi: '3.0.3',
    info: {
      title: 'Federation gateway',
      version: '1.0.0',
      description: 'Cross-department queries (grants, rate limits, audit) and the provisioning facade.',
    },
    servers: [{ url: '/' }],
    security: [{ BearerAuth: [] }],
    components: {
      securitySchemes: { BearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: {
        Problem: problem,
        CrossDeptQueryRequest: schema(crossDeptQueryRequest, 'input'),
        CrossDeptQueryResponse: schema(crossDeptQueryResponse),
        AuditLogEntry: schema(auditLogEntry),
        ProvisioningRequest: schema(provisioningRequest, 'input'),
        ProvisioningResponse: schema(provisioningResponse),
        ProvisioningStatus: schema(provisioningStatus),
        DeprovisioningResponse: schema(deprovisioningResponse),
        DocumentRequest: schema(ingestRequest, 'input'),
        DocumentResponse: schema(ingestResponse),
        DocumentSearchRequest: schema(documentSearchRequest, 'input'),
        DocumentSearchResponse: schema(documentSearchResponse),
      },
    },
    paths: {
      '/healthz': plain('Liveness', 'The process is up'),
      '/readyz': {
        get: {
          summary: 'Readiness: the database is reachable',
          security: [],
          responses: { '200': { description: 'Ready' }, ...errors(503) },
        },
      },
      '/metrics': plain('Prometheus metrics', 'Metrics in the Prometheus text format'),
      '/openapi.json': plain('This document', 'The OpenAPI document'),
      '/.well-known/jwks.json': plain('Public keys of the platform token issuer', 'A JWK Set'),
      '/api/v1/cross-dept/query': {
        post: {
          summary: 'Query another department’s data (source department from the token)',
          operationId: 'crossDepartmentQuery',
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { $ref: '#/components/schemas/CrossDeptQueryRequest' } } },
          },
          responses: {
            '200': json('Query results', 'CrossDeptQueryResponse'),
            ...errors(400, 401, 403, 404, 413, 415, 429, 500),
          },
        },
      },
      '/api/v1/cross-dept/audit-log/{query_id}': {
        get: {
          summary: 'An audit entry (source, target department or admin only)',
          operationId: 'getAuditLogEntry',
          parameters: [pathParam('query_id', 'uuid')],
          responses: { '200': json('Audit log entry', 'AuditLogEntry'), ...errors(401, 404, 429, 500) },
        },
      },
      '/api/v1/audit': {
        get: {
          summary:
            'The audit trail: queries, security and provisioning events (admins: everything; others: ?department=<own>)',
          operationId: 'listAuditTrail',
          parameters: queryParams(auditQuery),
          responses: {
            '200': {
              description: 'A page (JSON, with next_cursor) or the whole selection (NDJSON or CSV, format=)',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    properties: {
                      entries: { type: 'array', items: { $ref: '#/components/schemas/AuditLogEntry' } },
                      next_cursor: { type: 'string', nullable: true },
                    },
                  },
                },
                'application/x-ndjson': { schema: { type: 'string' } },
                'text/csv': { schema: { type: 'string' } },
              },
            },
            ...errors(400, 401, 403, 429, 500),
          },
        },
      },
      '/api/v1/audit/verify': {
        get: {
          summary: 'Verify the audit hash chains (admin): the first broken link, if any',
          operationId: 'verifyAuditTrail',
          responses: {
            '200': {
              description: 'intact, first_broken and up to 100 broken links',
              content: { 'application/json': { schema: { type: 'object' } } },
            },
            ...errors(401, 403, 429, 500),
          },
        },
      },
      '/api/v1/departments/{department_id}/documents': {
        post: {
          summary:
            'Add or replace a document in the department’s own store (its agent token or an admin): full-text indexed, chunked and embedded where its LLM provider has embeddings',
          operationId: 'addDepartmentDocument',
          parameters: [pathParam('department_id')],
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { $ref: '#/components/schemas/DocumentRequest' } } },
          },
          responses: {
            '200': json('Document replaced', 'DocumentResponse'),
            '201': json('Document added', 'DocumentResponse'),
            ...errors(400, 401, 403, 404, 413, 415, 429, 500, 502),
          },
        },
      },
      '/api/v1/departments/{department_id}/documents/search': {
        post: {
          summary:
            'Search the department’s own documents (its agent token or an admin): cosine similarity of embeddings, else full-text',
          operationId: 'searchDepartmentDocuments',
          parameters: [pathParam('department_id')],
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { $ref: '#/components/schemas/DocumentSearchRequest' } } },
          },
          responses: {
            '200': json('Search results and how they were ranked', 'DocumentSearchResponse'),
            ...errors(400, 401, 403, 404, 413, 415, 429, 500, 502),
          },
        },
      },
      '/api/v1/provision-department': {
        post: {
          summary: 'Provision a department (admin): creates the Department resource',
          operationId: 'provisionDepartment',
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { $ref: '#/components/schemas/ProvisioningRequest' } } },
          },
          responses: {
            '202': json('Provisioning initiated', 'ProvisioningResponse'),
            ...errors(400, 401, 403, 409, 413, 415, 429, 500),
          },
        },
      },
      '/api/v1/provision-status/{provisioning_id}': {
        get: {
          summary: 'Provisioning status (admin)',
          operationId: 'getProvisioningStatus',
          parameters: [pathParam('provisioning_id', 'uuid')],
          responses: { '200': json('Provisioning status', 'ProvisioningStatus'), ...errors(401, 403, 404, 500) },
        },
      },
      '/api/v1/deprovision/{department_id}': {
        delete: {
          summary: 'Deprovision a department (admin): deletes the Department resource',
          operationId: 'deprovisionDepartment',
          parameters: [pathParam('department_id')], // a department id (DNS label), else 400
          responses: {
            '202': json('Deprovisioning initiated', 'DeprovisioningResponse'),
            ...errors(400, 401, 403, 404, 429, 500),
          },
        },
      },
    },
  };
}

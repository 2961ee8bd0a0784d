// The OpenAPI 3.1 document, built from routeDocs: request bodies and queries through zod's own JSON Schema
// conversion (2020-12, the dialect OpenAPI 3.1 uses), errors grouped by status with their stable codes.
import { z } from 'zod'
import { errorStatus, type ErrorCode } from '../errors'
import { routeDocs, type RouteDoc } from './routes'

const bodyErrors: ErrorCode[] = [
  'invalid_json',
  'invalid_request',
  'unsupported_media_type',
  'payload_too_large',
]
const bearerErrors: ErrorCode[] = [
  'token_missing',
  'token_invalid',
  'token_expired',
  'session_revoked',
  'user_blocked',
]
const alwaysErrors: ErrorCode[] = ['internal_error', 'database_unavailable']

/** The error codes a route can answer with: its own, plus those of its body, auth and every route. */
export function routeErrors(route: RouteDoc): ErrorCode[] {
  const codes = new Set<ErrorCode>(route.errors ?? [])
  // A streamed body's lines are judged in the answer's report; the route names its own errors.
  if (route.body && !route.mediaType) for (const c of bodyErrors) codes.add(c)
  if (route.query) codes.add('invalid_request')
  if (route.auth === 'bearer') for (const c of bearerErrors) codes.add(c)
  if (route.auth === 'admin') codes.add('admin_unauthorized')
  for (const c of alwaysErrors) codes.add(c)
  return [...codes]
}

function schemaOf(schema: z.ZodType): Record<string, unknown> {
  // io 'input': what a client sends (a field with a default is optional); refinements have no JSON form.
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' })
  const { $schema: _dialect, ...rest } = json // the document's dialect already is 2020-12
  return rest
}

function operation(route: RouteDoc) {
  const parameters: object[] = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
    name: m[1],
    in: 'path',
    required: true,
    schema: { type: 'string' },
  }))
  if (route.query) {
    const json = schemaOf(route.query) as {
      properties?: Record<string, object>
      required?: string[]
    }
    for (const [name, schema] of Object.entries(json.properties ?? {}))
      parameters.push({ name, in: 'query', required: !!json.required?.includes(name), schema })
  }
  const byStatus = new Map<number, ErrorCode[]>()
  for (const code of routeErrors(route)) {
    const status = errorStatus[code]
    byStatus.set(status, [...(byStatus.get(status) ?? []), code])
  }
  const responses: Record<string, object> = {
    [route.ok[0]]: { description: route.ok[1] },
  }
  for (const [status, codes] of [...byStatus].sort((a, b) => a[0] - b[0]))
    responses[status] = {
      description: codes.map((c) => `\`${c}\``).join(', '),
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      'x-error-codes': codes,
    }
  return {
    tags: [route.tag],
    summary: route.summary,
    ...(parameters.length ? { parameters } : {}),
    ...(route.body
      ? {
          requestBody: {
            required: true,
            content: { [route.mediaType ?? 'application/json']: { schema: schemaOf(route.body) } },
          },
        }
      : {}),
    ...(route.auth === 'none' ? { security: [] } : {}),
    ...(route.auth === 'admin' ? { security: [{ adminKey: [] }] } : {}),
    responses,
  }
}

export function buildOpenApiDocument(version: string) {
  const paths: Record<string, Record<string, object>> = {}
  for (const route of routeDocs) (paths[route.path] ??= {})[route.method] = operation(route)
  return {
    openapi: '3.1.0',
    info: {
      title: 'wechat-login-stack',
      version,
      description:
        'WeChat Mini Program login: silent login, phone-number accounts, ES256 access tokens. Errors are `{error: {code, message}, requestId}`; clients match on `code`. The admin API exists only when ADMIN_API_KEY is set. Generated from the zod schemas the routes validate with.',
    },
    security: [{ bearer: [] }],
    tags: [...new Set(routeDocs.map((r) => r.tag))].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        adminKey: { type: 'http', scheme: 'bearer', description: 'ADMIN_API_KEY' },
      },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: {
                code: { type: 'string', enum: Object.keys(errorStatus) },
                message: { type: 'string' },
              },
            },
            requestId: { type: 'string' },
          },
        },
      },
    },
  }
}

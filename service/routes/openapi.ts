// GET /openapi.json: the OpenAPI 3.1 document of every route, built once (it depends on no configuration).
import { Hono } from 'hono'
import type { AppEnv } from '../http/context'
import { buildOpenApiDocument } from '../openapi/document'
import { version } from '../../package.json'

export function openApiRoutes() {
  const document = buildOpenApiDocument(version)
  return new Hono<AppEnv>().get('/openapi.json', (c) => c.json(document))
}

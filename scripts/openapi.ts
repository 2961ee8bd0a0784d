// npm run openapi: writes docs/openapi.json from the routes' zod schemas (a test fails while it is stale).
import { writeFileSync } from 'node:fs'
import { buildOpenApiDocument } from '../service/openapi/document'
import { version } from '../package.json'

writeFileSync('docs/openapi.json', `${JSON.stringify(buildOpenApiDocument(version), null, 2)}\n`)
console.log('wrote docs/openapi.json')

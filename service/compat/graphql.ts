// POST /graphql/v2: Authing's GraphQL endpoint, executed by graphql-js against the Authing schema. Errors
// are always HTTP 200 with Authing's `{errors: [{message: {code, message, data}}]}`. A hostile document is
// refused before it costs much: a small body, a token limit at parse, no introspection, few errors.
import {
  execute,
  GraphQLError,
  NoSchemaIntrospectionCustomRule,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
} from 'graphql'
import { Hono, type Context, type MiddlewareHandler } from 'hono'
import { z } from 'zod'
import type { Deps } from '../deps'
import { AppError } from '../errors'
import { bearerToken } from '../http/bearer'
import { readJson } from '../http/body'
import { limitBody } from '../http/body-limit'
import type { AppEnv } from '../http/context'
import type { Authenticated } from '../tokens/authenticate'
import { authingError, graphqlError } from './envelope'
import { authenticateToken, resolvers, type GraphqlContext } from './resolvers'
import { authingSchema } from './schema'

export const request = z.object({
  query: z.string().min(1),
  variables: z.record(z.string(), z.unknown()).nullish(),
  operationName: z.string().max(200).nullish(),
})

function formatError(c: Context, e: GraphQLError) {
  // Syntax, validation and variable errors come from graphql-js itself: the client's mistake, a 400.
  const original = e.originalError
  const cause =
    original && !(original instanceof GraphQLError)
      ? original
      : new AppError('invalid_request', e.message.slice(0, 300))
  const message = authingError(c, cause)
  return {
    message,
    locations: e.locations,
    path: e.path,
    extensions: { code: message.data.error },
  }
}

/** The SDK's documents each select one root field; aliases could otherwise fan one request out widely. */
const MAX_ROOT_FIELDS = 5

type Resolver = (args: never, ctx: GraphqlContext) => unknown

/** The resolvers, each counting against the request's budget of root fields (fragments included). */
const budgeted = Object.fromEntries(
  Object.entries(resolvers).map(([name, resolve]) => [
    name,
    (args: never, ctx: GraphqlContext & { rootFields: number }) => {
      if (++ctx.rootFields > MAX_ROOT_FIELDS)
        throw new AppError('invalid_request', `At most ${MAX_ROOT_FIELDS} fields per request.`)
      return (resolve as Resolver)(args, ctx)
    },
  ]),
)

/** The route's body limit: the SDK's largest document is 842 bytes, its variables a few hundred. */
export const MAX_GRAPHQL_BODY_BYTES = 8 * 1024

/**
 * Tokens in one document. The SDK's largest (UserDocument) has 79; validating repeated fields costs the
 * square of their number (OverlappingFieldsCanBeMerged), so parsing stops here, before validation: at 500
 * tokens the worst document we found validates in a few milliseconds, at 3,000 (16 KiB) in half a second.
 */
export const MAX_TOKENS = 500

/** Validation stops at this many errors (graphql-js: 100): a client needs the first few to fix its query. */
const MAX_VALIDATION_ERRORS = 10

/** The SDK never introspects; the schema is documented (docs/authing.md) and need not be served. */
const rules = [...specifiedRules, NoSchemaIntrospectionCustomRule]

/** `limit`: the per-IP rate limiter of this route, run here so that a refusal is answered as GraphQL. */
export function authingGraphqlRoutes(deps: Deps, limit?: MiddlewareHandler<AppEnv>) {
  const schema = authingSchema()
  const app = new Hono<AppEnv>().onError((err, c) => graphqlError(c, err))
  if (limit) app.use('/graphql/v2', limit)
  return app
    .use('/graphql/v2', limitBody(MAX_GRAPHQL_BODY_BYTES))
    .post('/graphql/v2', async (c) => {
      const { query, variables, operationName } = await readJson(c, request)
      const refused = (errors: readonly GraphQLError[]) =>
        c.json({ errors: errors.map((e) => formatError(c, e)) })
      let document: DocumentNode
      try {
        document = parse(query, { maxTokens: MAX_TOKENS })
      } catch (err) {
        if (!(err instanceof GraphQLError)) throw err
        // graphql-js's own message reads "more that N tokens".
        const tooLong = /Document contains more/.test(err.message)
        return refused([
          tooLong ? new GraphQLError(`The document has more than ${MAX_TOKENS} tokens.`) : err,
        ])
      }
      const invalid = validate(schema, document, rules, { maxErrors: MAX_VALIDATION_ERRORS })
      if (invalid.length) return refused(invalid)
      let checked: Promise<Authenticated> | undefined
      const contextValue = {
        c,
        deps,
        bearer: () => (checked ??= authenticateToken(deps, bearerToken(c))),
        rootFields: 0,
      }
      const result = await execute({
        schema,
        document,
        rootValue: budgeted,
        contextValue,
        variableValues: variables ?? undefined,
        operationName: operationName ?? undefined,
      })
      const errors = result.errors?.map((e) => formatError(c, e))
      return c.json({
        ...(result.data !== undefined && { data: result.data }),
        ...(errors && { errors }),
      })
    })
}

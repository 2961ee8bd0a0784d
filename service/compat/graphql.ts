// POST /graphql/v2: Authing's GraphQL endpoint, executed by graphql-js against the Authing schema. Errors
// are always HTTP 200 with Authing's `{errors: [{message: {code, message, data}}]}`.
import { graphql, GraphQLError } from 'graphql'
import { Hono, type Context } from 'hono'
import { z } from 'zod'
import type { Deps } from '../deps'
import { AppError } from '../errors'
import { readJson } from '../http/body'
import type { AppEnv } from '../http/context'
import type { Logger } from '../log'
import { authingError, graphqlError } from './envelope'
import { bearerToken, type Bearer, type NativeApi } from './native'
import { resolvers, type GraphqlContext } from './resolvers'
import { authingSchema } from './schema'

export const request = z.object({
  query: z.string().min(1),
  variables: z.record(z.string(), z.unknown()).nullish(),
  operationName: z.string().max(200).nullish(),
})

function formatError(c: Context, e: GraphQLError, logger: Logger) {
  // Syntax, validation and variable errors come from graphql-js itself: the client's mistake, a 400.
  const original = e.originalError
  const cause =
    original && !(original instanceof GraphQLError)
      ? original
      : new AppError('invalid_request', e.message.slice(0, 300))
  const message = authingError(c, cause, logger)
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

export function authingGraphqlRoutes(deps: Deps, native: NativeApi) {
  const schema = authingSchema()
  return new Hono<AppEnv>()
    .post('/graphql/v2', async (c) => {
      const { query, variables, operationName } = await readJson(c, request)
      let checked: Promise<Bearer> | undefined
      const contextValue = {
        c,
        deps,
        native,
        bearer: () => (checked ??= native.authenticate(c, bearerToken(c))),
        rootFields: 0,
      }
      const result = await graphql({
        schema,
        source: query,
        rootValue: budgeted,
        contextValue,
        variableValues: variables ?? undefined,
        operationName: operationName ?? undefined,
      })
      const errors = result.errors?.map((e) => formatError(c, e, deps.logger))
      return c.json({
        ...(result.data !== undefined && { data: result.data }),
        ...(errors && { errors }),
      })
    })
    .onError((err, c) => graphqlError(c, err, deps.logger))
}

// A reason not to start that the operator can act on (a port in use, a data directory in use): printed as
// its sentence, without a stack, by `npm start` and `npm run serve`.
export class StartupError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'StartupError'
  }
}

/** A listen error as a sentence: EADDRINUSE and EACCES are the operator's to fix, not the code's. */
export function listenError(err: unknown, what: string, host: string, port: number): unknown {
  const code = (err as { code?: unknown } | null)?.code
  if (code === 'EADDRINUSE')
    return new StartupError(
      `Port ${port} on ${host} is already in use (another npm start or npm run serve?): stop that process, or choose another port with PORT=.`,
      { cause: err },
    )
  if (code === 'EACCES' || code === 'EADDRNOTAVAIL')
    return new StartupError(`${what} cannot listen on ${host}:${port} (${code}).`, { cause: err })
  return err
}

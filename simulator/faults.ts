// Injected misbehaviour, queued per WeChat path: errcodes, slow or hanging answers, garbage bodies, HTTP errors.
import { setTimeout as sleep } from 'node:timers/promises'
import type { Context } from 'hono'
import { errorBody, type WeChatPath } from './wire'

export interface Fault {
  /** Answer this errcode (HTTP 200, WeChat style) instead of doing the work. */
  errcode?: number
  /** errmsg sent verbatim with `errcode`; default: the usual text plus a rid. */
  errmsg?: string
  /** Wait this long first; alone, the real answer follows the wait. A large value acts as a hang. */
  delayMs?: number
  /** Answer an HTML page instead of JSON, as a misbehaving proxy would. */
  garbage?: boolean
  /** HTTP status of the fault answer (alone: a bare error page with that status). */
  status?: number
  /** Answer exactly this JSON body, e.g. a response shape the docs show but the simulator doesn't emit. */
  body?: unknown
  /** How many calls the fault affects; omitted: every call until `DELETE /__sim/faults`. */
  times?: number
}

export class FaultQueue {
  private readonly queues = new Map<string, Fault[]>()

  add(path: WeChatPath, fault: Fault): void {
    const queue = this.queues.get(path) ?? []
    queue.push({ ...fault })
    this.queues.set(path, queue)
  }

  /** The fault for this call, if any; faults apply in the order they were queued. */
  take(path: string): Fault | undefined {
    const queue = this.queues.get(path)
    const fault = queue?.[0]
    if (!queue || !fault) return undefined
    if (fault.times !== undefined && --fault.times <= 0) queue.shift()
    return fault
  }

  clear(): void {
    this.queues.clear()
  }
}

/** True when the fault replaces the answer; such a fault answers before touching any state (no code is used up). */
export const replacesAnswer = (f: Fault): boolean =>
  f.errcode !== undefined || f.garbage === true || f.status !== undefined || f.body !== undefined

/** Waits, giving up early when the caller hangs up or the simulator closes. */
export async function delay(ms: number, signal: AbortSignal): Promise<void> {
  await sleep(ms, undefined, { signal }).catch(() => undefined)
}

export function faultResponse(c: Context, fault: Fault, send: WeChatSend): Response {
  const status = fault.status ?? 200
  if (fault.garbage)
    return c.body('<html><body><h1>502 Bad Gateway</h1></body></html>', status as 200, {
      'content-type': 'text/html',
    })
  if (fault.body !== undefined) return send(c, fault.body, status)
  if (fault.errcode !== undefined) return send(c, errorBody(fault.errcode, fault.errmsg), status)
  return c.body(`HTTP ${status}`, status as 200, { 'content-type': 'text/plain' })
}

/** Sends a WeChat JSON body with the content type the real endpoint uses. */
export type WeChatSend = (c: Context, body: unknown, status?: number) => Response

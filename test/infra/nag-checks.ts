// The cdk-nag contract, shared by the suites of each configuration: no AwsSolutions finding is left open,
// every acknowledgement (kept in infra/, next to its resource) gives a one-sentence reason, and none
// acknowledges a finding that no longer exists.
import { Validations } from 'aws-cdk-lib'
import { AwsSolutionsChecks } from 'cdk-nag'
import type { IConstruct } from 'constructs'
import { describe, expect, it } from 'vitest'

interface Finding {
  rule: string
  path?: string
}

function findings(scope: IConstruct, ignoreAcknowledgements = false): Finding[] {
  const pack = new AwsSolutionsChecks()
  if (ignoreAcknowledgements) Object.assign(pack, { isAcknowledged: () => false })
  return pack
    .validateScope(scope)
    .violations.flatMap((v) =>
      v.violatingResources.map((r) => ({ rule: v.ruleName, path: r.constructPath })),
    )
}

function acknowledgements(scope: IConstruct) {
  return scope.node.findAll().flatMap((c) =>
    c.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) => Object.entries(m.data as Record<string, string>))
      .map(([id, reason]) => ({ path: c.node.path, id: id.replace(/^annotation::/i, ''), reason }))
      .filter((a) => a.id.startsWith('AwsSolutions-')),
  )
}

export function describeNagChecks(stack: IConstruct): void {
  describe('cdk-nag AwsSolutions', () => {
    it('leaves no error or warning unacknowledged', () => {
      expect(findings(stack)).toEqual([])
    })

    it('gives every acknowledgement a one-sentence reason', () => {
      const acks = acknowledgements(stack)
      // Proves the acknowledgements are found at all; each shape has several.
      expect(acks.length).toBeGreaterThan(5)
      for (const { id, reason } of acks) {
        expect(reason, id).toMatch(/^[A-Za-z].{20,160}\.$/)
        expect(reason.slice(0, -1), id).not.toMatch(/[.!?] /)
      }
    })

    it('acknowledges only findings that exist', () => {
      const raw = findings(stack, true)
      const stale = acknowledgements(stack).filter(
        (a) =>
          !raw.some(
            (f) => f.rule === a.id && (f.path === a.path || f.path?.startsWith(`${a.path}/`)),
          ),
      )
      expect(stale).toEqual([])
    })
  })
}

// What every browser test asks of each page: axe-core (injected into the page) finds no serious or
// critical violation, the page does not overflow sideways at 375 px, and a screenshot at desktop width and
// at 375 px is kept under test-artifacts/browser/ (git-ignored) for a person to look at.
import { mkdir, readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import type { Page } from 'playwright-core'
import { expect } from 'vitest'

export const ARTIFACTS = 'test-artifacts/browser'
export const DESKTOP = { width: 1280, height: 900 }
export const PHONE = { width: 375, height: 812 }

let axeSource: string | undefined

interface AxeViolation {
  id: string
  impact: string | null
  help: string
  nodes: { target: unknown }[]
}

/** axe-core's serious and critical findings on the page as it is now. */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  axeSource ??= await readFile(
    createRequire(import.meta.url).resolve('axe-core/axe.min.js'),
    'utf8',
  )
  // Through the debugging protocol, so the page's CSP (no script) does not stop it.
  await page.evaluate(axeSource)
  const violations = await page.evaluate(async () => {
    const axe = (
      globalThis as unknown as { axe: { run(): Promise<{ violations: AxeViolation[] }> } }
    ).axe
    return (await axe.run()).violations
  })
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ ...v, nodes: v.nodes.slice(0, 3).map((n) => ({ target: n.target })) }))
}

/** axe, the 375 px check and both screenshots; the page is left at desktop width. */
export async function checkPage(page: Page, name: string) {
  await mkdir(ARTIFACTS, { recursive: true })
  expect(await axeViolations(page), `${name}: axe-core serious/critical`).toEqual([])
  await page.screenshot({ path: `${ARTIFACTS}/${name}.png`, fullPage: true })
  await page.setViewportSize(PHONE)
  const width = await page.evaluate(() => {
    const doc = (
      globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }
    ).document
    return doc.documentElement.scrollWidth
  })
  expect(width, `${name}: no sideways scrolling at 375 px`).toBeLessThanOrEqual(PHONE.width)
  await page.screenshot({ path: `${ARTIFACTS}/${name}-375.png`, fullPage: true })
  await page.setViewportSize(DESKTOP)
}

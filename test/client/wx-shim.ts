// The wx shim lives in testing/ (customers' tests import it from there); this path stays for our suites.
export * from '../../testing/wx-shim'

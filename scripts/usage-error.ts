// The command-line scripts' one way to refuse their arguments: the sentence, the usage line, exit status 2.
export const usageError =
  (usage: string) =>
  (message: string): never => {
    console.error(`${message}\n${usage}`)
    process.exit(2)
  }

// node:readline for the examples run in the page: the lines the reader types under the
// output (process.stdin, given by the page), read with `for await`.
export function createInterface({ input }) {
  return { [Symbol.asyncIterator]: () => input.lines() };
}

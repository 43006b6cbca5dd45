// node:crypto for the examples run in the page: randomBytes, from the browser's generator.
export function randomBytes(size) {
  const bytes = crypto.getRandomValues(new Uint8Array(size));
  return {
    toString(encoding) {
      if (encoding !== "hex") throw new Error("this page's randomBytes writes hex only");
      return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
    },
  };
}

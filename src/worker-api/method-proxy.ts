/**
 * An object whose every method is one generic call: how the page's client and `useMl` expose the worker's API
 * without writing each method out (their types come from the worker's API type, MlCalls).
 */

type AnyCall = (...args: unknown[]) => unknown;

/**
 * `own` with every other string property answered by `call(name, args)`. Each method is made once, so reading a
 * method twice gives the same function (safe in React dependency lists). `then` and the names in `hidden` read as
 * undefined, so the object is never taken for a promise and hidden methods stay out of reach.
 */
export function methodProxy<T extends object>(
  call: (name: keyof T & string, args: unknown[]) => unknown,
  own: object = {},
  hidden: readonly string[] = [],
): T {
  const made = new Map<string, AnyCall>();
  return new Proxy(own, {
    get(target, name) {
      if (name in target) return (target as Record<string | symbol, unknown>)[name];
      if (typeof name !== 'string' || name === 'then' || hidden.includes(name)) return undefined;
      let fn = made.get(name);
      if (fn === undefined) {
        const method = name as keyof T & string;
        fn = (...args: unknown[]) => call(method, args);
        made.set(name, fn);
      }
      return fn;
    },
  }) as T;
}

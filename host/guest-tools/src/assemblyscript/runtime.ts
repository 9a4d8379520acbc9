// The module must export `cabi_realloc` (see exports.ts): the host calls it
// to allocate the strings and lists it returns. It allocates unmanaged
// memory (`heap.alloc`); the bindings copy those values into managed
// objects and free the memory right away.

/** The canonical ABI's allocator, exported as `cabi_realloc`. */
export function cabi_realloc(ptr: usize, oldSize: usize, align: usize, newSize: usize): usize {
  if (newSize == 0) {
    if (ptr != 0 && oldSize != 0) heap.free(ptr);
    return align; // a non-null, aligned pointer to nothing
  }
  if (ptr == 0 || oldSize == 0) return heap.alloc(newSize);
  return heap.realloc(ptr, newSize);
}

// Buffers lowered for one call, freed when it returns.
let deferBuf: usize = 0;
let deferLen: i32 = 0;
let deferCap: i32 = 0;

/** Frees `ptr` at the next `deferRelease` of an earlier mark. */
export function deferFree(ptr: usize): void {
  if (deferLen == deferCap) {
    deferCap = deferCap == 0 ? 16 : deferCap * 2;
    deferBuf = deferBuf == 0 ? heap.alloc(<usize>deferCap << alignof<usize>()) : heap.realloc(deferBuf, <usize>deferCap << alignof<usize>());
  }
  store<usize>(deferBuf + (<usize>deferLen << alignof<usize>()), ptr);
  deferLen++;
}

/** The current position of the deferred-free stack. */
export function deferMark(): i32 {
  return deferLen;
}

/** Frees everything deferred since `mark`. */
export function deferRelease(mark: i32): void {
  while (deferLen > mark) {
    deferLen--;
    heap.free(load<usize>(deferBuf + (<usize>deferLen << alignof<usize>())));
  }
}

/** Allocates `n` elements of `size` bytes, freed at the next release. */
export function allocList(n: i32, size: usize): usize {
  if (n == 0 || size == 0) return 8;
  const p = heap.alloc(<usize>n * size);
  deferFree(p);
  return p;
}

/** Frees a list the host allocated (nothing for an empty one). */
export function freeList(ptr: usize, len: i32): void {
  if (len != 0) heap.free(ptr);
}

/** Copies a UTF-16 string the host allocated and frees it. */
export function liftString(ptr: usize, len: u32): string {
  if (len == 0) return "";
  const s = String.UTF16.decodeUnsafe(ptr, <usize>len << 1);
  heap.free(ptr);
  return s;
}

/** Copies a byte list the host allocated and frees it. */
export function liftBytes(ptr: usize, len: i32): Uint8Array {
  const a = new Uint8Array(len);
  if (len != 0) {
    memory.copy(a.dataStart, ptr, <usize>len);
    heap.free(ptr);
  }
  return a;
}

/** A zero/null placeholder of `T` for the unused side of a `Result`. */
export function zero<T>(): T {
  if (isReference<T>()) return changetype<T>(0);
  // @ts-ignore: value types only
  return <T>0;
}

/** The payload of a WIT `option` whose type is a value or nullable. */
export class Box<T> {
  constructor(public value: T) {}
}

/** The payload of a WIT `result` side without a type. */
export class Unit {}

/** A WIT `result<T, E>`. */
export class Result<T, E> {
  constructor(public readonly isOk: bool, private readonly _value: T, private readonly _error: E) {}

  /** Whether this is an error. */
  get isErr(): bool {
    return !this.isOk;
  }

  /** The ok payload; aborts on an error. */
  get value(): T {
    assert(this.isOk, "not an ok result");
    return this._value;
  }

  /** The error payload; aborts on an ok result. */
  get error(): E {
    assert(!this.isOk, "not an error result");
    return this._error;
  }
}

/** An ok `Result`. */
export function ok<T, E>(value: T): Result<T, E> {
  return new Result<T, E>(true, value, zero<E>());
}

/** An error `Result`. */
export function err<T, E>(error: E): Result<T, E> {
  return new Result<T, E>(false, zero<T>(), error);
}

/**
 * The IDX reader (lib/data/idx.ts) on good and damaged files, and the embedded MNIST
 * (lib/data/mnist.ts). Every damage is a DataFileError whose message names the file.
 */
import assert from "node:assert/strict";
import { DataFileError, parseIdx, readIdx } from "../lib/data/idx.ts";
import { loadMnist } from "../lib/data/mnist.ts";

/** An IDX file of unsigned bytes: magic 0x000008NN, big-endian sizes, then the data. */
function idxBytes(dims: number[], data?: Uint8Array, magic = 0x00000800 | dims.length): Uint8Array {
  const n = dims.reduce((a, b) => a * b, 1);
  const out = new Uint8Array(4 + 4 * dims.length + n);
  const view = new DataView(out.buffer);
  view.setUint32(0, magic);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  out.set(data ?? Uint8Array.from({ length: n }, (_, i) => (i * 37) % 256), 4 + 4 * dims.length);
  return out;
}

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Asserts `promise` rejects with a DataFileError for `path` whose message names it and matches `re`. */
async function rejectsNaming(promise: Promise<unknown>, path: string, re: RegExp) {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof DataFileError, `expected DataFileError, got ${(e as Error)?.constructor?.name}: ${e}`);
    assert.equal(e.name, "DataFileError");
    assert.equal(e.path, path);
    assert.ok(e.message.includes(path), `message does not name the file: ${e.message}`);
    assert.match(e.message, re);
    return true;
  });
}

function throwsNaming(fn: () => unknown, path: string, re: RegExp) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof DataFileError, `expected DataFileError, got ${e}`);
    assert.ok(e.message.includes(path), `message does not name the file: ${e.message}`);
    assert.match(e.message, re);
    return true;
  });
}

Deno.test("readIdx: good, truncated, trailing bytes, bad magic, wrong rank, gzipped, bad gzip, missing file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "idx_test_" });
  try {
    const dims = [3, 4, 5];
    const good = idxBytes(dims);
    const path = `${dir}/good-idx3-ubyte`;
    await Deno.writeFile(path, good);
    const read = await readIdx(path, 3);
    assert.deepEqual(read.dims, dims);
    assert.equal(read.data.length, 60);
    assert.deepEqual(Array.from(read.data.slice(0, 4)), [0, 37, 74, 111]);
    assert.deepEqual((await readIdx(path)).dims, dims, "expectedDims is optional");

    const truncated = `${dir}/truncated-idx3-ubyte`;
    await Deno.writeFile(truncated, good.subarray(0, good.length - 7));
    await rejectsNaming(readIdx(truncated, 3), truncated, /truncated.*needs 60 data bytes, file has 53/);

    const trailing = `${dir}/trailing-idx3-ubyte`;
    await Deno.writeFile(trailing, Uint8Array.from([...good, 1, 2, 3]));
    await rejectsNaming(readIdx(trailing, 3), trailing, /longer than its header says.*file has 63/);

    const badMagic = `${dir}/magic-idx3-ubyte`;
    await Deno.writeFile(badMagic, idxBytes(dims, undefined, 0x00000d03)); // float type, not ubyte
    await rejectsNaming(readIdx(badMagic), badMagic, /bad magic number 0x00000d03/);
    const textFile = `${dir}/html-idx3-ubyte`;
    await Deno.writeFile(textFile, new TextEncoder().encode("<!DOCTYPE html><html>not found</html>"));
    await rejectsNaming(readIdx(textFile), textFile, /bad magic number/);

    await rejectsNaming(readIdx(path, 1), path, /has 3 dimensions, expected 1/);

    const shortHeader = `${dir}/header-idx3-ubyte`;
    await Deno.writeFile(shortHeader, good.subarray(0, 9));
    await rejectsNaming(readIdx(shortHeader), shortHeader, /header is truncated/);
    const tiny = `${dir}/tiny-idx3-ubyte`;
    await Deno.writeFile(tiny, Uint8Array.from([0, 0]));
    await rejectsNaming(readIdx(tiny), tiny, /only 2 bytes/);

    const gz = `${dir}/good-idx3-ubyte.gz`;
    await Deno.writeFile(gz, await gzip(good));
    const inflated = await readIdx(gz, 3);
    assert.deepEqual(inflated.dims, dims);
    assert.deepEqual(Array.from(inflated.data), Array.from(read.data));

    const badGz = `${dir}/bad-idx3-ubyte.gz`;
    await Deno.writeFile(badGz, good); // not gzip at all
    await rejectsNaming(readIdx(badGz), badGz, /not a valid gzip file/);
    const cutGz = `${dir}/cut-idx3-ubyte.gz`;
    const gzBytes = await gzip(idxBytes([50, 40]));
    await Deno.writeFile(cutGz, gzBytes.subarray(0, gzBytes.length >> 1));
    await rejectsNaming(readIdx(cutGz), cutGz, /gzip|truncated/);

    const missing = `${dir}/missing-idx3-ubyte`;
    await rejectsNaming(readIdx(missing), missing, /file not found/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("parseIdx: works on a subarray view and returns a view of the data, errors name the given path", () => {
  const good = idxBytes([2, 3]);
  const padded = new Uint8Array(good.length + 10);
  padded.set(good, 5);
  const parsed = parseIdx("view.idx", padded.subarray(5, 5 + good.length), 2);
  assert.deepEqual(parsed.dims, [2, 3]);
  assert.deepEqual(Array.from(parsed.data), Array.from(good.subarray(12)));
  throwsNaming(() => parseIdx("some/where.idx", good.subarray(0, 14)), "some/where.idx", /truncated/);
  throwsNaming(() => parseIdx("rank0.idx", Uint8Array.from([0, 0, 8, 0])), "rank0.idx", /bad magic number 0x00000800/);
});

Deno.test("loadMnist: 60000/10000 images of 28×28 with the well-known first labels", async () => {
  const mnist = await loadMnist();
  assert.equal(mnist.name, "mnist");
  const { train, test } = mnist;
  assert.deepEqual([train.n, train.height, train.width], [60000, 28, 28]);
  assert.deepEqual([test.n, test.height, test.width], [10000, 28, 28]);
  assert.equal(train.pixels.length, 60000 * 784);
  assert.equal(test.pixels.length, 10000 * 784);
  assert.equal(train.labels.length, 60000);
  assert.equal(test.labels.length, 10000);
  assert.deepEqual(Array.from(train.labels.slice(0, 5)), [5, 0, 4, 1, 9]);
  assert.deepEqual(Array.from(test.labels.slice(0, 5)), [7, 2, 1, 0, 4]);
  assert.ok(train.labels.every((l) => l <= 9) && test.labels.every((l) => l <= 9));
  // Every class occurs; the training set has 5923 zeros and 6742 ones (LeCun's counts).
  const counts = new Array(10).fill(0);
  for (const l of train.labels) counts[l]++;
  assert.deepEqual(counts, [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
  // Pixels are 0–255 with a black border: the first image's corner is 0 and some pixel is 255.
  assert.equal(train.pixels[0], 0);
  assert.ok(train.pixels.subarray(0, 784).some((p) => p === 255));
  assert.equal(await loadMnist(), mnist, "cached: one load per process");
});

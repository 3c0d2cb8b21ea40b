/**
 * CIFAR-10's binary format on generated fixtures (3 records per file instead of 10,000): labels and
 * the planar-RGB → NHWC conversion, the five training files concatenated in order, clear errors
 * naming the file for truncated files, wrong record sizes and bad labels; the dataset chooser's
 * errors; the fetcher's tar reader, MD5 check, atomic install and offline failure.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  CIFAR10_RECORD_BYTES,
  CIFAR10_TEST_FILE,
  CIFAR10_TRAIN_FILES,
  loadCifar10,
  locateCifar10,
  parseCifar10Batch,
} from "../lib/data/cifar10.ts";
import {
  DownloadError,
  downloadWithMd5,
  installCifar10Archive,
  md5OfFile,
  readTar,
} from "../lib/data/cifar10_fetch.ts";
import { loadImageDataset } from "../lib/data/image_dataset.ts";

const PER_FILE = 3;

/** Record i of file f: label (f + i) % 10, pixel p of plane c = (c·37 + p + f) % 256. */
function fixtureBatch(file: number, records = PER_FILE, recordBytes = CIFAR10_RECORD_BYTES): Uint8Array {
  const bytes = new Uint8Array(records * recordBytes);
  for (let i = 0; i < records; i++) {
    const at = i * recordBytes;
    bytes[at] = (file + i) % 10;
    for (let k = 1; k < recordBytes; k++) {
      const c = Math.floor((k - 1) / 1024), p = (k - 1) % 1024;
      bytes[at + k] = (c * 37 + p + file + i) % 256;
    }
  }
  return bytes;
}

async function writeFixtureDir(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "cifar10-fixture-" });
  for (const [f, name] of [...CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE].entries()) {
    await Deno.writeFile(join(dir, name), fixtureBatch(f));
  }
  return dir;
}

Deno.test("parses labels and converts planar RGB records to NHWC", () => {
  const set = parseCifar10Batch("fixture.bin", fixtureBatch(2), PER_FILE);
  assert.equal(set.n, PER_FILE);
  assert.deepEqual([set.height, set.width, set.channels], [32, 32, 3]);
  assert.deepEqual(Array.from(set.labels), [2, 3, 4]);
  // Image 1, pixel (y=5, x=7), channel 2 (blue): plane offset p = 5·32 + 7.
  const p = 5 * 32 + 7;
  assert.equal(set.pixelsNHWC[1 * 3072 + p * 3 + 2], (2 * 37 + p + 2 + 1) % 256);
  assert.equal(set.pixelsNHWC[0 * 3072 + 0], (0 + 0 + 2) % 256);
});

Deno.test("loads five training files in order plus the test file", async () => {
  const dir = await writeFixtureDir();
  assert.equal(await locateCifar10([join(dir, "missing"), dir]), dir);
  const c = await loadCifar10(dir, PER_FILE);
  assert.equal(c.train.n, 5 * PER_FILE);
  assert.equal(c.test.n, PER_FILE);
  assert.deepEqual(Array.from(c.train.labels), [0, 1, 2, 1, 2, 3, 2, 3, 4, 3, 4, 5, 4, 5, 6]);
  assert.deepEqual(Array.from(c.test.labels), [5, 6, 7]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a truncated file fails with its name and sizes", async () => {
  const dir = await writeFixtureDir();
  const path = join(dir, "data_batch_3.bin");
  await Deno.writeFile(path, fixtureBatch(2, PER_FILE - 1));
  await assert.rejects(() => loadCifar10(dir, PER_FILE), (e: Error) => {
    assert.match(e.message, /data_batch_3\.bin: truncated: 2 records of 3073 bytes, expected 3 \(9219 bytes\)/);
    assert.match(e.message, /fetch-cifar10/);
    return true;
  });
  await Deno.writeFile(path, fixtureBatch(2).subarray(0, 3 * CIFAR10_RECORD_BYTES - 10));
  await assert.rejects(
    () => loadCifar10(dir, PER_FILE),
    /data_batch_3\.bin: 9209 bytes is not a whole number of 3073-byte records/,
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a wrong record size (CIFAR-100's 3074 bytes) is named as such", () => {
  const bytes = fixtureBatch(0, 5, 3074);
  assert.throws(
    () => parseCifar10Batch("cifar100.bin", bytes, 5),
    /cifar100\.bin: 15370 bytes is not a whole number of 3073-byte records \(wrong record size/,
  );
});

Deno.test("a label outside 0–9 is rejected", () => {
  const bytes = fixtureBatch(0);
  bytes[CIFAR10_RECORD_BYTES] = 12;
  assert.throws(() => parseCifar10Batch("bad.bin", bytes, PER_FILE), /bad\.bin: record 1 has label 12/);
});

Deno.test("missing files: not located, and --dataset cifar10 explains how to fetch", async () => {
  const dir = await Deno.makeTempDir();
  assert.equal(await locateCifar10([dir]), null);
  await assert.rejects(
    () => loadImageDataset({ choice: "cifar10", cifarDir: dir }),
    /CIFAR-10 not found in .*deno task fetch-cifar10/,
  );
  await assert.rejects(() => loadCifar10(dir, PER_FILE), /data_batch_1\.bin: file not found/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("auto without CIFAR-10 or Fashion-MNIST falls back to MNIST and says why", async () => {
  const empty = await Deno.makeTempDir();
  const set = await loadImageDataset({ choice: "auto", cifarDir: empty, fashionDir: empty });
  assert.equal(set.name, "mnist");
  assert.equal(set.train.channels, 1);
  assert.match(set.provenance, /CIFAR-10 not found .*Fashion-MNIST not found .*using MNIST/);
  await Deno.remove(empty, { recursive: true });
});

async function tarGz(sourceDir: string, entry: string, archive: string): Promise<void> {
  const out = await new Deno.Command("tar", { args: ["-czf", archive, "-C", sourceDir, entry] }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
}

Deno.test("fetcher: installs a verified archive atomically, rejects a wrong MD5", async () => {
  const work = await Deno.makeTempDir();
  const source = join(work, "src", "cifar-10-batches-bin");
  await Deno.mkdir(source, { recursive: true });
  for (const [f, name] of [...CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE].entries()) {
    await Deno.writeFile(join(source, name), fixtureBatch(f));
  }
  await Deno.writeTextFile(join(source, "batches.meta.txt"), "airplane\n");
  const archive = join(work, "cifar-10-binary.tar.gz");
  await tarGz(join(work, "src"), "cifar-10-batches-bin", archive);
  const md5 = await md5OfFile(archive);
  const dataDir = join(work, "data");
  await assert.rejects(
    () => installCifar10Archive(archive, dataDir, "0".repeat(32)),
    /has MD5 [0-9a-f]{32}, expected 0{32}/,
  );
  assert.equal(await locateCifar10([join(dataDir, "cifar-10-batches-bin")]), null);
  const target = await installCifar10Archive(archive, dataDir, md5);
  const c = await loadCifar10(target, PER_FILE);
  assert.deepEqual(Array.from(c.test.labels), [5, 6, 7]);
  assert.equal(await Deno.readTextFile(join(target, "batches.meta.txt")), "airplane\n");
  await Deno.remove(work, { recursive: true });
});

Deno.test("tar reader: a damaged header is an error", () => {
  const header = new Uint8Array(1024);
  header.set(new TextEncoder().encode("cifar-10-batches-bin/x"), 0);
  header.set(new TextEncoder().encode("0000001"), 148); // wrong checksum
  assert.throws(() => readTar(header), /bad checksum/);
});

Deno.test("fetcher offline: a clear DownloadError, no file left behind", async () => {
  const dir = await Deno.makeTempDir();
  const path = join(dir, "cifar-10-binary.tar.gz");
  await assert.rejects(() => downloadWithMd5("http://127.0.0.1:9/cifar-10-binary.tar.gz", path), (e: Error) => {
    assert.ok(e instanceof DownloadError);
    assert.match(e.message, /could not reach .* looks offline.*--archive/);
    return true;
  });
  assert.deepEqual([...Deno.readDirSync(dir)], []);
  await Deno.remove(dir, { recursive: true });
});

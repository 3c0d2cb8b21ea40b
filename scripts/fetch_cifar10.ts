/**
 * deno task fetch-cifar10 — download CIFAR-10 (binary version), verify its MD5 and unpack it into
 * data/cifar-10-batches-bin, where the uva-* experiments look for it. Offline, it says so and
 * exits 1; with --archive it installs a copy downloaded elsewhere.
 */
import { cli, flag, type FlagSpecs } from "../lib/cli/args.ts";
import {
  CIFAR10_ARCHIVE_NAME,
  CIFAR10_MD5,
  CIFAR10_URL,
  DownloadError,
  downloadWithMd5,
  installCifar10Archive,
} from "../lib/data/cifar10_fetch.ts";
import { locateCifar10 } from "../lib/data/cifar10.ts";
import { Progress } from "../lib/report/progress.ts";
import { join } from "node:path";

const FLAGS = {
  dir: flag({ type: "string", default: "data", help: "folder that receives cifar-10-batches-bin/" }),
  url: flag({ type: "string", default: CIFAR10_URL, help: "where to download the archive from" }),
  archive: flag({
    type: "string",
    default: "",
    help: `install from this local ${CIFAR10_ARCHIVE_NAME} instead of downloading`,
  }),
  md5: flag({ type: "string", default: CIFAR10_MD5, help: "expected MD5 of the archive" }),
  force: flag({ type: "boolean", default: false, help: "download and unpack even if CIFAR-10 is already there" }),
} satisfies FlagSpecs;

const flags = cli(
  FLAGS,
  "deno task fetch-cifar10",
  "Download CIFAR-10's binary distribution, verify its MD5 and unpack it for the uva-* experiments.",
);

const existing = await locateCifar10([join(flags.dir, "cifar-10-batches-bin")]);
if (existing && !flags.force) {
  console.log(`CIFAR-10 is already in ${existing} (use --force to fetch it again)`);
  Deno.exit(0);
}
await Deno.mkdir(flags.dir, { recursive: true });
try {
  let archive = flags.archive;
  if (!archive) {
    archive = join(flags.dir, CIFAR10_ARCHIVE_NAME);
    console.log(`downloading ${flags.url} → ${archive}`);
    const bar = new Progress("download", 1, { unit: "MB" });
    const md5 = await downloadWithMd5(flags.url, archive, (bytes, total) => {
      bar.info = `${(bytes / 1e6).toFixed(1)} MB${total ? ` of ${(total / 1e6).toFixed(1)}` : ""}`;
    });
    bar.tick(1);
    bar.finish();
    console.log(`md5 ${md5}`);
  }
  const target = await installCifar10Archive(archive, flags.dir, flags.md5);
  console.log(`CIFAR-10 unpacked into ${target} (md5 verified)`);
} catch (e) {
  console.error(`error: ${(e as Error).message}`);
  Deno.exit(e instanceof DownloadError ? 1 : 2);
}

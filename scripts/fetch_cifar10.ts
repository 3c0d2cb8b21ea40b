/**
 * deno task fetch-cifar10 — download CIFAR-10 (binary version), verify its MD5 and unpack it into
 * data/cifar-10-batches-bin, where the uva-* experiments look for it. Offline, it says so and
 * exits 1 (the error boundary of lib/cli prints why); with --archive it installs a copy downloaded elsewhere.
 */
import { cli, flag, type FlagSpecs } from "../lib/cli/args.ts";
import {
  CIFAR10_ARCHIVE_NAME,
  CIFAR10_MD5,
  CIFAR10_URL,
  downloadWithMd5,
  installCifar10Archive,
} from "../lib/data/cifar10_fetch.ts";
import { locateCifar10 } from "../lib/data/cifar10.ts";
import { Progress } from "../lib/report/progress.ts";
import { join } from "node:path";

const FLAGS = {
  out: flag.string("data", "folder that receives cifar-10-batches-bin/ (the uva-* tasks look in data/)", {
    output: true,
  }),
  url: flag.string(CIFAR10_URL, "where to download the archive from", {
    check: (v) => /^https?:\/\/\S+$/.test(v) || "must be an http:// or https:// address",
  }),
  archive: flag.string("", `install from this local ${CIFAR10_ARCHIVE_NAME} instead of downloading`, {
    check: (v) => v === "" || isFile(v) || `no such file: ${v}`,
  }),
  md5: flag.string(CIFAR10_MD5, "expected MD5 of the archive", {
    check: (v) => /^[0-9a-f]{32}$/i.test(v) || "must be 32 hexadecimal digits",
  }),
  force: flag.boolean("download and unpack even if CIFAR-10 is already there"),
} satisfies FlagSpecs;

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

const flags = cli(
  FLAGS,
  "deno task fetch-cifar10",
  "Download CIFAR-10's binary distribution, verify its MD5 and unpack it for the uva-* experiments.",
);

const existing = await locateCifar10([join(flags.out, "cifar-10-batches-bin")]);
if (existing && !flags.force) {
  console.log(`CIFAR-10 is already in ${existing} (use --force to fetch it again)`);
  Deno.exit(0);
}
{
  let archive = flags.archive;
  if (!archive) {
    archive = join(flags.out, CIFAR10_ARCHIVE_NAME);
    console.log(`downloading ${flags.url} → ${archive}`);
    const bar = new Progress("download", 1, { unit: "MB" });
    const md5 = await downloadWithMd5(flags.url, archive, (bytes, total) => {
      bar.info = `${(bytes / 1e6).toFixed(1)} MB${total ? ` of ${(total / 1e6).toFixed(1)}` : ""}`;
    });
    bar.tick(1);
    bar.finish();
    console.log(`md5 ${md5}`);
  }
  const target = await installCifar10Archive(archive, flags.out, flags.md5.toLowerCase());
  console.log(`CIFAR-10 unpacked into ${target} (md5 verified)`);
}

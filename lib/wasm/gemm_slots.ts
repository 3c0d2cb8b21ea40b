/** The layout of one worker's control slot in gemm_threads.ts' shared Int32 control block. */
export const SLOT = {
  SEQ: 0,
  DONE: 1,
  READY: 2,
  FAILED: 3,
  /** The 13 arguments of PackedGemm.gemm, in order. */
  ARGS: 4,
  INTS: 32,
  BYTES: 128,
} as const;

/** The layout of one worker's control slot in gemm_threads.ts' shared Int32 control block. */
export const SLOT = {
  SEQ: 0,
  DONE: 1,
  READY: 2,
  FAILED: 3,
  /** The 13 arguments of PackedGemm.gemm, in order: the first product of the job. */
  ARGS: 4,
  /** How many products the job has (0 counts as 1), and the byte strides from one's A, B, C to the next's. */
  COUNT: 17,
  STRIDE_A: 18,
  STRIDE_B: 19,
  STRIDE_C: 20,
  INTS: 32,
  BYTES: 128,
} as const;

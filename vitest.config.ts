import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Live tests open real sockets and compare with `ss`; running files in parallel would let
    // one file's sockets show up in another's comparison.
    fileParallelism: false,
  },
});

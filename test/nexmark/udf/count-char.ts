// NEXMark's CountChar (nexmark-flink's com.github.nexmark.flink.udf.CountChar) in TypeScript:
// how many times `c` occurs in `s`. Flink's q14 declares it as a Java class; sqc's q14 names this
// module instead: `CREATE FUNCTION count_char AS './udf/count-char.ts#countChar'`.
import type { BIGINT } from 'sqc/runtime';

export function countChar(s: string, c: string): BIGINT {
  let n = 0;
  for (let i = 0; i < s.length; i++) if (s[i] === c) n++;
  return n;
}

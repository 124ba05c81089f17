import { loadConfig } from '@damon/config';
import { blasEnvVars } from '@damon/monitor-kit';
import { z } from 'zod';

/**
 * Which OpenBLAS kernels the services a bench starts get. OpenBLAS takes `OPENBLAS_CORETYPE` (and
 * `OPENBLAS_L2_SIZE`) from the environment when it is loaded; this workplace's machines set both, which
 * pins it to its AVX2 (`Haswell`) kernels on CPUs with AVX-512 (STACK.md). By default a bench keeps
 * whatever the environment says, as the tests do, so that its figures compare from run to run and with
 * the tests. `choice` (the bench's `BENCH_OPENBLAS_CORETYPE`) changes that for the services it starts:
 * a family name forces that family, `detect` leaves both variables out so that OpenBLAS chooses for the
 * CPU, as on a host that sets neither.
 */
export function benchBlasEnvironment(choice: string | undefined): {
  env: Record<string, string | undefined>;
  description: string;
} {
  // Read as the monitors read it (blasEnvVars).
  const inherited = loadConfig(z.object(blasEnvVars())).OPENBLAS_CORETYPE;
  if (!choice)
    return {
      env: {},
      description: inherited
        ? `OpenBLAS kernels: OPENBLAS_CORETYPE=${inherited} from the environment (BENCH_OPENBLAS_CORETYPE=detect lets OpenBLAS choose)`
        : "OpenBLAS kernels: OpenBLAS's own choice (no OPENBLAS_CORETYPE in the environment)",
    };
  if (choice === 'detect')
    return {
      env: { OPENBLAS_CORETYPE: undefined, OPENBLAS_L2_SIZE: undefined },
      description:
        "OpenBLAS kernels: OpenBLAS's own choice (BENCH_OPENBLAS_CORETYPE=detect: the monitors start without OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE)",
    };
  return {
    env: { OPENBLAS_CORETYPE: choice },
    description: `OpenBLAS kernels: OPENBLAS_CORETYPE=${choice} for the monitors (BENCH_OPENBLAS_CORETYPE)`,
  };
}

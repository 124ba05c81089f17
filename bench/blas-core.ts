/**
 * Which OpenBLAS kernels a bench's processes get. OpenBLAS takes `OPENBLAS_CORETYPE` (and
 * `OPENBLAS_L2_SIZE`) from the environment when it is loaded; this workplace's machines set both, which
 * pins it to its AVX2 (`Haswell`) kernels on CPUs with AVX-512 (STACK.md). By default a bench keeps
 * whatever the environment says, as the tests do, so its figures are comparable from run to run and
 * with the tests. `BENCH_OPENBLAS_CORETYPE` changes that for the bench's own process and the services it
 * starts, before any library is loaded: a family name forces that family, `detect` removes both
 * variables so OpenBLAS chooses for the CPU, as on a host that sets neither.
 */
export function chooseBenchBlasCore(choice: string | undefined): string {
  const inherited = process.env.OPENBLAS_CORETYPE;
  if (!choice) {
    return inherited
      ? `OpenBLAS kernels: OPENBLAS_CORETYPE=${inherited} from the environment (BENCH_OPENBLAS_CORETYPE=detect lets OpenBLAS choose)`
      : "OpenBLAS kernels: OpenBLAS's own choice (no OPENBLAS_CORETYPE in the environment)";
  }
  if (choice === 'detect') {
    delete process.env.OPENBLAS_CORETYPE;
    delete process.env.OPENBLAS_L2_SIZE;
    return "OpenBLAS kernels: OpenBLAS's own choice (BENCH_OPENBLAS_CORETYPE=detect: OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE removed)";
  }
  process.env.OPENBLAS_CORETYPE = choice;
  return `OpenBLAS kernels: OPENBLAS_CORETYPE=${choice} (BENCH_OPENBLAS_CORETYPE)`;
}

export { initBackend, type BackendName } from './backend';
export { nativeMatMul } from './blas/native-matmul';
export { CBLAS, openBlas, type OpenBlas, type OpenBlasOptions, type BlasMode } from './blas/openblas';
export {
  type Matrix,
  matrix,
  fromRows,
  sliceRows,
  subtractMatrices,
  stackRows,
  pickRows,
  spreadIndexes,
} from './matrix';
export { type EncodedArray } from './serialization';
export {
  GaussianDetector,
  resolvedRank,
  type GaussianDetectorOptions,
  type GaussianDetectorJson,
  type GaussianPath,
} from './gaussian/gaussian-detector';
export {
  PcaResidualDetector,
  type PcaResidualDetectorOptions,
  type PcaResidualDetectorJson,
} from './gaussian/pca-residual-detector';
export {
  LayerPropagationDetector,
  type LayerPropagationDetectorOptions,
  type LayerPropagationDetectorJson,
} from './gaussian/layer-propagation-detector';
export {
  OversightContrastDetector,
  type OversightContrastDetectorJson,
} from './gaussian/oversight-contrast-detector';
export {
  spectralSignature,
  topDirectionShare,
  spectralNullShares,
  type SpectralSignatureOptions,
  type SpectralSignatureResult,
} from './population/spectral-signature';
export {
  robustCovariance,
  type RobustCovarianceOptions,
  type RobustCovarianceResult,
} from './population/robust-covariance';
export {
  mmdTest,
  linearTimeMmdTest,
  medianHeuristic,
  type MmdOptions,
  type MmdResult,
  type LinearMmdResult,
} from './drift/mmd';
export { ks2Samp, perFeatureKs, type KsResult, type FeatureKsResult } from './drift/kolmogorov-smirnov';
export { benjaminiHochberg, type BhResult } from './drift/benjamini-hochberg';
export { chiSquareRates, type SliceCount, type ChiSquareRatesResult } from './drift/chi-square-rates';
export { type ChangePointUpdate } from './streams/change-point';
export { CusumDetector, type CusumOptions, type CusumJson } from './streams/cusum-detector';
export {
  PageHinkleyDetector,
  type PageHinkleyOptions,
  type PageHinkleyJson,
} from './streams/page-hinkley-detector';
export {
  TrendCusumDetector,
  longRunVariance,
  type TrendCusumOptions,
  type TrendCusumUpdate,
  type TrendCusumJson,
} from './streams/trend-cusum-detector';
export { cusumOneSidedArl, cusumTwoSidedArl, cusumThresholdForArl } from './streams/cusum-arl';
export { BocpdDetector, type BocpdOptions, type BocpdJson, type NigPrior } from './streams/bocpd-detector';
export {
  EditAuditor,
  effectiveRank,
  singularValues,
  type ParameterEdit,
  type EditFeatures,
  type EditAudit,
  type EditAuditorJson,
} from './edit/edit-auditor';
export { ConformalCalibrator, type ConformalCalibratorJson } from './calibration/conformal-calibrator';
export {
  ParetoTail,
  fitGeneralizedPareto,
  generalizedParetoSf,
  type ParetoFit,
  type ParetoTailOptions,
} from './calibration/pareto-tail';
export {
  fisherCombine,
  minPSidak,
  cauchyCombine,
  weightedFisherCombine,
  isAdaptiveFusion,
  batchEvidence,
  pooledEvidence,
  weightsFromEvidence,
  fusePValues,
  type FusionEvidence,
  type FusionMethod,
} from './calibration/fusion';
export {
  FusedCalibration,
  fitFusedCalibrator,
  fusedStatistic,
  type FusedCalibrationJson,
  type FusedScores,
} from './calibration/fused-calibration';
export { scoreHistogram, type ScoreHistogram } from './calibration/score-histogram';
export { KnnDetector, type KnnDetectorOptions, type KnnDetectorJson } from './neighbours/knn-detector';
export {
  QuantumEntropyDetector,
  queWeights,
  type QuantumEntropyOptions,
  type QuantumEntropyJson,
  type WhitenedRows,
} from './population/quantum-entropy-detector';
export { auroc } from './metrics/auroc';
export { accumulateMoments, type Moments } from './linalg/moments';
export {
  ledoitWolfShrinkage,
  shrunkCovariance,
  type Shrinkage,
  type ShrunkCovariance,
} from './linalg/ledoit-wolf';
export { symmetricEigen, type SymmetricEigen } from './linalg/symmetric-eigen';
export { topEigen, mulberry32 } from './linalg/top-eigen';
export {
  chiSquareSf,
  logChiSquareSf,
  binomialSf,
  logBinomialSf,
  normalSf,
  kolmogorovSf,
  median,
} from './special-functions';
// Seeded synthetic activations for tests and benchmarks of this library and its users.
export {
  FactorModel,
  normalGenerator,
  randomUnitVector,
  toRows,
  concatRows,
  twoModeCloud,
} from './testing/synthetic-data';
export {
  LogisticProbe,
  crossValidateProbe,
  stratifiedFolds,
  type LogisticProbeOptions,
  type LogisticProbeJson,
  type CrossValidation,
} from './probe/logistic-probe';

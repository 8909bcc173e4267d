export {
  accuracy,
  balancedAccuracy,
  binaryRocAuc,
  classificationReport,
  cohenKappa,
  confusionMatrix,
  macroF1,
  perClassMetrics,
  rocAucOneVsRest,
  type ClassMetrics,
  type ClassificationReport,
  type KappaWeighting,
} from './metrics.js';
export {
  runPaperProtocol,
  type EpochTrainer,
  type LabelledSet,
  type ProtocolOptions,
  type ProtocolResult,
  type TrainingRun,
} from './protocol.js';
export {
  bootstrapConfidenceInterval,
  mean,
  pairedTTest,
  standardDeviation,
  studentTTest,
  welchTTest,
  type BootstrapOptions,
  type ConfidenceInterval,
  type TTestResult,
} from './statistics.js';
export {
  significanceMarks,
  type SignificanceInput,
  type SignificanceMarks,
} from './significance.js';
export {
  formatCell,
  renderCsvTable,
  renderMarkdownTable,
  resultCell,
  type ResultCell,
  type ResultRow,
  type ResultTable,
  type TableFormat,
} from './table.js';
export {
  featureMatrix,
  fitStandardiser,
  selectRows,
  standardise,
  type FeatureMatrix,
  type Standardiser,
} from './baselines/features.js';
export {
  decisionScores,
  predictClasses,
  type LinearClassifier,
} from './baselines/linear-classifier.js';
export {
  trainLogisticRegression,
  type LogisticRegressionOptions,
} from './baselines/logistic-regression.js';
export { trainLinearSvm, type LinearSvmOptions } from './baselines/linear-svm.js';
export {
  DEFAULT_C_GRID,
  evaluateBaseline,
  selectRegularisation,
  trainBaseline,
  type BaselineKind,
  type BaselineResult,
  type RegularisationSearch,
  type RegularisationSearchOptions,
} from './baselines/select-regularisation.js';
export { mapStability, type MapStability } from './map-stability.js';

export { default } from '@gsa/tooling/eslint';

import preset from '@gsa/tooling/jest-preset';

export default { ...preset };

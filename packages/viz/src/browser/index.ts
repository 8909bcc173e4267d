export { drawRgbaImage, rgbaToDataUri } from './canvas.js';

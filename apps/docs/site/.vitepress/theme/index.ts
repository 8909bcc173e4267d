import DefaultTheme from 'vitepress/theme';
import type { Theme } from 'vitepress';
import GsaDemo from './components/GsaDemo.vue';
import GsaClassify from './components/GsaClassify.vue';
import './style.css';

const theme: Theme = {
  extends: DefaultTheme,
  enhanceApp({ app }) {
    app.component('GsaDemo', GsaDemo);
    app.component('GsaClassify', GsaClassify);
  },
};
export default theme;

// A TypeDoc plugin: names each entry point as it is imported ("@gsa/data/node")
// rather than by its source folder ("data/src/browser").
import { Converter, ReflectionKind } from 'typedoc';

export function load(app) {
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    for (const module of context.project.getReflectionsByKind(ReflectionKind.Module)) {
      module.name = module.name.replace(
        /^([a-z0-9-]+)\/src(?:\/(.+))?$/,
        (_, name, subpath) => `@gsa/${name}${subpath ? `/${subpath}` : ''}`,
      );
    }
  });
}

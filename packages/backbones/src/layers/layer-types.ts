// Types of tfjs-layers' Layer API that the package index does not export by name.
import type * as tfl from '@tensorflow/tfjs-layers';

/** The base arguments of every layer (`name`, `trainable`, `inputShape`, ...). */
export type LayerArguments = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;
/** The keyword arguments of `Layer.call` (`training`, `mask`). */
export type Kwargs = Parameters<tfl.layers.Layer['call']>[1];
/** One shape or a list of shapes, as `Layer.build` and `computeOutputShape` receive them. */
export type LayerShape = Parameters<tfl.layers.Layer['build']>[0];

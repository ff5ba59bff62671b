/**
 * The runtime views of layers: what a network interface's methods return. Each view tells a layer's shapes, its
 * parameters by PyTorch name, and its cost (multiply-adds, activation memory, receptive field). Views hold no
 * per-pass state; the generated network does the computing.
 */
package dev.kiln.runtime.layer;

/**
 * The core of the runtime: {@link dev.kiln.runtime.Model}, the base every generated network extends, its
 * {@link dev.kiln.runtime.Parameter}s and the per-caller {@link dev.kiln.runtime.Workspace} a pass writes into; and
 * {@link dev.kiln.runtime.WarmUp}, which runs a network until the JIT has compiled it, before a server's first
 * requests; and {@link dev.kiln.runtime.LayerTimes}, each layer's time in a workspace's passes where the JVM was
 * started with {@code -Dkiln.profile=true}.
 *
 * <p>The runtime depends on the JDK alone and never on the processor. Sub-packages: {@code layer} (the views a
 * network interface's methods return), {@code init} (weight initializers), {@code parallel} (the pool of threads that
 * training and multi-threaded inference share), and the training and I/O packages.
 */
package dev.kiln.runtime;

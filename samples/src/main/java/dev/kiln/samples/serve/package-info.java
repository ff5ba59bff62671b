/**
 * Serving a trained network over HTTP with the JDK alone: {@link dev.kiln.samples.serve.InferenceServer} (the
 * service: {@code POST /predict}, {@code GET /health}, {@code GET /model} on {@code com.sun.net.httpserver}, one
 * workspace per request thread), the parsers of its inputs (JSON pixels, PNG and PGM images), and
 * {@link dev.kiln.samples.serve.LoadTest}, a bounded load generator that checks every answer against a direct model
 * call.
 */
package dev.kiln.samples.serve;

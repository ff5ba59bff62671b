/**
 * The first stage: reads a {@code @Network} interface into declarations that keep, for every annotation value,
 * where it is written, so each later diagnostic can point javac at the exact attribute. No rules are checked here.
 */
package dev.kiln.processor.read;

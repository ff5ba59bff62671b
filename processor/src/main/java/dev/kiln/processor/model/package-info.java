/**
 * The validated network: immutable records whose constructors hold every invariant the validator checked, so the
 * later stages can trust them. Nothing here refers to javac's elements.
 */
package dev.kiln.processor.model;

/**
 * The second stage: checks every rule on a declaration and builds the {@link dev.kiln.processor.model} records.
 * User mistakes go into a {@link dev.kiln.processor.validate.Report} (never exceptions), each pointing at the exact
 * element, annotation and value; the catalog of messages is {@link dev.kiln.processor.validate.Message}.
 */
package dev.kiln.processor.validate;

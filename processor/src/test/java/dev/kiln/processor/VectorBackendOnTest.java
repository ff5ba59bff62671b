package dev.kiln.processor;

import static com.google.common.truth.Truth.assertWithMessage;

import dev.kiln.runtime.kernel.VectorBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Runs only in the build's second test execution, which turns the opt-in Vector API kernels on and repeats the
 * golden, gradient-check and batch tests: it makes sure that execution really runs them (a missing module or
 * property would otherwise test the default path twice).
 */
@EnabledIfSystemProperty(named = VectorBackend.PROPERTY, matches = "true")
class VectorBackendOnTest {
  @Test
  void theVectorKernelsAreOn() {
    assertWithMessage("-Dkiln.vector=true with --add-modules jdk.incubator.vector").that(VectorBackend.ENABLED)
        .isTrue();
  }
}

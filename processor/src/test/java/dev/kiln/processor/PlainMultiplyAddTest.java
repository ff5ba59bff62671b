package dev.kiln.processor;

import static com.google.common.truth.Truth.assertWithMessage;

import dev.kiln.runtime.kernel.MultiplyAdd;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Runs only in the build's test execution with {@code -Dkiln.fma=false}, which repeats the golden, gradient-check,
 * convolution and pooling tests with a plain multiply and add in the kernels' row updates: it makes sure that
 * execution really runs them (without the property the fused path would be tested twice).
 */
@EnabledIfSystemProperty(named = MultiplyAdd.PROPERTY, matches = "false")
class PlainMultiplyAddTest {
  @Test
  void theRowUpdatesMultiplyAndAddSeparately() {
    assertWithMessage("-Dkiln.fma=false").that(MultiplyAdd.FUSED).isFalse();
  }
}

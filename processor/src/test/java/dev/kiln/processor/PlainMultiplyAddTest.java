package dev.kiln.processor;

import static com.google.common.truth.Truth.assertWithMessage;

import dev.kiln.runtime.kernel.MultiplyAdd;
import dev.kiln.runtime.kernel.Registers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Runs only in the build's test execution with {@code -Dkiln.fma=false}, which repeats the golden, gradient-check,
 * convolution and pooling tests with a plain multiply and add in the kernels' row updates and with the kernels'
 * choices for 16 float registers ({@code -Dkiln.registers=16}): it makes sure that execution really runs them
 * (without the properties the fused path, and on a host with AVX-512 the 32-register choices, would be tested
 * twice).
 */
@EnabledIfSystemProperty(named = MultiplyAdd.PROPERTY, matches = "false")
class PlainMultiplyAddTest {
  @Test
  void theRowUpdatesMultiplyAndAddSeparately() {
    assertWithMessage("-Dkiln.fma=false").that(MultiplyAdd.FUSED).isFalse();
  }

  @Test
  void theKernelsChooseForSixteenRegisters() {
    assertWithMessage("-Dkiln.registers=16").that(Registers.MANY).isFalse();
  }
}

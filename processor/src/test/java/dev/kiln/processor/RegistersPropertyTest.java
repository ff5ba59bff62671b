package dev.kiln.processor;

import static com.google.common.truth.Truth.assertWithMessage;

import dev.kiln.runtime.kernel.Registers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The processor's default test execution forces {@code -Dkiln.registers=32}, so that the kernels' choices for 32
 * float registers are tested on a build machine without AVX-512 too (the plain multiply-add execution forces 16:
 * {@code PlainMultiplyAddTest}). This makes sure the property reached the kernels.
 */
@EnabledIfSystemProperty(named = Registers.PROPERTY, matches = "32")
class RegistersPropertyTest {
  @Test
  void theKernelsChooseForThirtyTwoRegisters() {
    assertWithMessage("-Dkiln.registers=32").that(Registers.MANY).isTrue();
  }
}

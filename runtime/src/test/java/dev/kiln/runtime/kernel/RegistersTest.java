package dev.kiln.runtime.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

class RegistersTest {
  @Test
  void manyFollowsTheJvmUnlessThePropertySaysOtherwise() {
    String forced = System.getProperty(Registers.PROPERTY);
    String arch = System.getProperty("os.arch");
    boolean expected = forced != null
        ? forced.equals("32")
        : arch.equals("aarch64")
            || ((arch.equals("amd64") || arch.equals("x86_64"))
                && Integer.parseInt(HotSpotOptions.value("UseAVX")) >= 3);
    assertEquals(expected, Registers.MANY);
  }

  @Test
  void theSystemPropertyForcesEitherChoiceAndRefusesOtherValues() throws Exception {
    assertEquals("false", runWith("16"));
    assertEquals("true", runWith("32"));
    String refused = runWith("64");
    assertTrue(refused.contains("-Dkiln.registers takes 16 or 32, not '64'"), refused);
  }

  @Test
  void hotSpotOptionsReadsAnOptionAndAnswersNullForOneThatDoesNotExist() {
    assertTrue(List.of("true", "false").contains(HotSpotOptions.value("UseFMA")), HotSpotOptions.value("UseFMA"));
    assertNull(HotSpotOptions.value("NoSuchKilnOption"));
  }

  /** Runs {@link Probe} in a fresh JVM with the property set to {@code value}: its output, or its error's. */
  private static String runWith(String value) throws IOException, InterruptedException {
    return FreshJvm.run(Probe.class, Registers.PROPERTY, value);
  }

  /** Prints whether the kernels choose for 32 registers. */
  public static final class Probe {
    public static void main(String[] args) {
      System.out.println(Registers.MANY);
    }
  }
}

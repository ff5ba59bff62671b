package dev.kiln.runtime.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

class MultiplyAddTest {
  /** (1 + 2^-12)^2 - 1 is 2^-11 + 2^-24 exactly; the float product rounds the 2^-24 away before the add. */
  private static final float A = 1f + 0x1p-12f;
  private static final float C = -1f;

  @Test
  void fusedFollowsTheJvmsFmaFlagUnlessThePropertySaysOtherwise() {
    String forced = System.getProperty(MultiplyAdd.PROPERTY);
    boolean expected = forced != null
        ? Boolean.parseBoolean(forced)
        : Boolean.parseBoolean(ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
            .getVMOption("UseFMA").getValue());
    assertEquals(expected, MultiplyAdd.FUSED);
  }

  @Test
  void maddRoundsOnceWhenFusedAndTwiceOtherwise() {
    float fused = Math.fma(A, A, C);
    float separate = A * A + C;
    assertNotEquals(fused, separate, "the test's values must tell the two apart");
    assertEquals(0x1p-11f + 0x1p-24f, fused);
    assertEquals(MultiplyAdd.FUSED ? fused : separate, MultiplyAdd.madd(A, A, C));
  }

  @Test
  void theSystemPropertyForcesEitherChoiceAndRefusesOtherValues() throws Exception {
    assertEquals("false " + (A * A + C), runWith("false"));
    assertEquals("true " + Math.fma(A, A, C), runWith("true"));
    String refused = runWith("yes");
    assertTrue(refused.contains("-Dkiln.fma takes true or false, not 'yes'"), refused);
  }

  /** Runs {@link Probe} in a fresh JVM with the property set to {@code value}: its output, or its error's. */
  private static String runWith(String value) throws IOException, InterruptedException {
    return FreshJvm.run(Probe.class, MultiplyAdd.PROPERTY, value);
  }

  /** Prints whether {@code madd} is fused and its value for the test's operands. */
  public static final class Probe {
    public static void main(String[] args) {
      System.out.println(MultiplyAdd.FUSED + " " + MultiplyAdd.madd(A, A, C));
    }
  }
}

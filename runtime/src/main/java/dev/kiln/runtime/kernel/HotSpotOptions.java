package dev.kiln.runtime.kernel;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;

/**
 * Reads the running HotSpot JVM's options, which decide what its JIT compiler makes of a kernel, and the system
 * properties that force a kernel's choice instead.
 */
final class HotSpotOptions {
  private HotSpotOptions() {}

  /**
   * The value of system property {@code property}, which forces a choice between {@code first} and {@code second},
   * or null where it is not set.
   *
   * @throws IllegalArgumentException if it is set to anything else
   */
  static String forcedChoice(String property, String first, String second) {
    String forced = System.getProperty(property);
    if (forced != null && !forced.equals(first) && !forced.equals(second)) {
      throw new IllegalArgumentException(
          "-D" + property + " takes " + first + " or " + second + ", not '" + forced + "'");
    }
    return forced;
  }

  /** The value of VM option {@code name} as a string, or null where the JVM has no such bean or option. */
  static String value(String name) {
    try {
      HotSpotDiagnosticMXBean hotSpot = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
      return hotSpot == null ? null : hotSpot.getVMOption(name).getValue();
    } catch (RuntimeException | LinkageError e) {
      // Not HotSpot, or an option this version does not have.
      return null;
    }
  }
}

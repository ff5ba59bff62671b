package dev.kiln.runtime.kernel;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;

/** Reads the running HotSpot JVM's options, which decide what its JIT compiler makes of a kernel. */
final class HotSpotOptions {
  private HotSpotOptions() {}

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

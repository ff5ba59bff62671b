package dev.kiln.benchmarks;

import com.sun.jna.Library;
import com.sun.jna.Native;

/**
 * Sets a variable in this process's C environment, for native libraries that read it once when they load (OpenMP's
 * {@code OMP_NUM_THREADS}); Java has no call for it and JMH cannot give a forked JVM its own environment. Call it
 * before the library loads.
 */
final class NativeEnv {
  private interface C extends Library {
    int setenv(String name, String value, int overwrite);
  }

  private NativeEnv() {}

  static void set(String name, String value) {
    C c = Native.load("c", C.class);
    if (c.setenv(name, value, 1) != 0) {
      throw new IllegalStateException("setenv " + name + " failed");
    }
  }
}

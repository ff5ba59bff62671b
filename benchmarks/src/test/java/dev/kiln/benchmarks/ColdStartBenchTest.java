package dev.kiln.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.runtime.Model;
import org.junit.jupiter.api.Test;

/**
 * The cold-start benchmark's requests are what it says (image-like ones with a zero background in turn with the
 * suite's pixels) and each answer is the model's own, warmed or not.
 */
class ColdStartBenchTest {
  @Test
  void requestsAlternatePixelsAndImageLikeOnes() {
    float[][] requests = Inputs.requests(4);
    for (int r = 0; r < requests.length; r++) {
      int zeros = 0;
      for (float v : requests[r]) {
        zeros += v == 0f ? 1 : 0;
      }
      if (r % 2 == 0) {
        assertTrue(zeros < 5, "request " + r + " has " + zeros + " zeros");
      } else {
        // A 16 x 20 patch of 784 pixels: 464 background zeros at least.
        assertTrue(zeros >= 464, "request " + r + " has " + zeros + " zeros");
      }
    }
  }

  @Test
  void answersAreTheModelsWithAndWithoutWarmUp() {
    float[][] requests = Inputs.requests(3);
    Model reference = Nets.kiln("mlp").eval();
    for (String start : new String[] {"none", "warmUp"}) {
      ColdStartBench bench = new ColdStartBench();
      bench.net = "mlp";
      bench.start = start;
      bench.setUp();
      for (float[] request : requests) {
        float expected = reference.predict(request, 1)[0];
        assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(bench.request()), start);
      }
    }
  }

  @Test
  void refusesAnUnknownStart() {
    ColdStartBench bench = new ColdStartBench();
    bench.net = "mlp";
    bench.start = "lukewarm";
    assertThrows(IllegalArgumentException.class, bench::setUp);
  }
}

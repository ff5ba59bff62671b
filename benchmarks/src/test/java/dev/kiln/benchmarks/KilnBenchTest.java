package dev.kiln.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.runtime.Parameter;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Kiln benchmarks compute what they claim: on two threads, the same outputs and the same gradients (those of
 * the mean loss over the whole batch) as on one, so the 2-thread timings are of the same work.
 */
class KilnBenchTest {
  private static KilnBench bench(String net, int threads) {
    KilnBench b = new KilnBench();
    b.net = net;
    b.threads = threads;
    b.setUp();
    return b;
  }

  @ParameterizedTest
  @ValueSource(strings = {"mlp", "lenet5"})
  void twoThreadsInferTheSameAsOne(String net) {
    KilnBench one = bench(net, 1);
    KilnBench two = bench(net, 2);
    try {
      one.throughputBatch64();
      two.throughputBatch64();
      int half = 32 * Inputs.CLASSES;
      for (int p = 0; p < 2; p++) {
        float[] expected = one.inferenceOutput(0);
        float[] actual = two.inferenceOutput(p);
        for (int i = 0; i < half; i++) {
          float e = expected[p * half + i];
          assertEquals(e, actual[i], 1e-5f * Math.max(1f, Math.abs(e)), "part " + p + " value " + i);
        }
      }
    } finally {
      one.tearDown();
      two.tearDown();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"mlp", "lenet5"})
  void twoThreadsComputeTheGradientsOfOne(String net) {
    KilnBench one = bench(net, 1);
    KilnBench two = bench(net, 2);
    try {
      // Both models hold the weights of the same seed; setUp left their gradients at zero.
      float lossOne = one.gradients();
      float lossTwo = two.gradients();
      assertEquals(lossOne, lossTwo, 1e-5f * Math.abs(lossOne));
      List<Parameter> a = one.trainingModel().parameters();
      List<Parameter> b = two.trainingModel().parameters();
      for (int i = 0; i < a.size(); i++) {
        float[] ga = a.get(i).grad();
        float[] gb = b.get(i).grad();
        float scale = 0;
        for (float g : ga) {
          scale = Math.max(scale, Math.abs(g));
        }
        assertTrue(scale > 0, a.get(i).name() + " has no gradient");
        for (int j = 0; j < ga.length; j++) {
          assertEquals(ga[j], gb[j], 1e-4f * scale, a.get(i).name() + "[" + j + "]");
        }
      }
    } finally {
      one.tearDown();
      two.tearDown();
    }
  }
}

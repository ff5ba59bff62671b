package dev.kiln.processor;

import static com.google.common.truth.Truth.assertThat;

import com.google.testing.compile.Compilation;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import javax.tools.JavaFileObject;
import org.junit.jupiter.api.Test;

/** The same interface compiled twice writes byte-identical sources: no timestamps, no unordered iteration. */
class ReproducibleOutputTest {
  @Test
  void generatedSourcesAreByteIdenticalAcrossBuilds() throws IOException {
    List<byte[]> first = sources(TestNetworks.compile("test.LeNet5", NetGoldenTest.LENET5));
    List<byte[]> second = sources(TestNetworks.compile("test.LeNet5", NetGoldenTest.LENET5));
    assertThat(first).hasSize(1);
    assertThat(second).hasSize(1);
    assertThat(second.get(0)).isEqualTo(first.get(0));
  }

  private static List<byte[]> sources(Compilation compilation) throws IOException {
    List<byte[]> out = new ArrayList<>();
    for (JavaFileObject file : compilation.generatedSourceFiles()) {
      try (InputStream in = file.openInputStream()) {
        out.add(in.readAllBytes());
      }
    }
    return out;
  }
}

package dev.kiln.samples;

import static com.google.common.truth.Truth.assertThat;

import dev.kiln.runtime.Model;
import dev.kiln.runtime.data.FashionMnist;
import dev.kiln.runtime.io.Weights;
import dev.kiln.runtime.train.Evaluation;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The main job's whole flow, shrunk to seconds (2,000 training and 1,000 test images of the shipped subset, two
 * epochs): it prints the summary and the epoch table, saves weights that reload to the same accuracy, and writes a
 * readable PNG chart. The full-size run is the demo itself ({@code mvn -q -DskipTests -Pdemo install}).
 */
class TrainLeNet5Test {
  @Test
  void trainsSavesAndCharts(@TempDir Path dir) throws IOException {
    FashionMnist shipped = FashionData.shipped();
    assertThat(shipped.train().size()).isEqualTo(10_000);
    assertThat(shipped.test().size()).isEqualTo(10_000);
    FashionData.Source small = new FashionData.Source(
        new FashionMnist(shipped.train().head(2_000), shipped.test().head(1_000)), "a test subset", false);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    TrainLeNet5.Result r;
    try (PrintStream log = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
      r = TrainLeNet5.run(small, 2, 64, 1e-3, 1, 2, dir, log);
    }
    String out = bytes.toString(StandardCharsets.UTF_8);
    assertThat(out).contains("conv1        Conv 6@5 pad 2, relu");  // the compile-time summary
    assertThat(out).contains("epoch  train loss  train acc");       // the per-epoch table
    assertThat(out).contains("weights: " + dir.resolve("lenet5.safetensors").toAbsolutePath());
    assertThat(r.history().epochCount()).isEqualTo(2);
    assertThat(r.test().samples()).isEqualTo(1_000);
    assertThat(r.test().accuracy()).isGreaterThan(0.6); // two epochs on 2,000 images: far above chance (0.1)

    Model restored = new Kiln_LeNet5();
    Weights.load(restored, r.weights());
    assertThat(Evaluation.evaluate(restored, small.data().test()).accuracy()).isEqualTo(r.test().accuracy());

    assertThat(r.chart()).isNotNull();
    BufferedImage chart = ImageIO.read(r.chart().toFile());
    assertThat(chart.getWidth()).isEqualTo(TrainingChart.WIDTH);
    assertThat(chart.getHeight()).isEqualTo(TrainingChart.HEIGHT);
    assertThat(Files.list(dir).map(p -> p.getFileName().toString()).sorted().toList())
        .containsExactly("lenet5-training.png", "lenet5.safetensors");  // no temporary files left behind
  }

  @Test
  void dataArgumentsResolve() throws IOException {
    assertThat(FashionData.resolve("shipped").full()).isFalse();
    assertThat(FashionData.resolve("shipped").description()).contains("10000 training");
  }

  @Test
  void niceTicks() {
    assertThat(TrainingChart.niceStep(0.7, 6)).isWithin(1e-12).of(0.2);
    assertThat(TrainingChart.niceStep(30, 6)).isWithin(1e-12).of(5);
  }
}

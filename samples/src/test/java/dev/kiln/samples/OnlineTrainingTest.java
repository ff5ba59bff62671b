package dev.kiln.samples;

import static com.google.common.truth.Truth.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The README's loop of one's own learns: 300 steps of {@code Trainer.step} on batches drawn from the shipped subset
 * take the MLP to a test accuracy an MLP reaches after about two epochs, and the printed mean loss falls.
 */
class OnlineTrainingTest {
  @Test
  void learnsFromBatchesAsTheyArrive() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    double accuracy;
    try (PrintStream log = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
      accuracy = OnlineTraining.run(300, 2, log);
    }
    String out = bytes.toString(StandardCharsets.UTF_8);
    Matcher m = Pattern.compile("steps +(\\d+) +mean loss ([0-9.]+)").matcher(out);
    double first = Double.NaN;
    double last = Double.NaN;
    int lines = 0;
    while (m.find()) {
      double loss = Double.parseDouble(m.group(2));
      first = lines == 0 ? loss : first;
      last = loss;
      lines++;
    }
    assertThat(lines).isEqualTo(3);
    assertThat(last).isLessThan(first);
    assertThat(accuracy).isGreaterThan(0.78);
  }
}

package dev.kiln.samples.serve;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The request reader's corners that the server tests do not reach: escapes, duplicates, nesting, extremes. */
class PixelJsonTest {
  @Test
  void readsBothShapes() throws Exception {
    PixelJson.Request bare = PixelJson.parse(" [0, 0.5, 1e0, -0, 2.5E-1]\n", 8);
    assertThat(bare.count()).isEqualTo(5);
    assertThat(bare.pixels()).usingExactEquality().containsAtLeast(0f, 0.5f, 1f, -0f, 0.25f).inOrder();
    assertThat(bare.top()).isEqualTo(0);
    PixelJson.Request object = PixelJson.parse("{\"pi\\u0078els\": [0.25], \"top\": 2}", 1);
    assertThat(object.count()).isEqualTo(1);
    assertThat(object.top()).isEqualTo(2);
  }

  @Test
  void countsValuesBeyondCapacity() throws Exception {
    assertThat(PixelJson.parse("[1, 2, 3, 4]", 2).count()).isEqualTo(4);
  }

  @Test
  void extremeNumbersParseAndAreLeftToTheRangeCheck() throws Exception {
    assertThat(PixelJson.parse("[1e999]", 1).pixels()[0]).isPositiveInfinity();
  }

  @Test
  void refusals() {
    assertMessage("[[0]]", "malformed JSON at character 1: expected a number but found '[0]]'");
    assertMessage("[" + "[".repeat(100_000), "malformed JSON at character 1: expected a number");
    assertMessage("{\"pixels\": [0], \"pixels\": [1]}", "\"pixels\" given twice");
    assertMessage("{\"top\": 1, \"top\": 2, \"pixels\": []}", "\"top\" given twice");
    assertMessage("{\"pixels\": [0],}", "expected '\"' but found '}'");
    assertMessage("[01]", "malformed JSON at character 2: expected ',' or ']' after value 1 but found '1]'");
    assertMessage("[1.]", "expected a digit after the decimal point");
    assertMessage("[.5]", "expected a number but found '.5]'");
    assertMessage("[1e]", "expected a digit in the exponent");
    assertMessage("{\"a\nb\": 1}", "raw control character in a string");
    assertMessage("", "expected a JSON array of pixels or an object {\"pixels\": [...]} but found the end of the body");
  }

  private static void assertMessage(String json, String message) {
    BadRequestException e = assertThrows(BadRequestException.class, () -> PixelJson.parse(json, 784));
    assertThat(e.status()).isEqualTo(400);
    assertThat(e.getMessage()).contains(message);
  }
}

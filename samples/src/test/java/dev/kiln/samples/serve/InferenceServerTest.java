package dev.kiln.samples.serve;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;

import dev.kiln.runtime.Model;
import dev.kiln.runtime.Workspace;
import dev.kiln.runtime.data.Dataset;
import dev.kiln.runtime.data.FashionMnist;
import dev.kiln.samples.FashionData;
import dev.kiln.samples.Kiln_LeNet5;
import dev.kiln.samples.PyTorchInterop;
import dev.kiln.samples.ReadmeTest;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The inference server on a free loopback port, serving PyTorch's LeNet-5: answers for JSON, PNG and PGM inputs
 * equal direct model calls bit for bit; every malformed request gets its 4xx and a JSON message saying what was
 * wrong; bad requests mixed into concurrent good ones change nothing; and a short load test has no errors.
 */
class InferenceServerTest {
  static Model model;
  static Dataset test;
  static InferenceServer server;
  static HttpClient client;

  @BeforeAll
  static void start() throws IOException {
    model = PyTorchInterop.withPyTorchWeights(new Kiln_LeNet5(), "lenet5");
    test = FashionData.shippedTest().head(200);
    server = InferenceServer.start(model, FashionMnist.CLASSES,
        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4);
    client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  // ---- valid requests -------------------------------------------------------------------------------------------

  @Test
  void healthAndModel() throws Exception {
    HttpResponse<String> health = get("/health");
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(health.body()).contains("\"status\": \"ok\"");
    HttpResponse<String> info = get("/model");
    assertThat(info.statusCode()).isEqualTo(200);
    assertThat(info.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
    assertThat(info.body()).contains("\"name\": \"LeNet5\"");
    assertThat(info.body()).contains("\"input\": [1, 28, 28]");
    assertThat(info.body()).contains("\"parameters\": 61706");
    assertThat(info.body()).contains("\"Ankle boot\"");
    assertThat(info.body()).contains("conv1        Conv 6@5 pad 2, relu"); // the summary table, escaped
  }

  @Test
  void jsonArrayAnswersLikeTheModel() throws Exception {
    for (int i = 0; i < 20; i++) {
      HttpResponse<String> r = post("/predict", LoadTest.json(test.sample(i)), "application/json");
      assertWithMessage("image %s: %s", i, r.body()).that(r.statusCode()).isEqualTo(200);
      assertThat(answers(r.body())).isEqualTo(direct(test.sample(i), InferenceServer.DEFAULT_TOP));
    }
  }

  @Test
  void jsonObjectWithTop() throws Exception {
    String body = "{\"top\": 10, \"pixels\": " + new String(LoadTest.json(test.sample(3)), StandardCharsets.UTF_8)
        + "}";
    HttpResponse<String> r = post("/predict", body.getBytes(StandardCharsets.UTF_8), "application/json");
    assertThat(r.statusCode()).isEqualTo(200);
    List<String> all = answers(r.body());
    assertThat(all).hasSize(10);
    assertThat(all).isEqualTo(direct(test.sample(3), 10));
    // The query parameter works too.
    assertThat(answers(post("/predict?top=1", LoadTest.json(test.sample(3)), null).body())).hasSize(1);
  }

  @Test
  void pngAndPgmAnswerLikeJson() throws Exception {
    for (int i = 0; i < 5; i++) {
      float[] x = test.sample(i);
      List<String> expected = direct(x, 3);
      assertThat(answers(post("/predict", LoadTest.png(x, 28, 28), "image/png").body())).isEqualTo(expected);
      assertThat(answers(post("/predict", pgm(x, true), "image/x-portable-graymap").body())).isEqualTo(expected);
      assertThat(answers(post("/predict", pgm(x, false), null).body())).isEqualTo(expected);
      // A 16-bit grey PNG and a colour PNG of the same picture: same top class (pixel values differ in the last
      // bits: v * 257 / 65535 and the luma sum are not computed as v / 255).
      String top = classOf(expected.get(0));
      assertThat(classOf(answers(post("/predict", png(x, BufferedImage.TYPE_USHORT_GRAY), "image/png").body())
          .get(0))).isEqualTo(top);
      assertThat(classOf(answers(post("/predict", png(x, BufferedImage.TYPE_INT_RGB), "image/png").body()).get(0)))
          .isEqualTo(top);
    }
  }

  @Test
  void readmeCurlExamplesAnswerAsDocumented() throws Exception {
    // The README's Serving section posts these files and shows the answer; both must still be true.
    List<String> shown = ReadmeTest.blocks(ReadmeTest.readme(), "json");
    assertThat(shown).hasSize(1);
    assertThat(shown.get(0)).startsWith("{\"model\": \"LeNet5\", \"predictions\": [");
    List<String> expected = answers(shown.get(0));
    assertThat(expected).hasSize(3);
    Path dir = Path.of("src/test/resources/serve");
    HttpResponse<String> json = post("/predict", Files.readAllBytes(dir.resolve("ankle-boot.json")),
        "application/json");
    HttpResponse<String> png = post("/predict?top=3", Files.readAllBytes(dir.resolve("ankle-boot.png")),
        "image/png");
    HttpResponse<String> pgm = post("/predict", Files.readAllBytes(dir.resolve("ankle-boot.pgm")), null);
    for (HttpResponse<String> r : List.of(json, png, pgm)) {
      assertThat(r.statusCode()).isEqualTo(200);
      List<String> got = answers(r.body());
      assertThat(got).hasSize(expected.size());
      for (int i = 0; i < got.size(); i++) {
        // Same classes in the same order; probabilities as shown up to float rounding, which moves whenever the
        // generated kernels change their summation order.
        assertWithMessage("%s", r.body()).that(classOf(got.get(i))).isEqualTo(classOf(expected.get(i)));
        assertWithMessage("%s", r.body()).that(probabilityOf(got.get(i)))
            .isWithin(1e-5 + 1e-4 * probabilityOf(expected.get(i))).of(probabilityOf(expected.get(i)));
      }
    }
  }

  // ---- refusals ------------------------------------------------------------------------------------------------

  static Stream<Arguments> malformed() throws IOException {
    float[] x = FashionData.shippedTest().sample(0);
    String pixels = new String(LoadTest.json(x), StandardCharsets.UTF_8);
    byte[] bigPng = LoadTest.png(new float[32 * 32], 32, 32);
    byte[] png = LoadTest.png(x, 28, 28);
    byte[] brokenPng = Arrays.copyOf(png, 40);
    return Stream.of(
        bad("unterminated array", "[0.1, 0.2", 400, "malformed JSON at character 9: expected ',' or ']' after value 2"
            + " but found the end of the body"),
        bad("not a number", "[0.1, zero]", 400, "malformed JSON at character 6: expected a number but found 'zero]'"),
        bad("NaN", "[NaN]", 400, "malformed JSON at character 1: expected a number"),
        bad("trailing text", "[0.5] x", 400, "unexpected 'x' after the JSON value"),
        bad("unknown field", "{\"pixel\": [0]}", 400, "unknown field \"pixel\"; a request has \"pixels\""),
        bad("no pixels", "{\"top\": 2}", 400, "the JSON object has no \"pixels\" field"),
        bad("bad top field", "{\"top\": 0.5, \"pixels\": []}", 400, "\"top\" at character 8 must be a whole number"),
        bad("too few values", "[0.1, 0.2, 0.3]", 422, "expected 784 pixel values (28x28, row by row), got 3"),
        bad("too many values", pixels.replace("]", ", 0]"), 422, "expected 784 pixel values (28x28, row by row),"
            + " got 785"),
        bad("0-255 values", pixels.replaceFirst("\\[[^,]*,", "[255,"), 422,
            "pixel 0 (row 0, column 0) is 255.0; pixels are in [0, 1] (divide 0-255 values by 255)"),
        bad("negative value", pixels.replaceFirst(",[^,]*,", ",-0.5,"), 422, "pixel 1 (row 0, column 1) is -0.5"),
        Arguments.of("text", "hello".getBytes(StandardCharsets.UTF_8), "text/plain", 415,
            "the body is neither JSON nor a PNG or PGM image (it starts with \"hello\")"),
        bad("text declared as JSON", "hello", 400, "malformed JSON at character 0: expected a JSON array of pixels"),
        Arguments.of("a GIF", "GIF89a\u0001\u0000".getBytes(StandardCharsets.ISO_8859_1), "image/gif", 415,
            "the body is neither JSON nor a PNG or PGM image (it starts with \"GIF89a\\x01\\x00\")"),
        Arguments.of("truncated PNG", brokenPng, "image/png", 400, "the PNG could not be decoded"),
        Arguments.of("32x32 PNG", bigPng, "image/png", 422, "the image is 32x32 pixels; this model takes 28x28 grey"
            + " images"),
        Arguments.of("27-row PGM", "P2\n28 27\n255\n0\n".getBytes(StandardCharsets.US_ASCII), null, 422,
            "the image is 28x27 pixels"),
        Arguments.of("truncated PGM", "P5\n28 28\n255\n\u0001\u0002".getBytes(StandardCharsets.ISO_8859_1), null, 400,
            "the PGM holds 2 bytes of pixels; 28x28 at 1 byte(s) each needs 784"),
        Arguments.of("PGM pixel over max", "P2 28 28 15 16".getBytes(StandardCharsets.US_ASCII), null, 400,
            "PGM pixel 0 is 16, above the maximum value 15"),
        bad("empty body", "", 400, "the body is empty"),
        Arguments.of("oversized body", ("[" + "0,".repeat(60_000) + "0]").getBytes(StandardCharsets.US_ASCII),
            "application/json", 413, "the body is 120003 bytes; the limit is 65536"));
  }

  private static Arguments bad(String name, String body, int status, String message) {
    return Arguments.of(name, body.getBytes(StandardCharsets.UTF_8), "application/json", status, message);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformed")
  void malformedRequestsGetA4xxWithAClearMessage(String name, byte[] body, String type, int status, String message)
      throws Exception {
    HttpResponse<String> r = post("/predict", body, type);
    assertError(r, status, message);
  }

  @Test
  void wrongMethodPathAndQuery() throws Exception {
    assertError(get("/predict"), 405, "GET is not allowed on /predict; use POST");
    assertThat(get("/predict").headers().firstValue("Allow")).hasValue("POST");
    assertError(post("/health", new byte[] {1}, null), 405, "POST is not allowed on /health; use GET");
    assertError(get("/nope"), 404, "no such path \"/nope\"; try POST /predict, GET /health or GET /model");
    assertError(post("/predict?top=many", LoadTest.json(test.sample(0)), null), 400,
        "top must be a whole number from 1, not \"many\"");
  }

  @Test
  void oversizedChunkedBodyIsRefused() throws Exception {
    byte[] big = new byte[1 << 20];
    Arrays.fill(big, (byte) '1');
    big[0] = '[';
    // ofInputStream has no length, so the body goes chunked: the limit is enforced while reading, not from a header.
    HttpRequest request = HttpRequest.newBuilder(server.uri().resolve("/predict"))
        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big))).build();
    assertError(client.send(request, HttpResponse.BodyHandlers.ofString()), 413, "the limit is 65536");
    assertThat(post("/predict", LoadTest.json(test.sample(1)), null).statusCode()).isEqualTo(200);
  }

  // ---- concurrency ---------------------------------------------------------------------------------------------

  @Test
  void concurrentRequestsWithBadOnesMixedInAnswerLikeTheModel() throws Exception {
    int threads = 8;
    int rounds = 30;
    List<List<String>> expected = new ArrayList<>();
    for (int i = 0; i < test.size(); i++) {
      expected.add(direct(test.sample(i), 3));
    }
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<String>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int id = t;
        results.add(pool.submit(() -> {
          for (int round = 0; round < rounds; round++) {
            int i = (id * rounds + round) % test.size();
            boolean png = (round & 1) == 1;
            byte[] body = png ? LoadTest.png(test.sample(i), 28, 28) : LoadTest.json(test.sample(i));
            HttpResponse<String> r = post("/predict", body, png ? "image/png" : "application/json");
            if (r.statusCode() != 200 || !answers(r.body()).equals(expected.get(i))) {
              return "image " + i + ": " + r.statusCode() + " " + r.body() + ", expected " + expected.get(i);
            }
            HttpResponse<String> bad = post("/predict", "[1, 2".getBytes(StandardCharsets.UTF_8), null);
            if (bad.statusCode() != 400) {
              return "malformed request answered " + bad.statusCode() + " " + bad.body();
            }
          }
          return "ok";
        }));
      }
      for (Future<String> f : results) {
        assertThat(f.get()).isEqualTo("ok");
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void boundedLoadTestHasNoErrors() throws Exception {
    LoadTest.Payloads payloads = LoadTest.Payloads.of(model, test, test.size(), false);
    LoadTest.Report report = LoadTest.run(server.uri(), payloads, 4, 1_500, 30);
    System.out.println("load test on loopback: " + report);
    assertThat(report.errors()).isEqualTo(0);
    assertThat(report.requests()).isGreaterThan(0L);
    assertThat(report.percentileMs(50)).isAtMost(report.percentileMs(99));
  }

  // ---- helpers -------------------------------------------------------------------------------------------------

  /** What the server must answer for {@code x}: "label:probability" of the top classes, from a direct call. */
  static List<String> direct(float[] x, int top) {
    Workspace ws = model.newWorkspace(1);
    float[] logits = model.forward(ws, x, 1);
    double[] p = new double[10];
    InferenceServer.softmax(logits, p);
    Integer[] order = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    Arrays.sort(order, (a, b) -> p[a] != p[b] ? Double.compare(p[b], p[a]) : Integer.compare(a, b));
    List<String> out = new ArrayList<>();
    for (int i = 0; i < top; i++) {
      out.add(FashionMnist.CLASSES.get(order[i]) + ":" + order[i] + ":" + (float) p[order[i]]);
    }
    return out;
  }

  private static final Pattern PREDICTION =
      Pattern.compile("\\{\"class\": \"([^\"]+)\", \"label\": (\\d+), \"probability\": ([^}]+)}");

  /** "class:label:probability" for each prediction of an answer, probabilities read back as floats. */
  static List<String> answers(String body) {
    List<String> out = new ArrayList<>();
    Matcher m = PREDICTION.matcher(body);
    while (m.find()) {
      out.add(m.group(1) + ":" + m.group(2) + ":" + Float.parseFloat(m.group(3)));
    }
    return out;
  }

  /** "class:label" of a "class:label:probability" answer. */
  static String classOf(String answer) {
    return answer.substring(0, answer.lastIndexOf(':'));
  }

  static double probabilityOf(String answer) {
    return Double.parseDouble(answer.substring(answer.lastIndexOf(':') + 1));
  }

  static void assertError(HttpResponse<String> r, int status, String message) {
    assertWithMessage("status of %s", r.body()).that(r.statusCode()).isEqualTo(status);
    assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
    assertThat(r.body()).startsWith("{\"status\": " + status + ", \"error\": \"");
    assertThat(r.body()).contains(InferenceServer.quote(message).replaceAll("^\"|\"$", ""));
  }

  static HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return client.send(HttpRequest.newBuilder(server.uri().resolve(path)).GET().timeout(Duration.ofSeconds(30))
        .build(), HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> post(String path, byte[] body, String type) throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.uri() + path)).timeout(Duration.ofSeconds(30))
        .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (type != null) {
      b.header("Content-Type", type);
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** A PGM of {@code x}: binary (P5) or plain text (P2), with a comment in the header as real files have. */
  static byte[] pgm(float[] x, boolean binary) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(((binary ? "P5" : "P2") + "\n# a Fashion-MNIST test image\n28 28\n255\n")
        .getBytes(StandardCharsets.US_ASCII));
    for (int i = 0; i < x.length; i++) {
      int v = Math.round(x[i] * 255f);
      if (binary) {
        out.write(v);
      } else {
        out.writeBytes((v + (i % 28 == 27 ? "\n" : " ")).getBytes(StandardCharsets.US_ASCII));
      }
    }
    return out.toByteArray();
  }

  /** A PNG of {@code x} in another pixel format: 16-bit grey or RGB. */
  static byte[] png(float[] x, int type) throws IOException {
    BufferedImage image = new BufferedImage(28, 28, type);
    for (int y = 0; y < 28; y++) {
      for (int c = 0; c < 28; c++) {
        int v = Math.round(x[y * 28 + c] * 255f);
        if (type == BufferedImage.TYPE_USHORT_GRAY) {
          image.getRaster().setSample(c, y, 0, v * 257); // 0-255 spread over 0-65535
        } else {
          image.setRGB(c, y, (v << 16) | (v << 8) | v);
        }
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(image, "png", out);
    return out.toByteArray();
  }
}

package dev.kiln.samples.serve;

import dev.kiln.runtime.Model;
import dev.kiln.runtime.data.Dataset;
import dev.kiln.runtime.data.FashionMnist;
import dev.kiln.runtime.metrics.Metrics;
import dev.kiln.samples.Args;
import dev.kiln.samples.FashionData;
import dev.kiln.samples.Kiln_LeNet5;
import dev.kiln.samples.PyTorchInterop;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.imageio.ImageIO;

/**
 * A bounded load test of {@code POST /predict}: {@code concurrency} client threads send Fashion-MNIST test images
 * (as JSON or PNG) until {@code requests} have been answered or {@code seconds} have passed, and every answer is
 * checked against a direct call of the model (its top class must be the same). Reports requests per second and
 * latency percentiles; any non-200 answer, transport failure or wrong answer counts as an error.
 *
 * <pre>
 * mvn -q -pl samples exec:java -Dexec.mainClass=dev.kiln.samples.serve.LoadTest \
 *     -Dexec.args="--requests=20000 --concurrency=8"
 * </pre>
 *
 * Without {@code --url} it starts an {@link InferenceServer} in this JVM on a free loopback port, serving PyTorch's
 * LeNet-5 weights; client and server then share the machine's cores, so the figures are a floor for a server on a
 * machine of its own.
 */
public final class LoadTest {
  private LoadTest() {}

  /**
   * What a run measured.
   *
   * @param errors non-200 answers, transport failures and answers whose top class differs from the model's
   * @param latenciesMs sorted; one per answered request
   */
  public record Report(int concurrency, long requests, long errors, double seconds, double[] latenciesMs) {
    public double requestsPerSecond() {
      return requests / seconds;
    }

    /** The {@code p}-th percentile (0-100) of latency in milliseconds, nearest rank. */
    public double percentileMs(double p) {
      if (latenciesMs.length == 0) {
        return Double.NaN;
      }
      int rank = (int) Math.ceil(p / 100 * latenciesMs.length);
      return latenciesMs[Math.max(0, Math.min(latenciesMs.length - 1, rank - 1))];
    }

    @Override
    public String toString() {
      return String.format(Locale.ROOT, "%d requests, %d concurrent, in %.1f s: %.0f requests/s; latency ms p50 %.2f,"
              + " p90 %.2f, p99 %.2f, p99.9 %.2f, max %.2f; %d errors",
          requests, concurrency, seconds, requestsPerSecond(), percentileMs(50), percentileMs(90), percentileMs(99),
          percentileMs(99.9), latenciesMs.length == 0 ? Double.NaN : latenciesMs[latenciesMs.length - 1], errors);
    }
  }

  public static void main(String[] args) throws Exception {
    Args a = Args.parse(args, Set.of("url", "requests", "seconds", "concurrency", "warmup", "format", "threads"));
    int requests = a.getInt("requests", 20_000);
    double seconds = a.getDouble("seconds", 60);
    int concurrency = a.getInt("concurrency", 8);
    int warmup = a.getInt("warmup", 2_000);
    boolean png = a.get("format", "json").equals("png");
    Dataset test = FashionData.shippedTest();
    Model model = PyTorchInterop.withPyTorchWeights(new Kiln_LeNet5(), "lenet5");
    InferenceServer server = null;
    URI base;
    if (a.has("url")) {
      base = URI.create(a.get("url", null));
    } else {
      int threads = a.getInt("threads", Runtime.getRuntime().availableProcessors());
      server = InferenceServer.start(model, FashionMnist.CLASSES,
          new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), threads);
      base = server.uri();
      System.out.printf("started %s on %s with %d threads%n", model.name(), base, threads);
    }
    try {
      Payloads payloads = Payloads.of(model, test, 1000, png);
      System.out.printf("%s bodies of %d test images, expected answers from direct model calls%n",
          png ? "PNG" : "JSON", payloads.bodies().size());
      if (warmup > 0) {
        Report w = run(base, payloads, concurrency, warmup, seconds);
        System.out.println("warm-up: " + w);
      }
      Report r = run(base, payloads, concurrency, requests, seconds);
      System.out.println(r);
      if (r.errors() > 0) {
        throw new IllegalStateException(r.errors() + " errors");
      }
    } finally {
      if (server != null) {
        server.close();
      }
    }
  }

  /**
   * Request bodies and the top class the model gives each.
   *
   * @param bodies JSON arrays of pixels, or PNG files
   * @param expected the arg-max of a direct model call for each body
   */
  public record Payloads(List<byte[]> bodies, int[] expected, String contentType) {
    /** The first {@code count} images of {@code data}, encoded, with {@code model}'s answers. */
    public static Payloads of(Model model, Dataset data, int count, boolean png) throws IOException {
      int n = Math.min(count, data.size());
      float[] logits = PyTorchInterop.logits(model, data.head(n));
      int classes = model.outputShape().size();
      int[] expected = new int[n];
      List<byte[]> bodies = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        expected[i] = Metrics.argmax(logits, i * classes, classes);
        float[] x = data.sample(i);
        bodies.add(png ? png(x, data.shape().dim(1), data.shape().dim(2)) : json(x));
      }
      return new Payloads(bodies, expected, png ? "image/png" : "application/json");
    }
  }

  /** {@code [v0, v1, ...]} with each value as the shortest text that reads back as the same float. */
  public static byte[] json(float[] pixels) {
    StringBuilder sb = new StringBuilder(pixels.length * 8).append('[');
    for (int i = 0; i < pixels.length; i++) {
      sb.append(i == 0 ? "" : ",").append(Float.toString(pixels[i]));
    }
    return sb.append(']').toString().getBytes(StandardCharsets.UTF_8);
  }

  /** An 8-bit grey PNG of pixels in [0, 1] (rounded back to 0-255, which is exact for Fashion-MNIST's pixels). */
  public static byte[] png(float[] pixels, int height, int width) throws IOException {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        image.getRaster().setSample(x, y, 0, Math.round(pixels[y * width + x] * 255f));
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(image, "png", out);
    return out.toByteArray();
  }

  /** Sends up to {@code requests} requests from {@code concurrency} threads, for at most {@code seconds}. */
  public static Report run(URI base, Payloads payloads, int concurrency, int requests, double seconds)
      throws InterruptedException {
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
    URI predict = base.resolve("/predict?top=1");
    AtomicInteger next = new AtomicInteger();
    AtomicLong errors = new AtomicLong();
    long[] nanos = new long[requests];
    long start = System.nanoTime();
    long deadline = start + (long) (seconds * 1e9);
    ExecutorService pool = Executors.newFixedThreadPool(concurrency);
    List<Future<?>> futures = new ArrayList<>();
    for (int t = 0; t < concurrency; t++) {
      futures.add(pool.submit(() -> {
        int i;
        while ((i = next.getAndIncrement()) < requests && System.nanoTime() < deadline) {
          int k = i % payloads.bodies().size();
          HttpRequest request = HttpRequest.newBuilder(predict).timeout(Duration.ofSeconds(10))
              .header("Content-Type", payloads.contentType())
              .POST(HttpRequest.BodyPublishers.ofByteArray(payloads.bodies().get(k))).build();
          long t0 = System.nanoTime();
          try {
            HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
            nanos[i] = Math.max(1, System.nanoTime() - t0);
            if (response.statusCode() != 200 || topLabel(response.body()) != payloads.expected()[k]) {
              if (errors.incrementAndGet() <= 5) {
                System.err.println("request " + i + ": " + response.statusCode() + " " + response.body());
              }
            }
          } catch (IOException e) {
            nanos[i] = Math.max(1, System.nanoTime() - t0);
            if (errors.incrementAndGet() <= 5) {
              System.err.println("request " + i + ": " + e);
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          }
        }
      }));
    }
    try {
      for (Future<?> f : futures) {
        f.get();
      }
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    } finally {
      pool.shutdownNow();
    }
    double elapsed = (System.nanoTime() - start) * 1e-9;
    long[] done = Arrays.stream(nanos).filter(v -> v > 0).sorted().toArray();
    double[] ms = new double[done.length];
    for (int i = 0; i < done.length; i++) {
      ms[i] = done[i] * 1e-6;
    }
    return new Report(concurrency, done.length, errors.get(), elapsed, ms);
  }

  /** The label of the first prediction in a {@code /predict} answer, or -1. */
  static int topLabel(String body) {
    int at = body.indexOf("\"label\": ");
    if (at < 0) {
      return -1;
    }
    int p = at + 9;
    int v = 0;
    while (p < body.length() && Character.isDigit(body.charAt(p))) {
      v = v * 10 + body.charAt(p++) - '0';
    }
    return v;
  }
}

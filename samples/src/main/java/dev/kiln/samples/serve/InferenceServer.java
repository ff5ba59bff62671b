package dev.kiln.samples.serve;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.kiln.runtime.Model;
import dev.kiln.runtime.WarmUp;
import dev.kiln.runtime.Workspace;
import dev.kiln.runtime.data.FashionMnist;
import dev.kiln.runtime.io.Weights;
import dev.kiln.samples.Args;
import dev.kiln.samples.Kiln_LeNet5;
import dev.kiln.samples.Kiln_Mlp;
import dev.kiln.samples.PyTorchInterop;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.imageio.ImageIO;

/**
 * A small HTTP inference service for a trained image classifier, on the JDK's {@code com.sun.net.httpserver} alone.
 *
 * <pre>
 * POST /predict   body: a JSON array of 784 pixels in [0, 1] (or {"pixels": [...], "top": 5}),
 *                       or a 28x28 PNG or PGM image; ?top=N (default 3) classes in the answer
 *                 200 {"model": "LeNet5", "predictions": [{"class": "Trouser", "label": 1, "probability": 0.99}, ...]}
 * GET  /health    200 {"status": "ok", ...}
 * GET  /model     200 the network: name, input shape, classes, parameter count, and its summary table
 * </pre>
 *
 * Every refusal is a 4xx with a JSON body {@code {"status": 422, "error": "..."}} that says what was wrong: 400
 * malformed JSON or image, 404 unknown path, 405 wrong method, 413 body over {@value #MAX_BODY_BYTES} bytes, 415 a
 * body that is neither JSON nor PNG nor PGM, 422 well-formed but wrong (784 values expected, a pixel outside [0, 1],
 * an image that is not 28x28). A bad request costs only its own thread a few microseconds; a bug in handling one is
 * answered with a 500 and never reaches the HTTP server's threads.
 *
 * <p>Threads: requests run on a fixed pool with a bounded queue; when the queue is full, the HTTP server's
 * dispatcher thread runs the request itself, which stops it accepting new connections until it is done: back
 * pressure instead of an unbounded queue. The model's weights are shared; each thread that runs inference has its
 * own {@link Workspace} (a {@link ThreadLocal}), made once, so the inference itself allocates nothing and threads
 * never share a buffer: answers are bit-identical to calling the model directly.
 */
public final class InferenceServer implements AutoCloseable {
  /** The largest request body: a 28x28 image is under 2 KB as PNG and 16 KB as verbose JSON. */
  public static final int MAX_BODY_BYTES = 64 * 1024;
  /** Oversized bodies up to this size are read and dropped so the client surely sees the 413. */
  static final int DRAIN_LIMIT = 16 * 1024 * 1024;
  /** Classes in an answer unless the request says otherwise. */
  public static final int DEFAULT_TOP = 3;

  private final Model model;
  private final List<String> classes;
  private final int height;
  private final int width;
  private final int inputSize;
  private final String modelJson;
  private final HttpServer server;
  private final ThreadPoolExecutor executor;
  private final ThreadLocal<Worker> workers;
  private final AtomicLong answered = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();
  private final long started = System.nanoTime();

  /** One thread's inference state: made once per thread, reused for every request it serves. */
  private static final class Worker {
    final Workspace workspace;
    final float[] input;
    final double[] probabilities;
    final byte[] body = new byte[MAX_BODY_BYTES + 1];

    Worker(Model model) {
      workspace = model.newWorkspace(1);
      input = new float[model.inputShape().size()];
      probabilities = new double[model.outputShape().size()];
    }
  }

  /** One class of an answer. */
  public record Prediction(String className, int label, float probability) {}

  private InferenceServer(Model model, List<String> classes, InetSocketAddress address, int threads)
      throws IOException {
    if (model.inputShape().rank() != 3 || model.inputShape().dim(0) != 1) {
      throw new IllegalArgumentException("the server serves one-channel image models, not " + model.inputShape());
    }
    if (classes.size() != model.outputShape().size()) {
      throw new IllegalArgumentException(classes.size() + " class names for " + model.outputShape().size()
          + " outputs");
    }
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be positive: " + threads);
    }
    this.model = model.eval();
    this.classes = List.copyOf(classes);
    this.height = model.inputShape().dim(1);
    this.width = model.inputShape().dim(2);
    this.inputSize = model.inputShape().size();
    this.modelJson = describe();
    this.workers = ThreadLocal.withInitial(() -> new Worker(this.model));
    ImageIO.setUseCache(false); // decode in memory: no temporary files per upload
    AtomicInteger n = new AtomicInteger();
    this.executor = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(16 * threads), r -> {
          Thread t = new Thread(r, "kiln-serve-" + n.incrementAndGet());
          t.setDaemon(true); // the server's lifetime is close(), not these threads
          return t;
        }, new ThreadPoolExecutor.CallerRunsPolicy());
    this.executor.prestartAllCoreThreads();
    // Small answers are written as two packets (headers, body); with Nagle's algorithm on, the second waits for the
    // client's delayed ACK, about 40 ms per request. The JDK server reads this property once, at its first use.
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
    this.server = HttpServer.create(address, 256);
    server.createContext("/", this::handle);
    server.setExecutor(executor);
    server.start();
  }

  /**
   * Starts serving {@code model} (its weights already loaded) on {@code address}; port 0 picks a free port.
   *
   * @param classes the name of each output, in order
   * @param threads request threads (each gets its own workspace)
   */
  public static InferenceServer start(Model model, List<String> classes, InetSocketAddress address, int threads)
      throws IOException {
    return new InferenceServer(model, classes, address, threads);
  }

  /** Where the server listens, with the port it was given. */
  public InetSocketAddress address() {
    return server.getAddress();
  }

  /** {@code http://host:port}, for clients. */
  public URI uri() {
    InetSocketAddress a = address();
    return URI.create("http://" + a.getAddress().getHostAddress() + ":" + a.getPort());
  }

  public Model model() {
    return model;
  }

  /**
   * The answer for one image, as {@code /predict} gives it, computed on the calling thread's workspace: the
   * {@code top} most probable classes, most probable first (ties: lower label first).
   *
   * @param pixels {@code inputShape().size()} values in [0, 1]
   */
  public List<Prediction> predict(float[] pixels, int top) {
    if (pixels.length != inputSize || top < 1) {
      throw new IllegalArgumentException(pixels.length + " pixels and top " + top + "; the model takes " + inputSize
          + " pixels, and top must be positive");
    }
    Worker w = workers.get();
    System.arraycopy(pixels, 0, w.input, 0, inputSize);
    return predict(w, top);
  }

  private List<Prediction> predict(Worker w, int top) {
    float[] logits = model.forward(w.workspace, w.input, 1);
    softmax(logits, w.probabilities);
    int k = Math.min(top, classes.size());
    Prediction[] best = new Prediction[k];
    boolean[] taken = new boolean[classes.size()];
    for (int i = 0; i < k; i++) {
      int arg = -1;
      for (int c = 0; c < classes.size(); c++) {
        if (!taken[c] && (arg < 0 || w.probabilities[c] > w.probabilities[arg])) {
          arg = c;
        }
      }
      taken[arg] = true;
      best[i] = new Prediction(classes.get(arg), arg, (float) w.probabilities[arg]);
    }
    return List.of(best);
  }

  /** Softmax in double precision, shifted by the maximum so large logits cannot overflow. */
  static void softmax(float[] logits, double[] out) {
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < out.length; i++) {
      max = Math.max(max, logits[i]);
    }
    double sum = 0;
    for (int i = 0; i < out.length; i++) {
      out[i] = Math.exp(logits[i] - max);
      sum += out[i];
    }
    for (int i = 0; i < out.length; i++) {
      out[i] /= sum;
    }
  }

  /** Stops accepting requests, lets those in flight finish (up to a second), and ends the threads. */
  @Override
  public void close() {
    server.stop(1);
    executor.shutdown();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Request handling: one handler, so every path, method and failure is answered the same way.

  private void handle(HttpExchange exchange) {
    try (exchange) {
      int status;
      String body;
      try {
        body = route(exchange);
        status = 200;
        answered.incrementAndGet();
      } catch (BadRequestException e) {
        status = e.status();
        body = error(status, e.getMessage());
        refused.incrementAndGet();
      } catch (RuntimeException e) {
        // A bug, not the client's fault: answer it, keep the thread, and leave the details to the server's log.
        status = 500;
        body = error(500, "internal error: " + e);
        refused.incrementAndGet();
        System.err.println("kiln-serve: " + exchange.getRequestMethod() + " " + exchange.getRequestURI() + ": " + e);
      }
      send(exchange, status, body);
    } catch (IOException e) {
      // The client went away mid-answer; nothing to tell it, and nobody else is affected.
    }
  }

  private String route(HttpExchange exchange) throws BadRequestException, IOException {
    String path = exchange.getRequestURI().getPath();
    switch (path) {
      case "/predict":
        requireMethod(exchange, "POST");
        return predict(exchange);
      case "/health":
        requireMethod(exchange, "GET");
        return String.format(Locale.ROOT,
            "{\"status\": \"ok\", \"model\": %s, \"uptimeSeconds\": %.1f, \"answered\": %d, \"refused\": %d}",
            quote(model.name()), (System.nanoTime() - started) * 1e-9, answered.get(), refused.get());
      case "/model":
        requireMethod(exchange, "GET");
        return modelJson;
      default:
        throw new BadRequestException(404, "no such path " + quote(path) + "; try POST /predict, GET /health or GET"
            + " /model");
    }
  }

  private static void requireMethod(HttpExchange exchange, String method) throws BadRequestException {
    if (!exchange.getRequestMethod().equals(method)) {
      exchange.getResponseHeaders().set("Allow", method);
      throw new BadRequestException(405, exchange.getRequestMethod() + " is not allowed on "
          + exchange.getRequestURI().getPath() + "; use " + method);
    }
  }

  private String predict(HttpExchange exchange) throws BadRequestException, IOException {
    Worker w = workers.get();
    int top = topParameter(exchange.getRequestURI().getRawQuery());
    int length = readBody(exchange, w.body);
    byte[] b = w.body;
    if (ImageInput.isPng(b, length)) {
      ImageInput.png(b, length, height, width, w.input);
    } else if (ImageInput.isPgm(b, length)) {
      ImageInput.pgm(b, length, height, width, w.input);
    } else if (looksLikeJson(b, length) || isJsonContentType(exchange.getRequestHeaders())) {
      PixelJson.Request r = PixelJson.parse(new String(b, 0, length, StandardCharsets.UTF_8), inputSize);
      if (r.count() != inputSize) {
        throw new BadRequestException(422, "expected " + inputSize + " pixel values (" + height + "x" + width
            + ", row by row), got " + r.count());
      }
      for (int i = 0; i < inputSize; i++) {
        float v = r.pixels()[i];
        if (!(v >= 0f && v <= 1f)) {
          throw new BadRequestException(422, String.format(Locale.ROOT, "pixel %d (row %d, column %d) is %s;"
              + " pixels are in [0, 1] (divide 0-255 values by 255)", i, i / width, i % width, v));
        }
      }
      System.arraycopy(r.pixels(), 0, w.input, 0, inputSize);
      if (r.top() > 0) {
        top = r.top();
      }
    } else {
      throw new BadRequestException(415, "the body is neither JSON nor a PNG or PGM image (it starts with "
          + start(b, length) + "); send a JSON array of " + inputSize + " pixels, or a " + width + "x" + height
          + " PNG or PGM");
    }
    List<Prediction> predictions = predict(w, top);
    StringBuilder sb = new StringBuilder(64 + 80 * predictions.size());
    sb.append("{\"model\": ").append(quote(model.name())).append(", \"predictions\": [");
    for (int i = 0; i < predictions.size(); i++) {
      Prediction p = predictions.get(i);
      sb.append(i == 0 ? "" : ", ").append("{\"class\": ").append(quote(p.className())).append(", \"label\": ")
          .append(p.label()).append(", \"probability\": ")
          // Float.toString is the shortest text that reads back as the same float: clients get exact values.
          .append(Float.toString(p.probability())).append('}');
    }
    return sb.append("]}").toString();
  }

  private int topParameter(String query) throws BadRequestException {
    if (query == null || query.isEmpty()) {
      return DEFAULT_TOP;
    }
    for (String pair : query.split("&")) {
      if (pair.startsWith("top=")) {
        String v = pair.substring(4);
        try {
          int top = Integer.parseInt(v);
          if (top >= 1) {
            return top;
          }
        } catch (NumberFormatException e) {
          // fall through to the message
        }
        throw new BadRequestException(400, "top must be a whole number from 1, not " + quote(v));
      }
    }
    return DEFAULT_TOP;
  }

  /** Reads the body into {@code dst}, refusing more than {@link #MAX_BODY_BYTES}; returns its length. */
  private static int readBody(HttpExchange exchange, byte[] dst) throws BadRequestException, IOException {
    InputStream in = exchange.getRequestBody();
    int n = 0;
    while (n < dst.length) {
      int r = in.read(dst, n, dst.length - n);
      if (r < 0) {
        break;
      }
      n += r;
    }
    if (n > MAX_BODY_BYTES) {
      // Read (and drop) the rest up to a bound before answering: a client still sending when the server closes
      // the connection would see a reset instead of the 413. Beyond the bound the connection is simply closed.
      long total = n;
      while (total <= DRAIN_LIMIT) {
        int r = in.read(dst, 0, dst.length);
        if (r < 0) {
          break;
        }
        total += r;
      }
      throw tooLarge(total > DRAIN_LIMIT ? "over " + DRAIN_LIMIT : Long.toString(total));
    }
    if (n == 0) {
      throw new BadRequestException(400, "the body is empty; send a JSON array of pixels or a PNG or PGM image");
    }
    return n;
  }

  private static BadRequestException tooLarge(String size) {
    return new BadRequestException(413, "the body is " + size + " bytes; the limit is " + MAX_BODY_BYTES
        + " (a 28x28 image needs under 20 KB as JSON, 2 KB as PNG)");
  }

  private static boolean looksLikeJson(byte[] b, int length) {
    for (int i = 0; i < length; i++) {
      byte c = b[i];
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
        return c == '[' || c == '{';
      }
    }
    return false;
  }

  private static boolean isJsonContentType(Headers headers) {
    String type = headers.getFirst("Content-Type");
    return type != null && type.toLowerCase(Locale.ROOT).contains("json");
  }

  /** The first bytes of a body, printable, for an error message. */
  private static String start(byte[] b, int length) {
    StringBuilder sb = new StringBuilder("\"");
    for (int i = 0; i < Math.min(8, length); i++) {
      int c = b[i] & 0xFF;
      sb.append(c >= 0x20 && c < 0x7f && c != '"' && c != '\\' ? String.valueOf((char) c)
          : String.format("\\x%02x", c));
    }
    return sb.append('"').toString();
  }

  private static void send(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static String error(int status, String message) {
    return "{\"status\": " + status + ", \"error\": " + quote(message) + "}";
  }

  private String describe() {
    StringBuilder sb = new StringBuilder("{\"name\": ").append(quote(model.name()));
    sb.append(", \"input\": ").append(Arrays.toString(model.inputShape().dims()));
    sb.append(", \"outputs\": ").append(model.outputShape().size());
    sb.append(", \"parameters\": ").append(model.parameterCount());
    sb.append(", \"classes\": [");
    for (int i = 0; i < classes.size(); i++) {
      sb.append(i == 0 ? "" : ", ").append(quote(classes.get(i)));
    }
    return sb.append("], \"summary\": ").append(quote(model.summary())).append('}').toString();
  }

  /** A JSON string literal. */
  static String quote(String s) {
    StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.append('"').toString();
  }

  // ---------------------------------------------------------------------------------------------------------------

  /**
   * Serves a network until the process is stopped.
   *
   * <pre>
   * --model=lenet5|mlp   the network (default lenet5)
   * --weights=FILE       safetensors weights (default: PyTorch's trained weights shipped with the samples)
   * --host=127.0.0.1     the address to listen on (0.0.0.0 for every interface)
   * --port=8080  --threads=N (default: cores)
   * --warmup=10         seconds at most spent running the network on made-up inputs before the port opens, so that
   *                     the first requests run compiled code (see WarmUp); 0: none
   * </pre>
   */
  public static void main(String[] args) throws Exception {
    Args a = Args.parse(args, Set.of("model", "weights", "host", "port", "threads", "warmup"));
    // Bound the time one request may take to arrive and be answered, so a stalled client cannot hold a thread.
    System.setProperty("sun.net.httpserver.maxReqTime", System.getProperty("sun.net.httpserver.maxReqTime", "30"));
    System.setProperty("sun.net.httpserver.maxRspTime", System.getProperty("sun.net.httpserver.maxRspTime", "30"));
    String which = a.get("model", "lenet5");
    Model model = switch (which) {
      case "lenet5" -> new Kiln_LeNet5();
      case "mlp" -> new Kiln_Mlp();
      default -> throw new IllegalArgumentException("--model is lenet5 or mlp, not " + which);
    };
    if (a.has("weights")) {
      Weights.load(model, Path.of(a.get("weights", null)));   // strict: a file of another network is refused
    } else {
      PyTorchInterop.withPyTorchWeights(model, which);         // PyTorch's trained weights, shipped with the samples
    }
    int threads = a.getInt("threads", Runtime.getRuntime().availableProcessors());
    if (a.getInt("warmup", 10) < 0) {
      throw new IllegalArgumentException("--warmup is a number of seconds, 0 or more, not " + a.getInt("warmup", 10));
    }
    Duration warmup = Duration.ofSeconds(a.getInt("warmup", 10));
    if (!warmup.isZero()) {
      WarmUp.Report report = WarmUp.run(model.eval(), model.newWorkspace(1), warmup);  // before the port opens
      System.out.println("warm-up: " + report);
    }
    InetSocketAddress address = new InetSocketAddress(a.get("host", "127.0.0.1"), a.getInt("port", 8080));
    InferenceServer server = InferenceServer.start(model, FashionMnist.CLASSES, address, threads);
    Runtime.getRuntime().addShutdownHook(new Thread(server::close));
    System.out.printf("serving %s (%s) on %s with %d threads: POST /predict, GET /health, GET /model%n",
        model.name(), a.has("weights") ? a.get("weights", null) : "PyTorch's weights", server.uri(), threads);
    new CountDownLatch(1).await(); // serve until the process is stopped
  }
}

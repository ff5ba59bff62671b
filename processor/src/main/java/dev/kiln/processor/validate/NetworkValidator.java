package dev.kiln.processor.validate;

import dev.kiln.annotations.Activation;
import dev.kiln.annotations.Init;
import dev.kiln.annotations.PoolMode;
import dev.kiln.processor.model.ActivationLayerModel;
import dev.kiln.processor.model.ActivationModel;
import dev.kiln.processor.model.BatchNormModel;
import dev.kiln.processor.model.ConvModel;
import dev.kiln.processor.model.ConvTransposeModel;
import dev.kiln.processor.model.DenseModel;
import dev.kiln.processor.model.DropoutModel;
import dev.kiln.processor.model.FlattenModel;
import dev.kiln.processor.model.LayerModel;
import dev.kiln.processor.model.NetworkModel;
import dev.kiln.processor.model.NormKind;
import dev.kiln.processor.model.NormModel;
import dev.kiln.processor.model.PReluModel;
import dev.kiln.processor.model.PoolModel;
import dev.kiln.processor.model.RReluModel;
import dev.kiln.processor.model.Residual;
import dev.kiln.processor.model.TensorShape;
import dev.kiln.processor.model.Window;
import dev.kiln.processor.read.Attributes;
import dev.kiln.processor.read.LayerDeclaration;
import dev.kiln.processor.read.LayerKind;
import dev.kiln.processor.read.NetworkDeclaration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.Modifier;
import javax.lang.model.element.NestingKind;
import javax.lang.model.element.TypeElement;
import javax.lang.model.type.DeclaredType;
import javax.lang.model.type.TypeKind;
import javax.lang.model.type.TypeMirror;

/**
 * Checks a {@link NetworkDeclaration} against every rule and, when the report stays clean, returns its
 * {@link NetworkModel}. Shapes are inferred layer by layer; once a layer's shape is unknown (it had an error), the
 * layers after it are still checked for everything that does not depend on their input.
 */
public final class NetworkValidator {
  /** No-argument methods of {@code Model} and {@code Object} that a layer method would clash with. */
  private static final Set<String> RESERVED = Set.of("name", "inputShape", "outputShape", "seed", "layers", "state",
      "parameters", "isTraining", "train", "eval", "zeroGrad", "summary", "toString", "parameterCount", "hashCode",
      "getClass", "clone", "finalize", "notify", "notifyAll", "wait");

  private final Report report = new Report();

  public Report report() {
    return report;
  }

  /** The model, or empty when the report has errors. */
  public Optional<NetworkModel> validate(NetworkDeclaration decl) {
    TypeElement type = decl.type();
    Attributes net = decl.network();
    if (type.getKind() != ElementKind.INTERFACE) {
      report.error(Message.NOT_AN_INTERFACE, type, net.mirror(), null,
          type.getSimpleName(), article(type.getKind()), type.getSimpleName());
      return Optional.empty();
    }
    TensorShape shape = inputShape(type, net);
    TensorShape networkInput = shape;
    List<LayerModel> layers = new ArrayList<>();
    List<Residual> residuals = new ArrayList<>();
    Set<String> names = new HashSet<>();
    Set<String> allNames = new HashSet<>();
    for (LayerDeclaration method : decl.methods()) {
      if (!method.annotations().isEmpty()) {
        allNames.add(method.name());
      }
    }
    Map<String, TensorShape> earlier = new LinkedHashMap<>(); // layer name -> output shape, null where unknown
    for (LayerDeclaration method : decl.methods()) {
      ExecutableElement m = method.method();
      if (method.annotations().isEmpty()) {
        if (m.getModifiers().contains(Modifier.ABSTRACT)) {
          report.error(Message.NOT_A_LAYER, m, method.name());
        } else if (method.residual() != null) {
          report.error(Message.RESIDUAL_WITHOUT_LAYER, m, method.residual().mirror(), null, method.name(),
              method.name());
        }
        continue; // default, static and private helpers are the user's own
      }
      LayerDeclaration.Annotated first = method.annotations().get(0);
      if (method.annotations().size() > 1) {
        LayerDeclaration.Annotated second = method.annotations().get(1);
        report.error(Message.TWO_LAYERS, m, second.attributes().mirror(), null, method.name(),
            first.kind().simpleAnnotationName(), second.kind().simpleAnnotationName());
      }
      checkMethod(method, first);
      checkName(method, first, names);
      LayerModel layer = layer(method.name(), first.kind(), first.attributes(), m, shape);
      TensorShape out = layer == null ? null : layer.output();
      if (method.residual() != null) {
        Residual r = residual(type, method, earlier, allNames, networkInput, out);
        if (r != null) {
          residuals.add(r);
        }
      }
      earlier.putIfAbsent(method.name(), out);
      if (layer != null) {
        layers.add(layer);
        shape = layer.output();
      } else {
        shape = null; // unknown from here on; later layers are checked for the rest
      }
    }
    if (decl.methods().stream().allMatch(d -> d.annotations().isEmpty())) {
      report.error(Message.NO_LAYERS, type, net.mirror(), null, type.getSimpleName());
    }
    if (!report.isClean()) {
      return Optional.empty();
    }
    return Optional.of(new NetworkModel(packageOf(type), type.getSimpleName().toString(),
        type.getQualifiedName().toString(), generatedName(type), layers.get(0).input(), net.longValue("seed"),
        layers, residuals));
  }

  /**
   * Checks a {@code @Residual}: its source must be "input" or a layer before this one, of the same output shape.
   * Returns the residual, or null after reporting (or when a shape is unknown because of an earlier error).
   */
  private Residual residual(TypeElement type, LayerDeclaration method, Map<String, TensorShape> earlier,
      Set<String> allNames, TensorShape networkInput, TensorShape out) {
    Attributes a = method.residual();
    ExecutableElement m = method.method();
    String name = method.name();
    String from = a.stringValue("from");
    TensorShape source;
    if (from.equals(Residual.INPUT)) {
      source = networkInput;
    } else if (earlier.containsKey(from)) {
      source = earlier.get(from);
    } else if (from.equals(name) || allNames.contains(from)) {
      report.error(Message.RESIDUAL_NOT_EARLIER, m, a.mirror(), a.written("from"), name, from,
          from.equals(name) ? "this layer itself" : "a later layer", from);
      return null;
    } else {
      List<String> candidates = new ArrayList<>();
      candidates.add('"' + Residual.INPUT + '"');
      for (String n : earlier.keySet()) {
        candidates.add('"' + n + '"');
      }
      report.error(Message.RESIDUAL_UNKNOWN, m, a.mirror(), a.written("from"), name, from, type.getSimpleName(),
          name, String.join(", ", candidates));
      return null;
    }
    if (source == null || out == null) {
      return null;
    }
    if (!source.equals(out)) {
      report.error(Message.RESIDUAL_SHAPE, m, a.mirror(), a.written("from"), name, from, source, out, out);
      return null;
    }
    return new Residual(name, from);
  }

  /** {@code Kiln_Outer_Inner} for {@code Outer.Inner}: nested names joined by underscores. */
  public static String generatedName(TypeElement type) {
    StringBuilder name = new StringBuilder(type.getSimpleName());
    TypeElement t = type;
    while (t.getNestingKind() == NestingKind.MEMBER) {
      t = (TypeElement) t.getEnclosingElement();
      name.insert(0, t.getSimpleName() + "_");
    }
    return "Kiln_" + name;
  }

  private static String packageOf(TypeElement type) {
    javax.lang.model.element.Element e = type;
    while (e.getKind() != ElementKind.PACKAGE) {
      e = e.getEnclosingElement();
    }
    return ((javax.lang.model.element.PackageElement) e).getQualifiedName().toString();
  }

  private TensorShape inputShape(TypeElement type, Attributes net) {
    int[] dims = net.ints("input");
    if (dims.length == 0) {
      report.error(Message.INPUT_MISSING, type, net.mirror(), net.written("input"), type.getSimpleName());
      return null;
    }
    if (dims.length != 1 && dims.length != 3) {
      report.error(Message.INPUT_RANK, type, net.mirror(), net.written("input"), type.getSimpleName(),
          java.util.Arrays.toString(dims), dims.length);
      return null;
    }
    for (int i = 0; i < dims.length; i++) {
      if (dims[i] < 1) {
        report.error(Message.INPUT_NOT_POSITIVE, type, net.mirror(), net.written("input", i), type.getSimpleName(),
            i, dims[i]);
        return null;
      }
    }
    long size = 1;
    for (int d : dims) {
      size *= d;
    }
    if (size > Integer.MAX_VALUE) {
      report.error(Message.TOO_LARGE, type, net.mirror(), net.written("input"), type.getSimpleName(), "one input",
          size);
      return null;
    }
    return dims.length == 3 ? TensorShape.image(dims[0], dims[1], dims[2]) : TensorShape.vector(dims[0]);
  }

  private void checkMethod(LayerDeclaration method, LayerDeclaration.Annotated layer) {
    ExecutableElement m = method.method();
    if (!m.getParameters().isEmpty()) {
      report.error(Message.HAS_PARAMETERS, m, method.name(), m.getParameters().size());
    }
    if (!m.getTypeParameters().isEmpty()) {
      report.error(Message.GENERIC_METHOD, m, method.name());
    }
    if (m.isDefault() || m.getModifiers().contains(Modifier.STATIC) || m.getModifiers().contains(Modifier.PRIVATE)) {
      String what = m.isDefault() ? "a default method" : m.getModifiers().contains(Modifier.STATIC)
          ? "a static method" : "a private method";
      report.error(Message.NOT_ABSTRACT, m, method.name(), what);
    }
    TypeMirror ret = m.getReturnType();
    if (!returns(ret, layer.kind())) {
      String actual = ret.getKind() == TypeKind.DECLARED
          ? ((DeclaredType) ret).asElement().getSimpleName().toString() : ret.toString();
      report.error(Message.RETURN_TYPE, m, method.name(), layer.kind().simpleAnnotationName(), layer.kind().view(),
          actual, layer.kind().view());
    }
  }

  private static boolean returns(TypeMirror ret, LayerKind kind) {
    if (ret.getKind() == TypeKind.ERROR) {
      // Unresolved (a missing import): javac reports that itself; match by simple name to avoid a second error.
      return ret.toString().equals(kind.view()) || ret.toString().equals(kind.qualifiedView());
    }
    return ret.getKind() == TypeKind.DECLARED
        && ((TypeElement) ((DeclaredType) ret).asElement()).getQualifiedName().contentEquals(kind.qualifiedView());
  }

  private void checkName(LayerDeclaration method, LayerDeclaration.Annotated layer, Set<String> names) {
    String name = method.name();
    if (!names.add(name)) {
      report.error(Message.DUPLICATE_NAME, method.method(), name, name, name);
    }
    if (RESERVED.contains(name)) {
      report.error(Message.RESERVED_NAME, method.method(), name, name, name);
    }
    if (name.equals(Residual.INPUT)) {
      report.error(Message.RESERVED_INPUT, method.method(), name);
    }
  }

  /** The layer's model, or null when it has an error or its input shape is unknown. */
  private LayerModel layer(String name, LayerKind kind, Attributes a, ExecutableElement m, TensorShape in) {
    return switch (kind) {
      case DENSE -> dense(name, a, m, in);
      case CONV -> conv(name, a, m, in);
      case POOL -> pool(name, a, m, in);
      case GLOBAL_POOL -> globalPool(name, a, m, in);
      case FLATTEN -> in == null ? null : new FlattenModel(name, in, in.flattened());
      case ACTIVATE -> {
        ActivationModel act = activation(name, a, m, "value");
        yield in == null || act == null ? null : new ActivationLayerModel(name, in, in, act);
      }
      case BATCH_NORM -> batchNorm(name, a, m, in);
      case LAYER_NORM -> norm(name, a, m, in, NormKind.LAYER);
      case GROUP_NORM -> norm(name, a, m, in, NormKind.GROUP);
      case INSTANCE_NORM -> norm(name, a, m, in, NormKind.INSTANCE);
      case DROPOUT -> dropout(name, a, m, in);
      case PRELU -> prelu(name, a, m, in);
      case RRELU -> rrelu(name, a, m, in);
      case CONV_TRANSPOSE -> convTranspose(name, a, m, in);
    };
  }

  private LayerModel batchNorm(String name, Attributes a, ExecutableElement m, TensorShape in) {
    double momentum = a.doubleValue("momentum");
    boolean ok = true;
    if (!(momentum >= 0 && momentum <= 1)) {
      report.error(Message.MOMENTUM_RANGE, m, a.mirror(), a.written("momentum"), name, momentum);
      ok = false;
    }
    ok &= eps(name, a, m);
    ActivationModel act = activation(name, a, m, "activation");
    if (!ok || act == null || in == null) {
      return null;
    }
    return new BatchNormModel(name, in, in, momentum, a.doubleValue("eps"), act);
  }

  private LayerModel norm(String name, Attributes a, ExecutableElement m, TensorShape in, NormKind kind) {
    boolean ok = eps(name, a, m);
    int groups = 1;
    if (kind == NormKind.GROUP) {
      groups = a.intValue("groups");
      ok &= positive(name, a, m, "groups", groups);
    }
    ActivationModel act = activation(name, a, m, "activation");
    if (!ok || act == null || in == null) {
      return null;
    }
    String annotation = kind == NormKind.GROUP ? "GroupNorm" : kind == NormKind.LAYER ? "LayerNorm" : "InstanceNorm";
    if (kind == NormKind.INSTANCE) {
      if (!in.isImage()) {
        report.error(Message.NEEDS_IMAGE, m, a.mirror(), null, name, annotation, in);
        return null;
      }
      groups = in.channels();
    }
    if (kind == NormKind.GROUP && in.channels() % groups != 0) {
      report.error(Message.GROUPS_CHANNELS, m, a.mirror(), a.written("groups"), name, groups, in.channels(), groups,
          in.channels());
      return null;
    }
    if (in.size() / groups == 1) {
      String fix = kind == NormKind.GROUP ? "use fewer groups, or a @BatchNorm" : kind == NormKind.INSTANCE
          ? "use a @BatchNorm, or normalise before the image shrinks to 1x1" : "use a @BatchNorm";
      report.error(Message.NORM_ONE_VALUE, m, a.mirror(), kind == NormKind.GROUP ? a.written("groups") : null, name,
          annotation, in, fix);
      return null;
    }
    return new NormModel(name, in, in, kind, groups, a.doubleValue("eps"), act);
  }

  /** Whether {@code eps} is positive and finite; reports it otherwise. */
  private boolean eps(String name, Attributes a, ExecutableElement m) {
    double eps = a.doubleValue("eps");
    if (eps > 0 && !Double.isInfinite(eps)) {
      return true;
    }
    report.error(Message.EPS_NOT_POSITIVE, m, a.mirror(), a.written("eps"), name, eps);
    return false;
  }

  private LayerModel dropout(String name, Attributes a, ExecutableElement m, TensorShape in) {
    double rate = a.doubleValue("value");
    if (!(rate >= 0 && rate < 1)) {
      report.error(Message.DROPOUT_RATE, m, a.mirror(), a.written("value"), name, rate);
      return null;
    }
    return in == null ? null : new DropoutModel(name, in, in, rate, a.booleanValue("gaussian"));
  }

  private LayerModel prelu(String name, Attributes a, ExecutableElement m, TensorShape in) {
    double slope = a.doubleValue("slope");
    if (!finite(name, a, m, "slope") || in == null) {
      return null;
    }
    return new PReluModel(name, in, in, slope, a.booleanValue("shared"));
  }

  private LayerModel rrelu(String name, Attributes a, ExecutableElement m, TensorShape in) {
    boolean ok = finite(name, a, m, "lower");
    ok &= finite(name, a, m, "upper");
    if (!ok) {
      return null;
    }
    double lower = a.doubleValue("lower");
    double upper = a.doubleValue("upper");
    if (lower > upper) {
      report.error(Message.RRELU_RANGE, m, a.mirror(),
          a.isWritten("lower") ? a.written("lower") : a.written("upper"), name, lower, upper);
      return null;
    }
    return in == null ? null : new RReluModel(name, in, in, lower, upper);
  }

  private boolean finite(String name, Attributes a, ExecutableElement m, String attr) {
    double v = a.doubleValue(attr);
    if (Double.isFinite(v)) {
      return true;
    }
    report.error(Message.NOT_FINITE, m, a.mirror(), a.written(attr), name, attr, v);
    return false;
  }

  private LayerModel convTranspose(String name, Attributes a, ExecutableElement m, TensorShape in) {
    ConvAttributes c = convAttributes(name, a, m);
    int[] op = pair(name, a, m, "outputPadding", 0);
    if (c == null || op == null) {
      return null;
    }
    int[] k = c.kernel();
    int[] s = c.stride();
    int[] p = c.padding();
    int[] d = c.dilation();
    boolean ok = true;
    String[] axes = {"height", "width"};
    for (int i = 0; i < 2; i++) {
      if (op[i] >= s[i] && op[i] >= d[i]) {
        report.error(Message.OUTPUT_PADDING, m, a.mirror(), a.written("outputPadding", i), name, op[i], axes[i],
            s[i], d[i], Math.max(s[i], d[i]) - 1);
        ok = false;
        if (a.ints("outputPadding").length == 1) {
          break; // one written value, one mistake: say it once
        }
      }
    }
    if (!ok || in == null) {
      return null;
    }
    if (!in.isImage()) {
      report.error(Message.NEEDS_IMAGE, m, a.mirror(), null, name, "ConvTranspose", in);
      return null;
    }
    ok = groupsDivide(name, a, m, in, c.filters(), c.groups());
    int[] inHw = {in.height(), in.width()};
    int[] outHw = new int[2];
    for (int i = 0; i < 2 && ok; i++) {
      long size = (long) (inHw[i] - 1) * s[i] - 2L * p[i] + (long) d[i] * (k[i] - 1) + op[i] + 1;
      if (size < 1) {
        long maxPadding = ((long) (inHw[i] - 1) * s[i] + (long) d[i] * (k[i] - 1) + op[i]) / 2;
        report.error(Message.OUTPUT_BELOW_ONE, m, a.mirror(), a.written("padding", i), name, axes[i], inHw[i], s[i],
            p[i], d[i], k[i], op[i], size, maxPadding, axes[i]);
        ok = false;
      } else if (size > Integer.MAX_VALUE) {
        report.error(Message.TOO_LARGE, m, a.mirror(), null, name, "the output", size);
        ok = false;
      } else {
        outHw[i] = (int) size;
      }
    }
    if (!ok || !fitInArrays(name, a, m, (long) c.filters() * outHw[0] * outHw[1],
        (long) in.channels() * (c.filters() / c.groups()) * k[0] * k[1])) {
      return null;
    }
    return new ConvTransposeModel(name, in, TensorShape.image(c.filters(), outHw[0], outHw[1]), c.filters(),
        c.window(), op[0], op[1], c.groups(), a.booleanValue("bias"), c.activation(), c.init());
  }

  private LayerModel dense(String name, Attributes a, ExecutableElement m, TensorShape in) {
    int units = a.intValue("units");
    boolean ok = positive(name, a, m, "units", units);
    ActivationModel act = activation(name, a, m, "activation");
    Init init = init(name, a, m);
    if (!ok || act == null || init == null || in == null) {
      return null;
    }
    if ((long) units * in.size() > Integer.MAX_VALUE) {
      report.error(Message.TOO_LARGE, m, a.mirror(), a.written("units"), name, "the weight", (long) units * in.size());
      return null;
    }
    return new DenseModel(name, in, TensorShape.vector(units), units, a.booleanValue("bias"), act, init);
  }

  private LayerModel conv(String name, Attributes a, ExecutableElement m, TensorShape in) {
    ConvAttributes c = convAttributes(name, a, m);
    if (c == null || in == null) {
      return null;
    }
    if (!in.isImage()) {
      report.error(Message.NEEDS_IMAGE, m, a.mirror(), null, name, "Conv", in);
      return null;
    }
    boolean ok = groupsDivide(name, a, m, in, c.filters(), c.groups());
    Window w = c.window();
    if (!fits(name, a, m, "kernel", w, in) || !ok) {
      return null;
    }
    int oh = w.outputHeight(in.height());
    int ow = w.outputWidth(in.width());
    if (!fitInArrays(name, a, m, (long) c.filters() * oh * ow,
        (long) c.filters() * (in.channels() / c.groups()) * w.kh() * w.kw())) {
      return null;
    }
    return new ConvModel(name, in, TensorShape.image(c.filters(), oh, ow), c.filters(), w, c.groups(),
        a.booleanValue("bias"), c.activation(), c.init());
  }

  /** The attributes a convolution and a transposed convolution share, each read and checked. */
  private record ConvAttributes(int filters, int groups, int[] kernel, int[] stride, int[] padding, int[] dilation,
      ActivationModel activation, Init init) {
    Window window() {
      return new Window(kernel[0], kernel[1], stride[0], stride[1], padding[0], padding[1], dilation[0],
          dilation[1]);
    }
  }

  /** Reads a convolution's shared attributes, reporting every mistake among them; null when there was one. */
  private ConvAttributes convAttributes(String name, Attributes a, ExecutableElement m) {
    int filters = a.intValue("filters");
    int groups = a.intValue("groups");
    boolean ok = positive(name, a, m, "filters", filters);
    ok &= positive(name, a, m, "groups", groups);
    int[] k = pair(name, a, m, "kernel", 1);
    int[] s = pair(name, a, m, "stride", 1);
    int[] p = pair(name, a, m, "padding", 0);
    int[] d = pair(name, a, m, "dilation", 1);
    ActivationModel act = activation(name, a, m, "activation");
    Init init = init(name, a, m);
    if (!ok || k == null || s == null || p == null || d == null || act == null || init == null) {
      return null;
    }
    return new ConvAttributes(filters, groups, k, s, p, d, act, init);
  }

  /** Reports groups that do not divide the input's channels, or the filters; true when they divide both. */
  private boolean groupsDivide(String name, Attributes a, ExecutableElement m, TensorShape in, int filters,
      int groups) {
    boolean ok = true;
    if (in.channels() % groups != 0) {
      report.error(Message.GROUPS_CHANNELS, m, a.mirror(), a.written("groups"), name, groups, in.channels(), groups,
          in.channels());
      ok = false;
    }
    if (filters % groups != 0) {
      report.error(Message.GROUPS_FILTERS, m, a.mirror(), a.written("groups"), name, groups, filters, groups, groups);
      ok = false;
    }
    return ok;
  }

  /** Reports an output or weight too large for a Java array; true when both fit. */
  private boolean fitInArrays(String name, Attributes a, ExecutableElement m, long outSize, long weights) {
    if (Math.max(outSize, weights) > Integer.MAX_VALUE) {
      report.error(Message.TOO_LARGE, m, a.mirror(), null, name, outSize > weights ? "the output" : "the weight",
          Math.max(outSize, weights));
      return false;
    }
    return true;
  }

  private LayerModel pool(String name, Attributes a, ExecutableElement m, TensorShape in) {
    int[] k = pair(name, a, m, "size", 1);
    int[] s = a.ints("stride").length == 0 ? k : pair(name, a, m, "stride", 1);
    int[] p = pair(name, a, m, "padding", 0);
    if (k == null || s == null || p == null) {
      return null;
    }
    boolean ok = true;
    String[] axes = {"height", "width"};
    for (int i = 0; i < 2; i++) {
      if (p[i] > k[i] / 2) {
        report.error(Message.POOL_PADDING, m, a.mirror(), a.written("padding", i), name, p[i], k[i], axes[i],
            k[i] / 2);
        ok = false;
        if (a.ints("padding").length == 1 && k[0] == k[1]) {
          break; // one written value, one mistake: say it once
        }
      }
    }
    if (in == null) {
      return null;
    }
    if (!in.isImage()) {
      report.error(Message.NEEDS_IMAGE, m, a.mirror(), null, name, "Pool", in);
      return null;
    }
    Window w = new Window(k[0], k[1], s[0], s[1], p[0], p[1], 1, 1);
    if (!ok || !fits(name, a, m, "size", w, in)) {
      return null;
    }
    TensorShape out = TensorShape.image(in.channels(), w.outputHeight(in.height()), w.outputWidth(in.width()));
    return new PoolModel(name, in, out, PoolMode.valueOf(a.enumName("mode")), w, false);
  }

  private LayerModel globalPool(String name, Attributes a, ExecutableElement m, TensorShape in) {
    if (in == null) {
      return null;
    }
    if (!in.isImage()) {
      report.error(Message.NEEDS_IMAGE, m, a.mirror(), null, name, "GlobalPool", in);
      return null;
    }
    Window w = new Window(in.height(), in.width(), in.height(), in.width(), 0, 0, 1, 1);
    return new PoolModel(name, in, TensorShape.image(in.channels(), 1, 1), PoolMode.valueOf(a.enumName("value")), w,
        true);
  }

  /** Whether the dilated window fits the padded input on both axes; reports the first axis where it does not. */
  private boolean fits(String name, Attributes a, ExecutableElement m, String attr, Window w, TensorShape in) {
    int[][] axes = {
      {w.kh(), w.effectiveHeight(), w.ph(), in.height(), w.outputHeight(in.height()), w.dh()},
      {w.kw(), w.effectiveWidth(), w.pw(), in.width(), w.outputWidth(in.width()), w.dw()}
    };
    String[] names = {"height", "width"};
    for (int i = 0; i < 2; i++) {
      int[] ax = axes[i];
      if (ax[1] > ax[3] + 2 * ax[2]) {
        int maxKernel = (ax[3] + 2 * ax[2] - 1) / ax[5] + 1;
        report.error(Message.KERNEL_TOO_LARGE, m, a.mirror(), a.written(attr, i), name, ax[0], ax[1], in, ax[2],
            names[i], ax[4], maxKernel, names[i]);
        return false;
      }
    }
    return true;
  }

  /** A one-or-two-valued attribute as {height, width}, each at least {@code min}; null after reporting. */
  private int[] pair(String name, Attributes a, ExecutableElement m, String attr, int min) {
    int[] v = a.ints(attr);
    if (v.length != 1 && v.length != 2) {
      report.error(Message.PAIR_LENGTH, m, a.mirror(), a.written(attr), name, attr, v.length);
      return null;
    }
    int[] hw = v.length == 1 ? new int[] {v[0], v[0]} : v;
    boolean ok = true;
    for (int i = 0; i < hw.length; i++) {
      if (hw[i] < min) {
        int index = v.length == 1 ? 0 : i;
        if (min == 0 && attr.equals("padding")) {
          report.error(Message.NEGATIVE_PADDING, m, a.mirror(), a.written(attr, index), name, hw[i]);
        } else if (min == 0) {
          report.error(Message.NEGATIVE, m, a.mirror(), a.written(attr, index), name, attr, hw[i]);
        } else {
          report.error(Message.NOT_POSITIVE, m, a.mirror(), a.written(attr, index), name, attr, hw[i]);
        }
        ok = false;
        if (v.length == 1) {
          break;
        }
      }
    }
    return ok ? hw : null;
  }

  private boolean positive(String name, Attributes a, ExecutableElement m, String attr, int value) {
    if (value >= 1) {
      return true;
    }
    report.error(Message.NOT_POSITIVE, m, a.mirror(), a.written(attr), name, attr, value);
    return false;
  }

  private ActivationModel activation(String name, Attributes a, ExecutableElement m, String attr) {
    double alpha = a.doubleValue("alpha");
    if (Double.isInfinite(alpha) || (Double.isNaN(alpha) && a.isWritten("alpha"))) {
      report.error(Message.ALPHA_NOT_FINITE, m, a.mirror(), a.written("alpha"), name, alpha);
      return null;
    }
    return ActivationModel.of(Activation.valueOf(a.enumName(attr)), alpha);
  }

  private Init init(String name, Attributes a, ExecutableElement m) {
    Init init = Init.valueOf(a.enumName("init"));
    if (init == Init.ZEROS || init == Init.CONSTANT) {
      report.error(Message.CONSTANT_INIT, m, a.mirror(), a.written("init"), name, init);
      return null;
    }
    return init;
  }

  private static String article(ElementKind kind) {
    String k = kind.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
    return ("aeiou".indexOf(k.charAt(0)) >= 0 ? "an " : "a ") + k;
  }
}
